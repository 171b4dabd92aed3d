import t from 'tap';
import type { Event } from '../../../src/model/event.js';
import { eventMessageLine, keepMeteringMessageLine, meteringMessageLine } from '../../../src/model/message-lines.js';
import { eventToMessage, sampleToMeteringMessage } from '../../../src/model/metering.js';
import { PyFloat } from '../../../src/model/py-float.js';
import { dumpsPyJson } from '../../../src/model/py-json.js';
import type { PyJson, Sample } from '../../../src/model/sample.js';

// The fast lines must be exactly the generic dump of the generic message, signature included.
const SECRETS = ['change this for valid signing', '', 'sécret'];

const sample = (over: Partial<Sample> = {}): Sample => ({
  name: 'memory',
  type: 'gauge',
  unit: 'MB',
  volume: 2048,
  user_id: 'u',
  project_id: 'p',
  resource_id: 'r',
  timestamp: '2026-11-22T09:25:41.310093+00:00',
  resource_metadata: { host: 'compute-1', flavor: { vcpus: 2, name: 'm1.small' }, tags: ['a', 'ü'] },
  source: 'openstack',
  id: 'id-1',
  monotonic_time: null,
  ...over,
});

t.test('metering lines equal dumpsPyJson(sampleToMeteringMessage())', async (t) => {
  const shared = Object.freeze({ display_name: 'vm "1" \u00e9\u{1f600}', state: 'active', nested: { x: [1, null] } });
  const samples: Sample[] = [
    sample(),
    sample({ volume: new PyFloat(80), user_id: null, project_id: null, resource_id: null }),
    sample({ volume: 12345678901234567890n, monotonic_time: 12.5, unit: 'B/s', name: 'n\u00e4me\n' }),
    sample({ volume: 0.1, resource_metadata: {} }),
    sample({ resource_metadata: shared, id: 'a' }),
    sample({ resource_metadata: shared, id: 'b', name: 'cpu' }),
  ];
  for (const secret of SECRETS) {
    for (const s of samples) t.equal(meteringMessageLine(s, secret), dumpsPyJson(sampleToMeteringMessage(s, secret)));
  }
});

t.test('event lines equal dumpsPyJson(eventToMessage())', async (t) => {
  const event = (traits: Event['traits'], raw: { [key: string]: PyJson } = {}): Event => ({
    message_id: 'm-1',
    event_type: 'compute.instance.create.end',
    generated: '2026-11-22T12:18:10.632511',
    traits,
    raw,
  });
  const events = [
    event([]),
    event([
      { name: 'service', dtype: 1, value: 'compute' },
      { name: 'memory_mb', dtype: 2, value: 512 },
      { name: 'big', dtype: 2, value: 12345678901234567890n },
      { name: 'ratio', dtype: 3, value: new PyFloat(1) },
      { name: 'load', dtype: 3, value: 0.25 },
      { name: 'launched_at', dtype: 4, value: '2026-11-22T12:18:10' },
      { name: 'n\u00e4me \'q\' "d"', dtype: 1, value: 'v\u00e4l\\ue\u{1f600}' },
      { name: 'quote', dtype: 1, value: "it's" },
      { name: 'dquote', dtype: 1, value: 'say "hi"' },
      { name: 'both', dtype: 1, value: `it's "x"` },
      { name: 'backslash', dtype: 1, value: 'a\\b' },
      { name: 'empty', dtype: 1, value: '' },
      { name: 'tab', dtype: 1, value: 'a\tb' },
      { name: 'del', dtype: 1, value: 'a\u007fb' },
      { name: 'service', dtype: 1, value: 'compute' },
    ]),
    event([{ name: 'service', dtype: 1, value: 'x' }], { event_type: 'e', payload: { a: [1, 2.5, 'z'] } }),
  ];
  for (const secret of SECRETS) {
    for (const e of events) t.equal(eventMessageLine(e, secret), dumpsPyJson(eventToMessage(e, secret)));
  }
});

t.test('a frozen dict is dumped once per style', async (t) => {
  const frozen = Object.freeze({ a: 'é', b: [1, 2] });
  t.equal(dumpsPyJson(frozen), '{"a": "\\u00e9", "b": [1, 2]}');
  t.equal(dumpsPyJson(frozen), '{"a": "\\u00e9", "b": [1, 2]}', 'from the cache');
  t.equal(dumpsPyJson(frozen, { compact: true }), '{"a":"\\u00e9","b":[1,2]}', 'other separators');
  t.equal(dumpsPyJson(frozen, { ensureAscii: false }), '{"a": "é", "b": [1, 2]}', 'other escaping');
  t.equal(dumpsPyJson([frozen, frozen]), '[{"a": "\\u00e9", "b": [1, 2]}, {"a": "\\u00e9", "b": [1, 2]}]');
});

t.test('samples in a row share their common rendering only while it is the same', async (t) => {
  const meta = Object.freeze({ host: 'h', nested: { a: [1, 'é'] }, empty: {} });
  const base = sample({ resource_metadata: meta, id: 'x1' });
  const mutable: { [key: string]: PyJson } = { host: 'before' };
  const seq: Sample[] = [
    base,
    { ...base, name: 'cpu', id: 'x2', volume: new PyFloat(3), unit: 'ns', type: 'cumulative' },
    { ...base, id: 'x3', user_id: 'other' },
    { ...base, id: 'x4', project_id: null },
    { ...base, id: 'x5', resource_id: 'r2' },
    { ...base, id: 'x6', timestamp: '2026-11-22T09:25:42+00:00' },
    { ...base, id: 'x7', source: 'elsewhere' },
    { ...base, id: 'x8', resource_metadata: Object.freeze({ host: 'h' }) },
    { ...base, id: 'x9', resource_metadata: Object.freeze({}) },
    { ...base, id: 'x10', monotonic_time: 5, volume: 10n ** 30n },
    base,
    // Not the usual form: the generic path.
    { ...base, id: 'x11', resource_metadata: mutable },
    { ...base, id: 'x12', volume: [1, 'a'] as unknown as number },
    { ...base, id: 'x13', name: { n: 1 } as unknown as string },
    { ...base, id: 'x14', monotonic_time: undefined as unknown as null },
    { ...base, id: 'x15', user_id: 7 as unknown as string },
    { ...base, id: 'x16', resource_metadata: [1] as unknown as { [key: string]: PyJson } },
    base,
  ];
  for (const secret of SECRETS) {
    for (const s of seq) t.equal(meteringMessageLine(s, secret), dumpsPyJson(sampleToMeteringMessage(s, secret)), s.id);
  }
  // A metadata object that is not frozen may change between two samples: it is never reused.
  const first = sample({ resource_metadata: mutable, id: 'm1' });
  const before = meteringMessageLine(first, SECRETS[0] as string);
  mutable.host = 'after';
  const after = meteringMessageLine({ ...first }, SECRETS[0] as string);
  t.not(after, before);
  t.equal(after, dumpsPyJson(sampleToMeteringMessage(first, SECRETS[0] as string)));
});

t.test('frozen dicts beyond the few remembered are rendered again, the same', async (t) => {
  const dicts = Array.from({ length: 7 }, (_, i) => Object.freeze({ n: i, text: `é${i}`, list: [i, { k: i }] }));
  for (let round = 0; round < 3; round++) {
    for (const [i, d] of dicts.entries()) {
      const frozen = sample({ resource_metadata: d, id: `f${round}-${i}` });
      const plain = sample({
        resource_metadata: JSON.parse(JSON.stringify(d)) as { [key: string]: PyJson },
        id: `f${round}-${i}`,
      });
      t.equal(meteringMessageLine(frozen, 'k'), meteringMessageLine(plain, 'k'));
      t.equal(dumpsPyJson(d), dumpsPyJson({ ...d }));
    }
  }
});

t.test('a kept line is the rendered line, for its secret only, and a copy does not carry it', async (t) => {
  const s = sample({ resource_metadata: { host: 'h' } });
  const rendered = meteringMessageLine(s, 'k1');
  t.equal(keepMeteringMessageLine(s, 'k1'), rendered);
  t.same(Object.keys(s), Object.keys(sample()), 'no visible key added');
  t.equal(meteringMessageLine(s, 'k1'), rendered, 'found on the sample');
  t.equal(meteringMessageLine(s, 'k2'), meteringMessageLine(sample({ resource_metadata: { host: 'h' } }), 'k2'));
  t.equal(keepMeteringMessageLine(s, 'k2'), meteringMessageLine(sample({ resource_metadata: { host: 'h' } }), 'k2'));
  t.equal(meteringMessageLine(s, 'k2'), keepMeteringMessageLine(s, 'k2'), 'kept again for the new secret');
  const copy = { ...s, volume: 99 };
  t.not(meteringMessageLine(copy, 'k2'), meteringMessageLine(s, 'k2'), 'a changed copy renders afresh');
  t.equal(
    meteringMessageLine(copy, 'k2'),
    meteringMessageLine(sample({ volume: 99, resource_metadata: { host: 'h' } }), 'k2'),
  );
});
