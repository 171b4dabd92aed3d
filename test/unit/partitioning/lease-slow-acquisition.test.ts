/**
 * The lease's validity is counted from when the acquisition started, and so is the first
 * renewal: an acquisition (lock plus epoch INCR) that took long has used up part of the renewal
 * period, and waiting a whole period after it returned could let the deadline come before any
 * renewal was tried although Redis answers every command.
 */
import t from 'tap';
import { PartitionLease } from '../../../src/partitioning/lease.js';
import type { HeldLock, LeaseLostReason, LockDriver } from '../../../src/partitioning/lease-renewer.js';
import { FakeLeaseRedis } from './fake-lease-redis.js';
import { FakeLockDriver } from './fake-lease.js';
import { FakeTimers } from './fake-timers.js';

/** A lease (TTL 5 s, renewals every 1666 ms) whose lock acquisition answers after `acquireMs`. */
function slowLease(acquireMs: number) {
  const timers = new FakeTimers();
  const inner = new FakeLockDriver(timers.clock);
  const slow: LockDriver = {
    async acquire(resource: string, ttlMs: number): Promise<HeldLock> {
      const lock = await inner.acquire(resource, ttlMs);
      timers.clock.set(timers.clock.now() + acquireMs);
      return lock;
    },
  };
  const start = timers.clock.now();
  const lost: LeaseLostReason[] = [];
  const lease = new PartitionLease({
    group: 'g-slow-acquisition',
    ref: { pipeline: 'cpu', partition: 0 },
    redis: new FakeLeaseRedis(),
    lock: slow,
    timers,
    clock: timers.clock,
    ttlMs: 5000,
    onLost: (reason) => lost.push(reason),
  });
  const extendsAt = () => inner.extendCalls.map((at) => at - start);
  return { timers, lease, lost, extendsAt };
}

t.test('an acquisition slower than the renewal period renews at once and keeps the lease', async (t) => {
  // 2.5 s: after the first renewal was due, before the deadline (start + 5000 - 52 - 1000).
  const { timers, lease, lost, extendsAt } = slowLease(2500);
  await lease.acquire();
  await timers.advance(10_000);
  t.same(lost, [], 'every extension succeeds, so the lease is never lost');
  t.same(extendsAt().slice(0, 3), [2500, 4166, 5832], 'first renewal as soon as the acquisition returned');
  t.ok(lease.held);
  await lease.release();
});

t.test('a slow acquisition within the renewal period keeps the renewal schedule', async (t) => {
  const { timers, lease, lost, extendsAt } = slowLease(1000);
  await lease.acquire();
  await timers.advance(5000);
  t.same(lost, []);
  t.same(extendsAt().slice(0, 2), [1666, 3332], 'renewals every TTL/3 counted from the acquisition start');
  await lease.release();
});
