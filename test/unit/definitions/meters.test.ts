import t from 'tap';
import { matchesEventType } from '../../../src/definitions/index.js';
import { meter, meterIssues, memoryDef } from './meter-helpers.js';

t.test('required fields are reported together, in Ceilometer order', async (t) => {
  t.same(meterIssues({}), [': Required fields [name, type, event_type, unit, volume, resource_id] not specified']);
  t.same(meterIssues(memoryDef({ unit: '', resource_id: undefined })), [
    ': Required fields [unit, resource_id] not specified',
  ]);
});

t.test('a falsy required field counts as missing (spec §5.2)', async (t) => {
  t.same(meterIssues(memoryDef({ name: '' })), [': Required fields [name] not specified']);
  t.same(meterIssues(memoryDef({ event_type: '' })), [': Required fields [event_type] not specified']);
  t.same(meterIssues(memoryDef({ resource_id: null })), [': Required fields [resource_id] not specified']);
});

t.test('a constant volume of 0 is falsy in Python, so Ceilometer refuses it', {}, async (t) => {
  t.same(meterIssues(memoryDef({ volume: 0 })), [': Required fields [volume] not specified']);
});

t.test('type is validated unless looked up', async (t) => {
  t.same(meterIssues(memoryDef({ type: 'counter' })), ['type: Invalid type counter specified']);
  t.same(meterIssues(memoryDef({ type: '$.payload.type' })), ['type: Invalid type $.payload.type specified']);
  const looked = meter(
    memoryDef({ name: '$.payload.metrics[*].name', type: '$.payload.metrics[*].type', lookup: ['name', 'type'] }),
  );
  t.equal(looked.literalType, null, 'a jsonpath type is not a literal');
  t.same([...looked.lookup], ['name', 'type']);
  for (const type of ['gauge', 'delta', 'cumulative']) {
    t.equal(meter(memoryDef({ type })).literalType, type);
  }
});

t.test('unknown keys are rejected, each with its path', async (t) => {
  t.same(meterIssues(memoryDef({ units: 'B', extra: 1 })), ['units: unknown key', 'extra: unknown key']);
});

t.test('event_type: invalid regex and wrong shapes', async (t) => {
  const bad = meterIssues(memoryDef({ event_type: ['ok.*', 'bad.(unclosed'] }));
  t.equal(bad.length, 1);
  t.match(bad[0], /^event_type\.1: invalid regular expression/);
  t.match(meterIssues(memoryDef({ event_type: '(' }))[0], /^event_type: invalid regular expression/);
  t.same(meterIssues(memoryDef({ event_type: [] })), ['event_type: must be a string or a non-empty list of strings']);
  t.same(meterIssues(memoryDef({ event_type: [1] })), ['event_type: must be a string or a non-empty list of strings']);
});

t.test('lookup must name meter attributes, and a non-per-match plugin cannot be looked up', async (t) => {
  t.same(meterIssues(memoryDef({ lookup: ['colour'] })), [
    'lookup: must list attributes among name, type, unit, volume, resource_id, project_id, user_id, timestamp',
  ]);
  t.same(
    meterIssues(
      memoryDef({
        volume: { fields: ['$.payload.a', '$.payload.b'], plugin: 'timedelta' },
        lookup: ['volume'],
      }),
    ),
    ['lookup: volume uses a plugin that cannot be used with lookup'],
  );
  t.same(
    meterIssues(memoryDef({ resource_id: { fields: '$.payload.ids[*]', plugin: 'split' }, lookup: 'resource_id' })),
    [],
    'split yields one value per match: allowed',
  );
});

t.test('plugin and field errors', async (t) => {
  t.match(meterIssues(memoryDef({ volume: { fields: '$.a', plugin: 'nope' } })), [
    /^volume\.plugin: unknown plugin "nope" \(known: split, bitfield, timedelta\)$/,
  ]);
  t.same(meterIssues(memoryDef({ volume: { fields: '$.a', plugin: { parameters: {} } } })), [
    'volume.plugin: plugin name is required',
  ]);
  t.same(meterIssues(memoryDef({ volume: { plugin: 'timedelta' } })), [
    'volume: Required field "fields" not specified',
  ]);
  t.same(meterIssues(memoryDef({ volume: { fields: '$.a', plugin: 'split', colour: 1 } })), [
    'volume.colour: unknown key',
  ]);
  t.match(meterIssues(memoryDef({ volume: '$.payload.[' }))[0], /^volume: invalid jsonpath/);
  t.match(meterIssues(memoryDef({ metadata: { host: '$.[' } }))[0], /^metadata\.host: invalid jsonpath/);
  t.same(meterIssues(memoryDef({ metadata: ['a'] })), ['metadata: must be a mapping of name to jsonpath']);
  t.same(
    meterIssues(memoryDef({ volume: { fields: '$.a', plugin: { name: 'split', parameters: { segment: 'x' } } } })),
    ['volume.plugin.parameters: parameter segment must be an integer'],
  );
});

t.test('plain words in name/unit/type are literals; elsewhere strings are paths', async (t) => {
  const d = meter(memoryDef({ unit: 'B/s' }));
  t.equal(d.literalName, 'memory');
  t.equal(d.fields.get('unit')?.first({} as never, { warn() {} }), 'B/s', "'B/s' loads as a literal");
  t.equal(meter(memoryDef({ name: '$.payload.name' })).literalName, null);
  t.equal(meter(memoryDef({ name: '$.payload.name' })).name, '$.payload.name', 'name as written is the report name');
});

t.test('event_type uses re.match: anchored at the start only, `.` is any char', async (t) => {
  const d = meter(memoryDef({ event_type: ['volume.create.*', 'compute.instance.(?!create.start|update).*'] }));
  t.ok(matchesEventType(d, 'volume.create'), 'no suffix needed');
  t.ok(matchesEventType(d, 'volumeXcreateXend'), '`.` is a wildcard');
  t.ok(matchesEventType(d, 'volume.create.end.extra'), 'not anchored at the end');
  t.notOk(matchesEventType(d, 'xvolume.create.end'), 'anchored at the start');
  t.notOk(matchesEventType(d, 'Volume.create.end'), 'case-sensitive');
  t.ok(matchesEventType(d, 'compute.instance.exists'));
  t.ok(matchesEventType(d, 'compute.instance.'));
  t.notOk(matchesEventType(d, 'compute.instance.create.start'));
  t.notOk(matchesEventType(d, 'compute.instance.update.foo'));
  t.ok(matchesEventType(d, 'compute.instance.create.end'));
});
