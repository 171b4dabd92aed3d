import t from 'tap';
import { PyFloat } from '../../../src/model/py-float.js';
import type { SampleType } from '../../../src/model/sample.js';
import { at, create, harness, sample, T0, volumes } from './fixtures.js';

// The six delta samples of Ceilometer's grouping tests (spec §4.7).
const GROUPING: [number, string, string][] = [
  [26, 'u', 'p'],
  [16, 'u', 'p'],
  [53, 'ub', 'pb'],
  [42, 'ub', 'pb'],
  [15, 'u', 'pb'],
  [2, 'ub', 'p'],
];
const groupingSamples = () =>
  GROUPING.map(([volume, user_id, project_id], i) =>
    sample({
      name: 'storage.objects.incoming.bytes',
      type: 'delta',
      unit: 'B',
      volume,
      user_id,
      project_id,
      timestamp: at(i),
    }),
  );

function run(params: Record<string, unknown>) {
  const tr = create('aggregator', { size: 6, ...params }, harness().context);
  for (const s of groupingSamples()) tr.handle(s);
  return tr.flush();
}

t.test('grouping by unmerged user_id and project_id', async (t) => {
  t.same(
    volumes(run({})).sort((a, b) => (a ?? 0) - (b ?? 0)),
    [2, 15, 42, 95],
  );
  for (const policy of ['last', 'first']) {
    const out = run({ user_id: policy });
    t.same(
      out.map((s) => [s.project_id, s.volume]),
      [
        ['p', 44],
        ['pb', 110],
      ],
      `user_id: ${policy}`,
    );
  }
  const first = run({ user_id: 'first' });
  const last = run({ user_id: 'last' });
  t.same([first[0]?.user_id, last[0]?.user_id], ['u', 'ub'], 'first keeps, last copies');
  t.same(volumes(run({ user_id: 'last', project_id: 'last' })), [154], 'all merged');
});

t.test('gauge → mean, delta → sum, cumulative → last value', async (t) => {
  const expected: [SampleType, PyFloat | number][] = [
    ['gauge', new PyFloat(2)],
    ['delta', 6],
    ['cumulative', 3],
  ];
  for (const [type, value] of expected) {
    const tr = create('aggregator', { size: 3 }, harness().context);
    for (const [i, volume] of [1, 2, 3].entries()) tr.handle(sample({ type, volume, timestamp: at(i) }));
    const out = tr.flush();
    t.equal(out.length, 1);
    t.same(out[0]?.volume, value, `${type}`);
  }
});

t.test('flush by size counts samples across groups', async (t) => {
  const tr = create('aggregator', { size: 3 }, harness().context);
  tr.handle(sample({ resource_id: 'a', volume: 1 }));
  tr.handle(sample({ resource_id: 'b', volume: 1 }));
  t.same(tr.flush(), []);
  tr.handle(sample({ resource_id: 'a', volume: 1 }));
  t.equal(tr.flush().length, 2);
  t.same(tr.flush(), [], 'window reset');
});

t.test('flush by retention time measured from the first sample timestamp', async (t) => {
  const h = harness({ start: T0 });
  const tr = create('aggregator', { retention_time: 60 }, h.context);
  tr.handle(sample({ type: 'delta', volume: 1, timestamp: at(0) }));
  tr.handle(sample({ type: 'delta', volume: 2, timestamp: at(30) }));
  h.clock.set(T0 + 60_000);
  t.same(tr.flush(), [], 'exactly 60 s: not expired (strictly greater)');
  h.clock.set(T0 + 60_001);
  t.same(volumes(tr.flush()), [3]);
  t.same(tr.flush(), []);
});

t.test('size 0 with retention is time-based only; neither set means size 1', async (t) => {
  const h = harness({ start: T0 });
  const timed = create('aggregator', { size: '0', retention_time: 10 }, h.context);
  for (let i = 0; i < 5; i += 1) timed.handle(sample({ type: 'delta', volume: 1 }));
  t.same(timed.flush(), []);
  h.clock.advance(10_001);
  t.same(volumes(timed.flush()), [5]);
  const one = create('aggregator', {}, harness().context);
  one.handle(sample({ volume: 1 }));
  t.equal(one.flush().length, 1);
});

t.test('timestamp first|last and metadata policies', async (t) => {
  const mk = () => [
    sample({ type: 'delta', volume: 1, timestamp: at(0), resource_metadata: { v: 1 } }),
    sample({ type: 'delta', volume: 1, timestamp: at(5), resource_metadata: { v: 2 } }),
  ];
  const cases: [Record<string, unknown>, string, object][] = [
    [{}, at(0), { v: 2 }],
    [{ timestamp: 'last' }, at(5), { v: 2 }],
    [{ resource_metadata: 'first' }, at(0), { v: 1 }],
    [{ resource_metadata: 'drop' }, at(0), {}],
    [{ timestamp: 'bogus', resource_metadata: 'bogus' }, at(0), { v: 2 }],
  ];
  for (const [params, timestamp, metadata] of cases) {
    const tr = create('aggregator', { size: 2, ...params }, harness().context);
    for (const s of mk()) tr.handle(s);
    t.match(tr.flush(), [{ timestamp, resource_metadata: metadata }], JSON.stringify(params));
    t.same(tr.flush(), []);
  }
});

t.test('target conversion applies; a renamed gauge still averages (Ceilometer divided by zero)', async (t) => {
  const tr = create('aggregator', { size: 2, target: { name: 'avg', scale: 10 } }, harness().context);
  tr.handle(sample({ type: 'gauge', volume: 1 }));
  tr.handle(sample({ type: 'gauge', volume: 2 }));
  const out = tr.flush();
  t.match(out, [{ name: 'avg' }]);
  t.same(out[0]?.volume, new PyFloat(15));
  tr.handle(sample({ type: 'gauge', volume: 4 }));
  tr.handle(sample({ type: 'gauge', volume: 4 }));
  t.same(volumes(tr.flush()), [40], 'keeps working afterwards');
});

t.test('null user/project ids group together (anonymous swift)', async (t) => {
  const tr = create('aggregator', { size: 2 }, harness().context);
  tr.handle(sample({ type: 'delta', volume: 1, user_id: null, project_id: null }));
  tr.handle(sample({ type: 'delta', volume: 2, user_id: null, project_id: null }));
  t.same(volumes(tr.flush()), [3]);
});

t.test('replays do not count twice', async (t) => {
  const tr = create('aggregator', { size: 3 }, harness().context);
  const a = sample({ type: 'delta', volume: 1 });
  const b = sample({ type: 'delta', volume: 2 });
  tr.handle(a);
  tr.handle(a);
  tr.handle(b);
  t.same(tr.flush(), [], 'only two samples counted');
  const c = sample({ type: 'delta', volume: 4 });
  tr.handle(c);
  t.same(volumes(tr.flush()), [7]);
  for (const s of [a, b, c]) tr.handle(s);
  t.same(tr.flush(), [], 'released window replayed: ignored');
});

t.test('validation', async (t) => {
  t.throws(() => create('aggregator', { size: 'many' }, harness().context), /"size".*must be an integer/);
  t.throws(() => create('aggregator', { retention_time: 'soon' }, harness().context), /retention_time/);
  t.throws(() => create('aggregator', { target: { type: 'rate' } }, harness().context), /target.type/);
});
