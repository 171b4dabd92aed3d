import t from 'tap';
import { metric, world } from './coordinator-fakes.js';
import { settle as flush } from './fake-timers.js';

/** A world with `a` alone, owning every partition (epoch 1). */
async function owningAll(extra: Parameters<ReturnType<typeof world>['start']>[1] = {}) {
  const w = world();
  const a = await w.start('a', extra);
  await w.timers.advance(50);
  return { w, a };
}

t.test('a lost lease stops the partition at once and is taken back while still ours', async (t) => {
  const { w, a } = await owningAll();
  w.locks.lose('a', 'cpu/2');
  t.equal(a.c.owned.length, 7, 'no longer owned, synchronously');
  await flush(); // no timer runs: nothing waits for a debounce or a backoff
  t.same(w.consumers.log.slice(-2), ['a-cpu/2:lost', 'a+cpu/2@2'], 'stopped, then re-acquired with a new epoch');
  // Taken by someone else meanwhile: retried until it is free.
  w.locks.lose('a', 'disk/1', 'intruder');
  await w.timers.advance(500);
  t.notOk(w.consumers.active.has('disk/1'));
  w.locks.holders.delete('disk/1');
  await w.timers.advance(300);
  t.equal(w.consumers.active.get('disk/1'), 'a');
  t.same(w.consumers.violations, []);
});

t.test('Redis down: every partition stops at once; Redis up: rebalance from the latest list', async (t) => {
  const { w, a } = await owningAll();
  w.locks.holders.set('cpu/0', 'z');
  w.locks.lose('a', 'cpu/0', 'z'); // one acquisition is retrying when Redis goes
  a.membership.status({ kind: 'redis-down', error: 'connection closed' });
  a.membership.status({ kind: 'redis-down', error: 'again' });
  t.same(a.c.owned, [], 'nothing owned, synchronously');
  await flush(); // no timer runs
  const stopped = w.consumers.log.filter((l) => l.endsWith(':redis-down'));
  t.equal(stopped.length, 7, 'onRelease(redis-down) for every consumed partition, before any timer');
  t.notOk([...w.locks.holders.values()].includes('a'), 'leases given up');
  const attempts = w.locks.attempts.get('cpu/0');
  w.group.emit(['a', 'b']);
  await w.timers.advance(2000);
  t.equal(w.locks.attempts.get('cpu/0'), attempts, 'nothing acquired while Redis is down');
  t.equal(w.consumers.active.size, 0);
  const rebalances = await metric(a.registry, 'meterflow_rebalances_total');
  a.membership.status({ kind: 'redis-up' });
  a.membership.status({ kind: 'redis-up' });
  w.group.emit(['a']); // the watch's re-read after the outage
  w.locks.holders.delete('cpu/0');
  await w.timers.advance(100);
  t.equal(a.c.owned.length, 8, 'everything back, from the list read after the outage');
  t.equal(await metric(a.registry, 'meterflow_rebalances_total'), rebalances + 1, 'one rebalance for the recovery');
  t.ok(
    w.consumers.log.slice(-8).every((l) => /@[23]$/.test(l)),
    'new epochs',
  );
  t.same(w.consumers.violations, []);
});

t.test('Redis up with an unchanged list rebalances from the list before the outage', async (t) => {
  const { w, a } = await owningAll();
  a.membership.status({ kind: 'redis-down', error: 'x' });
  await flush();
  t.same(a.c.owned, []);
  a.membership.status({ kind: 'redis-up' });
  await w.timers.advance(100);
  t.equal(a.c.owned.length, 8);
});

t.test('a failing onAcquire gives the lease back and retries; a failing onRelease still releases', async (t) => {
  const w = world();
  w.consumers.failAcquire.add('cpu/3');
  const a = await w.start('a');
  await w.timers.advance(200);
  t.equal(a.c.owned.length, 7);
  t.notOk(w.locks.holders.has('cpu/3'), 'no lease without a consumer');
  t.ok((w.locks.attempts.get('cpu/3') ?? 0) > 2, 'retried');
  w.consumers.failAcquire.clear();
  await w.timers.advance(300);
  t.equal(a.c.owned.length, 8);
  w.consumers.failRelease = true;
  await a.c.stop();
  t.equal(w.locks.holders.size, 0, 'released although onRelease failed');
  t.same(w.consumers.violations, []);
});

t.test('stop() during acquisitions and hand-offs leaves nothing held', async (t) => {
  const w = world();
  w.locks.holders.set('disk/0', 'z');
  const a = await w.start('a');
  await w.timers.advance(100);
  let open = () => {};
  w.consumers.gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  w.group.emit(['a', 'b']);
  await w.timers.advance(50); // hand-offs to b are waiting for the flush
  const stopping = a.c.stop();
  w.group.emit(['a']);
  open();
  await stopping;
  await w.timers.advance(1000);
  t.notOk([...w.locks.holders.values()].includes('a'), 'no lease left');
  t.same(a.c.owned, []);
  t.ok(a.membership.left);
  const reasons = new Set(w.consumers.log.filter((l) => l.startsWith('a-')).map((l) => l.split(':')[1]));
  t.same([...reasons].sort(), ['moved', 'stopping']);
  t.equal(w.consumers.active.size, 0);
  t.same(w.consumers.violations, []);
});

t.test('metrics: members, owned, state bytes on scrape', async (t) => {
  let bytes = 123;
  const { w, a } = await owningAll({ stateBytes: () => bytes });
  t.equal(await metric(a.registry, 'meterflow_state_bytes'), 123);
  bytes = 456;
  t.equal(await metric(a.registry, 'meterflow_state_bytes'), 456);
  w.group.emit(['a', 'b', 'c']);
  await w.timers.advance(100);
  t.equal(await metric(a.registry, 'meterflow_partition_members'), 3);
  const owned = a.c.owned.filter((r) => r.pipeline === 'cpu').length;
  t.equal(await metric(a.registry, 'meterflow_partitions_owned', { pipeline: 'cpu' }), owned);
  t.ok(owned < 4);
});

t.test('a lease that arrives after Redis went down or the partition moved is given back', async (t) => {
  const w = world();
  let open = () => {};
  w.locks.gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const a = await w.start('a', { registry: undefined });
  await w.timers.advance(50); // every acquisition is waiting for Redis
  a.membership.status({ kind: 'redis-down', error: 'x' });
  open();
  await flush();
  t.equal(w.locks.holders.size, 0, 'taken, then released at once');
  t.same(w.consumers.log, [], 'never consumed');
  a.membership.status({ kind: 'redis-up' });
  await w.timers.advance(100);
  t.equal(a.c.owned.length, 8, 'works without a metrics registry');
  w.locks.gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  w.locks.lose('a', 'cpu/0'); // re-acquisition starts and waits
  await flush();
  w.group.emit(['z']); // a is not a member any more (its key vanished)
  await w.timers.advance(50);
  open();
  await w.timers.advance(50);
  t.same(a.c.owned, [], 'everything moved away');
  t.equal(w.locks.holders.size, 0);
  w.group.emit([]);
  await w.timers.advance(50);
  t.same(a.c.owned, [], 'an empty group owns nothing');
  t.same(w.consumers.violations, []);
});
