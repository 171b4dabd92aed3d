import t from 'tap';
import { assign } from '../../../src/partitioning/assignment.js';
import { assignPipelines, planFor } from '../../../src/partitioning/coordinator-plan.js';
import { metric, world } from './coordinator-fakes.js';

/** Every `<b>+key` of a partition comes after the `<a>-key:reason` that gave it up. */
function releasedBeforeAcquired(log: readonly string[], from: string, to: string, reason: string): string[] {
  const wrong: string[] = [];
  log.forEach((line, i) => {
    const m = new RegExp(`^${to}\\+(.+)@`).exec(line);
    if (m && !log.slice(0, i).includes(`${from}-${m[1]}:${reason}`)) wrong.push(line);
  });
  return wrong;
}

t.test('a lone worker acquires every partition once the debounce ran out', async (t) => {
  const w = world();
  const a = await w.start('a');
  await w.timers.advance(29);
  t.same(w.consumers.log, [], 'nothing before the debounce');
  await w.timers.advance(1);
  t.equal(a.c.owned.length, 8);
  t.ok(
    w.consumers.log.every((l) => /^a\+(cpu|disk)\/\d@1$/.test(l)),
    'onAcquire with the epoch of the lease',
  );
  t.same(w.consumers.violations, []);
  t.equal(await metric(a.registry, 'meterflow_partitions_owned', { pipeline: 'cpu' }), 4);
  t.equal(await metric(a.registry, 'meterflow_partitions_owned', { pipeline: 'disk' }), 4);
  t.equal(await metric(a.registry, 'meterflow_partition_members'), 1);
  t.equal(await metric(a.registry, 'meterflow_rebalances_total'), 1);
});

t.test('three workers split each pipeline evenly and the plan is per pipeline', async (t) => {
  const w = world(6);
  const all = [await w.start('a'), await w.start('b'), await w.start('c')];
  await w.timers.advance(100);
  for (const { c } of all) {
    for (const p of w.pipelines) t.equal(c.owned.filter((r) => r.pipeline === p).length, 2, `${p}: 2 of 6`);
  }
  t.equal(w.consumers.active.size, 12, 'every partition consumed');
  t.same(w.consumers.violations, []);
  const plan = planFor('a', ['a', 'b', 'c'], w.pipelines, 6);
  t.same(
    all[0]?.c.owned,
    [...plan.values()].sort((x, y) => `${x.pipeline}${x.partition}`.localeCompare(`${y.pipeline}${y.partition}`)),
  );
});

t.test('a join: the old owner hands off before the new one acquires', async (t) => {
  const w = world();
  const a = await w.start('a');
  await w.timers.advance(50);
  const joinedAt = w.timers.clock.now();
  const b = await w.start('b');
  await w.timers.advance(1000);
  t.equal(a.c.owned.length, 4);
  t.equal(b.c.owned.length, 4);
  t.same(w.consumers.violations, [], 'never two consumers, never without the lease');
  t.same(releasedBeforeAcquired(w.consumers.log, 'a', 'b', 'moved'), []);
  const done = Math.max(...w.consumers.times) - joinedAt;
  t.ok(done <= 100, `all partitions consumed again ${done} ms after the join`);
  t.ok((await metric(a.registry, 'meterflow_handoff_seconds_count', { side: 'release' })) === 4);
});

t.test('a graceful leave: the leaver stops, releases, and the rest take over', async (t) => {
  const w = world();
  const a = await w.start('a');
  const b = await w.start('b');
  await w.timers.advance(1000);
  const mine = b.c.owned.length;
  t.equal(mine, 4);
  await b.c.stop();
  t.ok(b.membership.left, 'left the group');
  t.same(b.c.owned, []);
  t.notOk([...w.locks.holders.values()].includes('b'), 'every lease of b released');
  await w.timers.advance(100);
  t.equal(a.c.owned.length, 8);
  t.same(releasedBeforeAcquired(w.consumers.log.slice(8), 'b', 'a', 'stopping'), []);
  t.same(w.consumers.violations, []);
  await b.c.stop();
  t.pass('a second stop() is a no-op');
});

t.test('a silent death: busy leases are retried until they expire, then taken over', async (t) => {
  const w = world();
  const a = await w.start('a');
  const b = await w.start('b');
  await w.timers.advance(1000);
  const bKeys = [...w.locks.holders].filter(([, h]) => h === 'b').map(([k]) => k);
  b.membership.dead = true; // SIGKILL: b hears nothing, releases nothing
  w.group.emit(['a']); // b's member key expired
  await w.timers.advance(3000);
  t.equal(a.c.owned.length, 4, 'still waiting for the leases');
  for (const key of bKeys) t.ok((w.locks.attempts.get(key) ?? 0) > 5, `${key} retried`);
  const before = w.locks.attempts.get(bKeys[0] ?? '') ?? 0;
  await w.timers.advance(1000);
  const perSecond = (w.locks.attempts.get(bKeys[0] ?? '') ?? 0) - before;
  t.ok(perSecond <= 10, `backoff caps the retries (${perSecond}/s)`);
  for (const key of bKeys) w.locks.holders.delete(key); // b's leases ran out
  const expired = w.timers.clock.now();
  await w.timers.advance(300);
  t.equal(a.c.owned.length, 8);
  const took = Math.max(...w.consumers.times) - expired;
  t.ok(took <= 100, `taken over ${took} ms after the leases expired`);
  t.same(
    w.consumers.violations.filter((v) => !v.includes('while b consumes')),
    [],
  );
});

t.test('a burst of snapshots makes one rebalance, at most 100 ms after it began', async (t) => {
  const w = world();
  const a = await w.start('a');
  await w.timers.advance(50);
  const first = w.timers.clock.now();
  for (const m of ['b', 'c', 'd', 'e']) {
    w.group.emit([...w.group.members, m]);
    await w.timers.advance(10);
  }
  await w.timers.advance(100);
  t.equal(await metric(a.registry, 'meterflow_rebalances_total'), 2, 'initial + one for the burst');
  const released = w.consumers.times[w.consumers.log.findIndex((l) => l.includes(':moved'))] ?? Infinity;
  t.ok(released - first <= 100, `rebalanced ${released - first} ms after the first snapshot`);
  // A steady stream of changes cannot starve the rebalance: the debounce is capped.
  const streamStart = w.timers.clock.now();
  for (let i = 0; i < 10; i += 1) {
    w.group.emit(i % 2 ? ['a', 'b'] : ['a', 'c']);
    await w.timers.advance(20);
  }
  const during = w.consumers.times.filter((at) => at > streamStart && at <= streamStart + 100);
  t.ok(during.length > 0, 'a rebalance within 100 ms of a stream of changes');
  t.same(w.consumers.violations, []);
});

t.test('a newer snapshot supersedes a queued one and a pending acquisition', async (t) => {
  const w = world();
  const a = await w.start('a');
  await w.timers.advance(50);
  let open = () => {};
  w.consumers.gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  w.group.emit(['a', 'x']);
  await w.timers.advance(50); // rebalance 2 is stuck in the hand-offs
  w.group.emit(['a', 'x', 'y']);
  await w.timers.advance(50);
  w.group.emit(['a', 'y']);
  await w.timers.advance(50);
  w.consumers.gate = undefined;
  open();
  await w.timers.advance(50);
  t.equal(await metric(a.registry, 'meterflow_rebalances_total'), 3, 'the queued [a,x,y] never ran');
  const plan = planFor('a', ['a', 'y'], w.pipelines, w.partitions);
  t.same(new Set(a.c.owned.map((r) => `${r.pipeline}/${r.partition}`)), new Set(plan.keys()));
  // An acquisition that waits for a busy lease gives up once the partition is no longer ours.
  const [key] = [...planFor('z', ['a', 'z'], w.pipelines, w.partitions).keys()].filter((k) => !plan.has(k));
  t.ok(key, 'a partition z gets that a does not hold now');
  w.locks.holders.set(key ?? '', 'z');
  w.group.emit(['a']);
  await w.timers.advance(200);
  t.ok((w.locks.attempts.get(key ?? '') ?? 0) > 1, 'retrying the busy lease');
  w.group.emit(['a', 'z']);
  await w.timers.advance(100);
  const attempts = w.locks.attempts.get(key ?? '');
  await w.timers.advance(2000);
  t.equal(w.locks.attempts.get(key ?? ''), attempts, 'no more attempts once it is z’s');
  t.same(w.consumers.violations, []);
});

t.test('a change during a rebalance stuck on a slow consumer start: what moves away goes at once', async (t) => {
  const w = world();
  const a = await w.start('a');
  await w.timers.advance(50);
  const kept = [...planFor('a', ['a', 'b'], w.pipelines, w.partitions).keys()];
  const stuck = kept[0] ?? '';
  let open = () => {};
  w.consumers.slowStart.set(
    'a',
    new Promise<void>((resolve) => {
      open = resolve;
    }),
  );
  w.locks.lose('a', stuck); // a's next rebalance re-acquires it and waits on its consumer
  await w.timers.advance(50);
  t.ok(w.consumers.log.includes(`a-${stuck}:lost`));
  const b = await w.start('b');
  await w.timers.advance(1000);
  t.same(
    new Set(b.c.owned.map((r) => `${r.pipeline}/${r.partition}`)),
    new Set(planFor('b', ['a', 'b'], w.pipelines, w.partitions).keys()),
    'b consumes its share while a still waits for its consumer to start',
  );
  t.same(releasedBeforeAcquired(w.consumers.log, 'a', 'b', 'moved'), []);
  w.consumers.slowStart.delete('a');
  open();
  await w.timers.advance(100);
  t.same(new Set(a.c.owned.map((r) => `${r.pipeline}/${r.partition}`)), new Set(kept));
  t.equal(w.consumers.active.size, 8, 'every partition consumed');
  t.same(w.consumers.violations, []);
});

t.test('per-pipeline plans: each pipeline balanced, the extra partitions spread over members', async (t) => {
  const pipelines = ['cpu', 'disk', 'net', 'mem'];
  let salted = 0;
  let unsalted = 0;
  for (let P = 5; P <= 40; P += 1) {
    for (let M = 2; M <= 7; M += 1) {
      const members = Array.from({ length: M }, (_, i) => `worker-${i}`);
      const plans = assignPipelines(members, pipelines, P);
      const totals = new Map<string, number>();
      for (const owners of plans.values()) {
        const counts = members.map((m) => owners.filter((o) => o === m).length);
        if (Math.max(...counts) - Math.min(...counts) > 1) t.fail(`P=${P} M=${M} unbalanced`);
        for (const [i, m] of members.entries()) totals.set(m, (totals.get(m) ?? 0) + (counts[i] ?? 0));
      }
      salted += Math.max(...totals.values()) - Math.min(...totals.values());
      const plain = members.map((m) => assign(members, P).filter((o) => o === m).length * pipelines.length);
      unsalted += Math.max(...plain) - Math.min(...plain);
    }
  }
  t.comment(`spread of total partitions per member over 216 cases: salted ${salted}, unsalted ${unsalted}`);
  t.ok(salted < unsalted * 0.7, 'salting spreads the ⌈P/M⌉ extras across members');
  t.same(assignPipelines([], ['cpu'], 2).get('cpu'), [undefined, undefined], 'no members, no owners');
});
