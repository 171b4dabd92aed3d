import t from 'tap';
import { at, create, harness, sample, T0 } from './fixtures.js';

const TTL = 60_000;

for (const name of ['rate_of_change', 'delta']) {
  t.test(`${name}: idle entries are evicted and counted`, async (t) => {
    const h = harness({ idleTtlMs: TTL });
    const tr = create(name, {}, h.context);
    tr.handle(sample({ resource_id: 'idle', volume: 1, timestamp: at(0) }));
    tr.handle(sample({ resource_id: 'busy', volume: 1, timestamp: at(0) }));
    h.clock.set(T0 + TTL);
    t.ok(tr.handle(sample({ resource_id: 'busy', volume: 2, timestamp: at(60) })), 'exactly the TTL: still there');
    h.clock.set(T0 + TTL + 1);
    t.equal(tr.handle(sample({ resource_id: 'idle', volume: 2, timestamp: at(61) })), null, 'evicted: no predecessor');
    t.same(Object.keys(tr.snapshot().entries).length, 2);
    h.clock.set(T0 + 3 * TTL);
    tr.handle(sample({ resource_id: 'other', volume: 1, timestamp: at(200) }));
    t.same(Object.keys(tr.snapshot().entries).length, 1, 'sweep removed both idle entries');
    t.equal(
      h.evicted.reduce((a, b) => a + b, 0),
      3,
    );
    t.ok(h.logger.records.some((r) => r.msg === 'evicted idle transformer cache entries'));
  });
}

t.test('arithmetic: incomplete resources are evicted (Ceilometer kept them forever)', async (t) => {
  const h = harness({ idleTtlMs: TTL });
  const tr = create('arithmetic', { target: { expr: '$(a) + $(b)' } }, h.context);
  tr.handle(sample({ name: 'a', volume: 1 }));
  h.clock.advance(TTL + 1);
  tr.handle(sample({ name: 'b', volume: 1 }));
  t.same(tr.flush(), [], 'a was evicted before b arrived');
  t.same(h.evicted, [1]);
});

t.test('evicted entries appear as removed in snapshotChanges', async (t) => {
  const h = harness({ idleTtlMs: TTL });
  const tr = create('delta', {}, h.context);
  tr.handle(sample({ resource_id: 'x', volume: 1 }));
  const key = Object.keys(tr.snapshotChanges().entries)[0] as string;
  h.clock.advance(TTL + 1);
  tr.handle(sample({ resource_id: 'y', volume: 1 }));
  t.equal(tr.snapshotChanges().entries[key], null);
});

t.test('accumulator and aggregator windows are never idle-evicted', async (t) => {
  const h = harness({ idleTtlMs: TTL });
  const acc = create('accumulator', { size: 2 }, h.context);
  const agg = create('aggregator', { size: 2 }, h.context);
  const first = sample({ type: 'delta', volume: 1 });
  acc.handle(first);
  agg.handle(first);
  h.clock.advance(10 * TTL);
  const second = sample({ type: 'delta', volume: 2 });
  acc.handle(second);
  agg.handle(second);
  t.equal(acc.flush().length, 2);
  t.equal(agg.flush()[0]?.volume, 3);
  t.same(h.evicted, []);
});
