import { createHash } from 'node:crypto';
import t from 'tap';
import { derivedSampleId, MeterConverter } from '../../../src/definitions/index.js';
import type { MeterConverterOptions } from '../../../src/definitions/index.js';
import { PyFloat } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';
import { meter, memoryDef, notification } from './meter-helpers.js';
import type { NotificationParts } from './meter-helpers.js';

const NOW = '2030-01-02T03:04:05.000006+00:00';

function convert(defs: Record<string, unknown>[], parts: NotificationParts = {}, options: MeterConverterOptions = {}) {
  return new MeterConverter(
    defs.map((d) => meter(d)),
    { now: () => NOW, ...options },
  ).convert(notification(parts));
}

t.test('a simple definition: literal name/type/unit, paths, normalised timestamp', async (t) => {
  const out = convert([memoryDef()]);
  t.same(out.failures, []);
  t.same(out.dropped, []);
  t.same(out.sampleDefinitions, ['memory']);
  t.equal(out.samples.length, 1);
  const s = out.samples[0]!;
  t.match(s, {
    name: 'memory',
    type: 'gauge',
    unit: 'MB',
    volume: 512,
    user_id: 'ctx-user',
    project_id: 'ctx-project',
    resource_id: 'i-1',
    timestamp: '2026-11-22T03:41:11.225514+00:00',
    source: 'openstack',
    monotonic_time: null,
  });
});

t.test('definitions whose event_type does not match produce nothing', async (t) => {
  const out = convert([memoryDef({ event_type: 'volume.*' })]);
  t.same(out.samples, []);
  t.same(out.dropped, []);
  t.same(new MeterConverter([meter(memoryDef())]).matching('image.upload'), []);
});

t.test('sample_source option', async (t) => {
  t.equal(convert([memoryDef()], {}, { sampleSource: 'elsewhere' }).samples[0]?.source, 'elsewhere');
});

t.test('timestamps: a timestamp path wins; an offset is kept; Z becomes +00:00', async (t) => {
  const def = memoryDef({ timestamp: '$.payload.audit' });
  t.equal(
    convert([def], { payload: { instance_id: 'i', memory_mb: 1, audit: '2026-01-01T10:00:00+05:30' } }).samples[0]
      ?.timestamp,
    '2026-01-01T10:00:00+05:30',
  );
  t.equal(
    convert([def], { payload: { instance_id: 'i', memory_mb: 1, audit: '2026-01-01T10:00:00Z' } }).samples[0]
      ?.timestamp,
    '2026-01-01T10:00:00+00:00',
  );
  t.equal(
    convert([def], { payload: { instance_id: 'i', memory_mb: 1 } }).samples[0]?.timestamp,
    '2026-11-22T03:41:11.225514+00:00',
    'no value → envelope timestamp',
  );
});

t.test('a notification without any timestamp is stamped with the injected now', async (t) => {
  const out = convert([memoryDef()], { timestamp: null });
  t.same(out.failures, []);
  t.equal(out.samples[0]?.timestamp, NOW);
});

t.test('metadata keeps only truthy values', async (t) => {
  const out = convert(
    [
      memoryDef({
        metadata: {
          host: '$.payload.host',
          empty: '$.payload.empty',
          zero: '$.payload.zero',
          no: '$.payload.no',
          list: '$.payload.list',
          dict: '$.payload.dict',
          missing: '$.payload.missing',
          yes: '$.payload.yes',
          nested: '$.payload.nested',
        },
      }),
    ],
    {
      payload: {
        instance_id: 'i',
        memory_mb: 1,
        host: 'h1',
        empty: '',
        zero: 0,
        no: false,
        list: [],
        dict: {},
        yes: true,
        nested: { a: 1 },
      },
    },
  );
  t.same(out.samples[0]?.resource_metadata, { host: 'h1', yes: true, nested: { a: 1 } });
});

t.test('no metadata (or only falsy metadata): copy of the payload plus event_type and host', async (t) => {
  const payload = { instance_id: 'i', memory_mb: 1, host: 'network-1', x: [1] };
  const plain = convert([memoryDef()], { payload });
  t.same(plain.samples[0]?.resource_metadata, {
    instance_id: 'i',
    memory_mb: 1,
    host: 'compute.host-1',
    x: [1],
    event_type: 'compute.instance.exists',
  });
  t.equal(payload.host, 'network-1', 'the payload itself is not modified');
  const falsy = convert([memoryDef({ metadata: { name: '$.payload.display_name' } })], {
    payload: { instance_id: 'i', memory_mb: 1, display_name: '' },
  });
  t.same(falsy.samples[0]?.resource_metadata, {
    instance_id: 'i',
    memory_mb: 1,
    display_name: '',
    event_type: 'compute.instance.exists',
    host: 'compute.host-1',
  });
  const nonDict = convert([memoryDef({ volume: 1, resource_id: '$.publisher_id' })], {
    payload: [1, 2],
    publisher_id: null,
  });
  t.same(nonDict.samples[0]?.resource_metadata, { event_type: 'compute.instance.exists', host: null });
});

t.test('user_metadata: metering. prefix rules (golden oddity 8)', async (t) => {
  const long = 'x'.repeat(300);
  const out = convert(
    [memoryDef({ metadata: { display_name: '$.payload.display_name' }, user_metadata: '$.payload.metadata' })],
    {
      payload: {
        instance_id: 'i',
        memory_mb: 1,
        display_name: 'vm',
        metadata: {
          'metering.stack': 's-1',
          'metering.a.b.c': 'abc',
          'metering.': 'empty key',
          'metering.display_name': 'collides',
          'Metering.upper': 'case-sensitive prefix',
          other: 'not reserved',
          'metering.long': long,
          'metering.n': 5,
          'metering.nested': { k: [1] },
          'metering.nothing': null,
        },
      },
    },
  );
  const md = out.samples[0]?.resource_metadata;
  t.equal(md?.display_name, 'vm');
  t.same(md?.user_metadata, {
    stack: 's-1',
    a_b_c: 'abc',
    '': 'empty key',
    long: 'x'.repeat(256),
    n: 5,
    nested: { k: [1] },
    nothing: null,
  });
});

t.test('user_metadata: reserved keys and namespace/length options; absent when empty', async (t) => {
  const def = memoryDef({ user_metadata: '$.payload.metadata' });
  const payload = { instance_id: 'i', memory_mb: 1, metadata: { 'ns:a.b': 'abcdef', 'keep.me': 'k', other: 'o' } };
  const out = convert(
    [def],
    { payload },
    {
      reservedMetadataNamespace: ['ns:'],
      reservedMetadataKeys: ['keep.me'],
      reservedMetadataLength: 3,
    },
  );
  t.same(out.samples[0]?.resource_metadata, { user_metadata: { a_b: 'abc', keep_me: 'k' } });
  const none = convert([def], { payload: { instance_id: 'i', memory_mb: 1, metadata: { other: 'o' } } });
  t.notOk('user_metadata' in (none.samples[0]?.resource_metadata ?? {}), 'no user_metadata key when empty');
  t.equal(none.samples[0]?.resource_metadata.event_type, 'compute.instance.exists', 'so the payload is copied');
});

t.test('context fallbacks for user and project', async (t) => {
  const withUser = convert([memoryDef()], { ctxt: { user: 'u2', tenant_id: 'p2' } });
  t.equal(withUser.samples[0]?.user_id, 'u2');
  t.equal(withUser.samples[0]?.project_id, 'p2');
  const tenant = convert([memoryDef()], { ctxt: { tenant: 'p3' } });
  t.equal(tenant.samples[0]?.project_id, 'p3');
  t.equal(tenant.samples[0]?.user_id, null);
  const order = convert([memoryDef()], { ctxt: { user_id: null, user: 'u4', project_id: 'p4', tenant_id: 'p5' } });
  t.equal(order.samples[0]?.user_id, 'u4', 'a null user_id falls through to user');
  t.equal(order.samples[0]?.project_id, 'p4', 'project_id before tenant_id');
  const explicit = convert([memoryDef({ user_id: '$.payload.owner', project_id: '$.payload.missing' })], {
    payload: { instance_id: 'i', memory_mb: 1, owner: 'o' },
  });
  t.equal(explicit.samples[0]?.user_id, 'o');
  t.equal(explicit.samples[0]?.project_id, 'ctx-project', 'a path with no value keeps the fallback');
});

t.test('ids are rendered as strings; dict or list ids make the sample invalid', async (t) => {
  const def = memoryDef({ user_id: '$.payload.uid', project_id: '$.payload.pid' });
  const numeric = convert([def], { payload: { instance_id: 42, memory_mb: 1, uid: true, pid: 1.5 } });
  t.match(numeric.samples[0], { resource_id: '42', user_id: 'True', project_id: '1.5' });
  const dict = convert([def], { payload: { instance_id: { a: 1 }, memory_mb: 1 } });
  t.same(dict.samples, []);
  t.same(
    dict.dropped.map((d) => [d.definition, d.reason]),
    [['memory', 'invalid sample']],
  );
  t.match(dict.dropped[0]?.detail, /resource_id must be a string/);
  const nullId = convert([def], { payload: { memory_mb: 1 } });
  t.equal(nullId.samples[0]?.resource_id, null, 'a missing resource_id is published as null');
});

t.test('volume coercion and drop reasons', async (t) => {
  const vol = (value: unknown) =>
    convert([memoryDef({ volume: '$.payload.v' })], { payload: { instance_id: 'i', v: value as never } });
  t.equal(vol('4096').samples[0]?.volume, 4096);
  t.equal(vol('  512 ').samples[0]?.volume, 512);
  const e3 = vol('1e3').samples[0]?.volume;
  t.ok(e3 instanceof PyFloat && e3.value === 1000, "'1e3' → 1000.0");
  t.equal(vol(true).samples[0]?.volume, 1);
  t.equal(vol(false).samples[0]?.volume, 0, 'false is 0 (published, not dropped)');
  t.equal(vol(-2.5).samples[0]?.volume, -2.5);
  for (const bad of ['NaN', 'inf', '-inf', 'abc', '', [1], { a: 1 }]) {
    const out = vol(bad);
    t.same(out.samples, [], `${JSON.stringify(bad)} dropped`);
    t.equal(out.dropped[0]?.reason, 'volume is not a number', `${JSON.stringify(bad)} reason`);
    t.equal(out.dropped[0]?.definition, 'memory');
  }
  const missing = vol(undefined);
  t.equal(missing.dropped[0]?.reason, 'volume is None');
  const nul = vol(null);
  t.equal(nul.dropped[0]?.reason, 'volume is None');
  t.match(nul.dropped[0]?.detail, /^memory: /, 'the detail names the sample');
});

t.test('a name expression without a value drops the sample as invalid', async (t) => {
  const out = convert([memoryDef({ name: "'identity.' + $.payload.outcome" })], {
    payload: { instance_id: 'i', memory_mb: 1 },
  });
  t.same(out.samples, []);
  t.equal(out.dropped[0]?.reason, 'invalid sample');
  const ok = convert([memoryDef({ name: "'identity.' + $.payload.outcome" })], {
    payload: { instance_id: 'i', memory_mb: 1, outcome: 'success' },
  });
  t.equal(ok.samples[0]?.name, 'identity.success');
  const badType = convert([memoryDef({ type: '$.payload.t', lookup: ['type'] })], {
    payload: { instance_id: 'i', memory_mb: 1, t: 'counter' },
  });
  t.match(badType.dropped, [{ reason: 'invalid sample', detail: /invalid type 'counter'|invalid type counter/ }]);
});

t.test('a failing definition loses only its own samples (oddity 6)', async (t) => {
  const defs = [
    memoryDef({ name: 'first' }),
    memoryDef({ name: 'broken', timestamp: '$.payload.when' }),
    memoryDef({ name: 'last' }),
  ];
  const out = convert(defs, { payload: { instance_id: 'i', memory_mb: 1, when: 'garbage' } });
  t.same(
    out.samples.map((s) => s.name),
    ['first', 'last'],
  );
  t.same(out.sampleDefinitions, ['first', 'last']);
  t.equal(out.failures.length, 1);
  t.equal(out.failures[0]?.definition, 'broken');
  t.match(out.failures[0]?.message, /garbage/);
  const numeric = convert(defs, { payload: { instance_id: 'i', memory_mb: 1, when: 12 } });
  t.same(
    numeric.failures.map((f) => f.definition),
    ['broken'],
    'a non-string timestamp fails the definition too',
  );
  const badEnvelope = convert(defs, { timestamp: 'not a time', payload: { instance_id: 'i', memory_mb: 1 } });
  t.same(badEnvelope.samples, [], 'an unparsable envelope timestamp fails every definition that needs it');
  t.same(
    badEnvelope.failures.map((f) => f.definition),
    ['first', 'broken', 'last'],
  );
});

t.test('derived sample ids: deterministic per (message_id, definition, index)', async (t) => {
  const defs = [memoryDef(), memoryDef({ name: 'vcpus', volume: 2 })];
  const a = convert(defs, { message_id: 'm-42' });
  const b = convert(defs, { message_id: 'm-42' });
  const c = convert(defs, { message_id: 'm-43' });
  t.same(
    a.samples.map((s) => s.id),
    b.samples.map((s) => s.id),
    'same notification twice → same ids',
  );
  t.not(a.samples[0]?.id, a.samples[1]?.id, 'different definitions → different ids');
  t.not(a.samples[0]?.id, c.samples[0]?.id, 'different message_id → different ids');
  t.equal(a.samples[0]?.id, derivedSampleId('m-42', 'memory', 0));
  t.match(a.samples[0]?.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID v5');
  t.not(derivedSampleId('m', 'd', 0), derivedSampleId('m', 'd', 1));
  // The one-shot hash over a shared scratch buffer gives the ids createHash gave (v5 over the name).
  const reference = (name: string): string => {
    const ns = Buffer.from('6f0c3d1e8a4b4e9c9f1b2a7d5c3e8f10', 'hex');
    const h = createHash('sha1').update(ns).update(name).digest();
    h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
    h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
    const x = h.subarray(0, 16).toString('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  };
  for (const [m, d, i] of [
    ['m-42', 'memory', 0],
    ['req-\u00e9\u{1f600}', 'd\u00fcsk', 3],
    ['x'.repeat(2000), 'memory', 1],
    ['y'.repeat(330), '\u00e9'.repeat(10), 7],
  ] as const) {
    t.equal(derivedSampleId(m, d, i), reference(`${m}/${d}/${i}`), `id of ${m.slice(0, 12)}…/${d}/${i}`);
  }
  const noId1 = convert(defs, { message_id: null });
  const noId2 = convert(defs, { message_id: null });
  t.not(noId1.samples[0]?.id, noId2.samples[0]?.id, 'without a message_id: random ids');
});

const LOOKUP_PAYLOAD = {
  uuid: 'cluster-1',
  metrics: [
    { name: 'a', unit: 'B', value: 1, ts: '2026-01-01T00:00:01' },
    { name: 'b', unit: 'ms', value: 2, ts: '2026-01-01T00:00:02' },
  ],
};

function lookupDef(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: '$.payload.metrics[*].name',
    event_type: 'magnum.bay.metrics.*',
    type: 'gauge',
    unit: '$.payload.metrics[*].unit',
    volume: '$.payload.metrics[*].value',
    resource_id: '$.payload.uuid',
    lookup: ['name', 'unit', 'volume'],
    ...extra,
  };
}

t.test('lookup: lists zipped by index, single values broadcast', async (t) => {
  const out = convert([lookupDef()], { event_type: 'magnum.bay.metrics.update', payload: LOOKUP_PAYLOAD });
  t.same(out.warnings, []);
  t.same(
    out.samples.map((s) => [s.name, s.unit, s.volume, s.resource_id, s.type, s.user_id]),
    [
      ['a', 'B', 1, 'cluster-1', 'gauge', 'ctx-user'],
      ['b', 'ms', 2, 'cluster-1', 'gauge', 'ctx-user'],
    ],
  );
  t.not(out.samples[0]?.id, out.samples[1]?.id, 'each sample of a lookup gets its own id');
  t.same(out.sampleDefinitions, ['$.payload.metrics[*].name', '$.payload.metrics[*].name']);
});

t.test('lookup: a looked-up attribute with another count → warning and no sample at all', async (t) => {
  const payload: PyJson = {
    uuid: 'c',
    metrics: [
      { name: 'a', unit: 'B', value: 1 },
      { name: 'b', value: 2 },
    ],
  };
  const out = convert([lookupDef()], { event_type: 'magnum.bay.metrics.update', payload });
  t.same(out.samples, []);
  t.same(out.warnings, ['Only 1 fetched meters contain "unit" field instead of 2.']);
  const single = convert([lookupDef()], {
    event_type: 'magnum.bay.metrics.update',
    payload: { uuid: 'c', metrics: [{ name: 'a', unit: 'B', value: 1 }] },
  });
  t.equal(single.samples.length, 1, 'one item: lengths agree');
});

t.test('lookup: a non-looked-up attribute with 2 values among 3 names → warning', async (t) => {
  const payload: PyJson = {
    uuid: 'c',
    metrics: [
      { name: 'a', unit: 'B', value: 1, r: 'x' },
      { name: 'b', unit: 'B', value: 2, r: 'y' },
      { name: 'c', unit: 'B', value: 3 },
    ],
  };
  const out = convert([lookupDef({ resource_id: '$.payload.metrics[*].r' })], {
    event_type: 'magnum.bay.metrics.update',
    payload,
  });
  t.same(out.samples, []);
  t.same(out.warnings, ['Only 2 fetched meters contain "resource_id" field instead of 3.']);
});

t.test('lookup: zero items → no sample and no warning; a null value is kept and then dropped', async (t) => {
  const empty = convert([lookupDef()], {
    event_type: 'magnum.bay.metrics.update',
    payload: { uuid: 'c', metrics: [] },
  });
  t.same(empty.samples, []);
  t.same(empty.warnings, []);
  t.same(empty.dropped, []);
  const withNull = convert([lookupDef()], {
    event_type: 'magnum.bay.metrics.update',
    payload: {
      uuid: 'c',
      metrics: [
        { name: 'a', unit: 'B', value: null },
        { name: 'b', unit: 'B', value: 2 },
      ],
    },
  });
  t.same(
    withNull.samples.map((s) => s.name),
    ['b'],
  );
  t.same(
    withNull.dropped.map((d) => d.reason),
    ['volume is None'],
  );
});

t.test('lookup: a literal type looked up with 2 names fails the count check', async (t) => {
  const out = convert([lookupDef({ lookup: ['name', 'type'] })], {
    event_type: 'magnum.bay.metrics.update',
    payload: LOOKUP_PAYLOAD,
  });
  t.same(out.samples, []);
  t.same(out.warnings, ['Only 1 fetched meters contain "type" field instead of 2.']);
});

t.test('lookup: a definition failing on its 2nd sample loses all its samples, as documented', {}, async (t) => {
  const payload = {
    uuid: 'c',
    metrics: [
      { name: 'a', unit: 'B', value: 1, ts: '2026-01-01T00:00:01' },
      { name: 'b', unit: 'B', value: 2, ts: 'garbage' },
    ],
  };
  const out = convert([lookupDef({ timestamp: '$.payload.metrics[*].ts' })], {
    event_type: 'magnum.bay.metrics.update',
    payload,
  });
  t.equal(out.failures.length, 1);
  t.same(out.samples, [], 'no sample of the failing definition is published');
  t.same(out.sampleDefinitions, []);
});

t.test('lookup with per-item timestamps', async (t) => {
  const out = convert([lookupDef({ timestamp: '$.payload.metrics[*].ts' })], {
    event_type: 'magnum.bay.metrics.update',
    payload: LOOKUP_PAYLOAD,
  });
  t.same(
    out.samples.map((s) => s.timestamp),
    ['2026-01-01T00:00:01+00:00', '2026-01-01T00:00:02+00:00'],
  );
});

t.test('definitions are evaluated in the order given', async (t) => {
  const out = convert([memoryDef({ name: 'z' }), memoryDef({ name: 'a' }), memoryDef({ name: 'm' })]);
  t.same(
    out.samples.map((s) => s.name),
    ['z', 'a', 'm'],
  );
});
