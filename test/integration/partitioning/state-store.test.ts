import t from 'tap';
import { partitionKeys } from '../../../src/partitioning/lease-keys.js';
import { PartitionStateStore } from '../../../src/partitioning/state-store.js';
import { StaleEpochError } from '../../../src/partitioning/types.js';
import { sharedRedis, uniqueGroup } from '../../helpers/private-redis.js';

const shared = await sharedRedis(t);
if (shared) {
  const { redis } = shared;
  const ref = { pipeline: 'cpu_pipeline', partition: 3 };
  const fresh = async () => {
    const group = uniqueGroup();
    shared.forget(group);
    await redis.set(partitionKeys(group, ref).epoch, '2');
    return { group, store: new PartitionStateStore({ redis, group }) };
  };

  t.test('applies full snapshots and deltas in Lua, keeping exact numbers', async (t) => {
    const { store } = await fresh();
    t.equal(await store.load(ref), null);
    const first = await store.write(
      ref,
      2,
      { 0: { kind: 'rate_of_change', entries: { a: { v: 0.1 + 0.2 }, b: [1] }, global: { full: true, n: 1 } } },
      { batchId: 'b1' },
    );
    t.equal(first.applied, true);
    t.equal(first.entries, 2);
    await store.write(
      ref,
      2,
      {
        0: { kind: 'rate_of_change', entries: { a: null, c: 'x' }, global: { full: false } },
        1: { kind: 'delta', entries: { z: 9007199254740991 }, global: 7 },
      },
      { batchId: 'b2' },
    );
    const loaded = await store.load(ref);
    t.same(loaded, {
      epoch: 2,
      batchId: 'b2',
      states: {
        0: { kind: 'rate_of_change', entries: { b: [1], c: 'x' }, global: { full: false, n: 1 } },
        1: { kind: 'delta', entries: { z: 9007199254740991 }, global: 7 },
      },
    });
    const size = await store.stateSize(ref);
    t.equal(size.entries, 3);
    const expected = 'b'.length + 3 + 'c'.length + 3 + 'z'.length + 16 + '.full'.length + 5 + '.n'.length + 1 + 2;
    t.equal(size.bytes, expected, 'bytes of keys and JSON values, globals included');

    const replay = await store.write(ref, 2, { 0: { kind: 'rate_of_change', entries: { q: 1 } } }, { batchId: 'b2' });
    t.equal(replay.applied, false, 'the last batch again changes nothing');
    t.same(await store.lastApplied(ref), { epoch: 2, batchId: 'b2' });

    await store.write(ref, 2, { 0: { kind: 'rate_of_change', entries: { d: 1 }, global: { full: true } } });
    const after = await store.load(ref);
    t.same(after?.states[0], { kind: 'rate_of_change', entries: { d: 1 }, global: { full: true } }, 'full replaces');
    t.equal(after?.batchId, 'b2', 'a write without a batch id keeps the last one');
  });

  t.test('refuses a writer whose epoch is behind the counter', async (t) => {
    const { group, store } = await fresh();
    await store.write(ref, 2, { 0: { kind: 'delta', entries: { a: 1 } } });
    await redis.incr(partitionKeys(group, ref).epoch);
    await t.rejects(store.write(ref, 2, { 0: { kind: 'delta', entries: { a: 2 } } }), StaleEpochError);
    t.same((await store.load(ref))?.states[0]?.entries, { a: 1 }, 'nothing of the stale write landed');
    await store.write(ref, 3, { 0: { kind: 'delta', entries: { a: 3 } } });
    t.same((await store.load(ref))?.states[0]?.entries, { a: 3 });
  });

  t.test('thousands of entries in one checkpoint', async (t) => {
    const { store } = await fresh();
    const entries = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`r-${i}`, { v: i }]));
    const result = await store.write(ref, 2, { 0: { kind: 'delta', entries } });
    t.equal(result.entries, 20_000);
    t.equal(Object.keys((await store.load(ref))?.states[0]?.entries ?? {}).length, 20_000);
  });
}
