import t from 'tap';
import { LeaseBusyError, PartitionLease, type PartitionLeaseOptions } from '../../../src/partitioning/lease.js';
import type { LeaseLostReason } from '../../../src/partitioning/lease-renewer.js';
import { FakeLeaseRedis } from './fake-lease-redis.js';
import { FakeLockDriver } from './fake-lease.js';
import { FakeTimers } from './fake-timers.js';

const ref = { pipeline: 'cpu', partition: 2 };
const RESOURCE = 'meterflow:g1:lease:cpu:2';

function setup(overrides: Partial<PartitionLeaseOptions> = {}) {
  const timers = new FakeTimers();
  const lock = new FakeLockDriver(timers.clock);
  const redis = new FakeLeaseRedis();
  const lost: { reason: LeaseLostReason; at: number }[] = [];
  const make = (extra: Partial<PartitionLeaseOptions> = {}) =>
    new PartitionLease({
      group: 'g1',
      ref,
      redis,
      lock,
      timers,
      clock: timers.clock,
      ttlMs: 5000,
      onLost: (reason) => lost.push({ reason, at: timers.clock.now() }),
      ...overrides,
      ...extra,
    });
  return { timers, lock, redis, lost, make, start: timers.clock.now() };
}

t.test('resource and epoch keys; every acquisition increments the epoch', async (t) => {
  const { make, redis, lock } = setup();
  const a = make();
  const b = make();
  t.equal(a.resource, RESOURCE);
  t.equal(await a.acquire(), 1);
  t.equal(a.epoch, 1);
  t.equal(await a.acquire(), 1, 'acquiring a held lease is a no-op');
  await t.rejects(b.acquire(), LeaseBusyError);
  t.equal(redis.strings.get('meterflow:g1:epoch:cpu:2'), '1', 'a refused acquisition does not count');
  await a.release();
  t.equal(a.epoch, undefined);
  t.equal(lock.holder(RESOURCE), undefined, 'release deletes the lock');
  t.equal(await b.acquire(), 2);
  await b.release();
  t.equal(await a.acquire(), 3);
});

t.test('renews every TTL/3 and keeps the lease for as long as renewals succeed', async (t) => {
  const { make, timers, lock, lost, start } = setup();
  const a = make();
  await a.acquire();
  await timers.advance(20_000);
  t.same(
    lock.extendCalls.slice(0, 4).map((at) => at - start),
    [1666, 3332, 4998, 6664],
  );
  t.ok(a.held);
  t.same(lost, []);
  t.equal(a.validUntil, lock.extendCalls.at(-1)! + 5000 - 52, 'valid until last renewal start + TTL - drift');
  await a.release();
  const calls = lock.extendCalls.length;
  await timers.advance(10_000);
  t.equal(lock.extendCalls.length, calls, 'no renewal after release');
  t.same(lost, [], 'release is not a loss');
});

t.test('transient failures are retried; lost at the deadline, before the TTL ends', async (t) => {
  const { make, timers, lock, lost, start } = setup();
  const a = make();
  await a.acquire();
  lock.mode = 'fail';
  await timers.advance(10_000);
  t.same(lost, [{ reason: 'deadline', at: start + 5000 - 52 - 1000 }], 'TTL - drift - safety margin');
  t.ok(lock.extendCalls.length >= 5, `retried every TTL/10 meanwhile (${lock.extendCalls.length} attempts)`);
  t.notOk(a.held);
  t.equal(lock.holder(RESOURCE), undefined, 'best-effort release after the loss');
});

t.test('a failure followed by a success keeps the lease', async (t) => {
  const { make, timers, lock, lost } = setup();
  const a = make();
  await a.acquire();
  lock.mode = 'fail';
  await timers.advance(2000);
  lock.mode = 'ok';
  await timers.advance(20_000);
  t.same(lost, []);
  t.ok(a.held);
});

t.test('a hung renewal cannot postpone the deadline', async (t) => {
  const { make, timers, lock, lost, start } = setup({ ttlMs: 3000 });
  const a = make();
  await a.acquire();
  lock.mode = 'hang';
  await timers.advance(10_000);
  t.equal(lock.extendCalls.length, 1, 'one extension at a time');
  t.same(lost, [{ reason: 'deadline', at: start + 3000 - 32 - 600 }]);
});

t.test('a refused renewal is lost at once', async (t) => {
  const { make, timers, lock, lost, start } = setup();
  const a = make();
  await a.acquire();
  lock.mode = 'refuse';
  await timers.advance(2000);
  t.same(lost, [{ reason: 'refused', at: start + 1666 }]);
  lock.mode = 'ok';
  t.equal(await a.acquire(), 2, 'can be acquired again afterwards, with a new epoch');
  await a.release();
});

t.test('epoch failure gives the lock back; Redis errors surface as they are', async (t) => {
  const { make, redis, lock } = setup();
  const a = make();
  redis.down = true;
  await t.rejects(a.acquire(), /connection is closed/);
  t.equal(lock.holder(RESOURCE), undefined);
  t.notOk(a.held);
  t.equal(a.validUntil, 0);
  const broken = make({ lock: { acquire: () => Promise.reject(new Error('ECONNREFUSED')) } });
  await t.rejects(broken.acquire(), /ECONNREFUSED/);
});

t.test('release tolerates a failing Redis and only warns', async (t) => {
  const { make, timers } = setup();
  const warnings: string[] = [];
  const logger = {
    debug() {},
    info() {},
    error() {},
    warn: (_: object, msg?: string) => warnings.push(msg ?? ''),
    child() {
      return logger;
    },
  };
  const a = make({
    logger,
    lock: {
      acquire: async () => ({ extend: async () => {}, release: () => Promise.reject(new Error('down')) }),
    },
  });
  await a.acquire();
  await a.release();
  t.same(warnings, ['lease release failed; it will expire']);
  await timers.advance(10_000);
  await a.release();
});

t.test('renewal must come before the deadline', async (t) => {
  t.throws(() => setup({ ttlMs: 1000, renewEveryMs: 900 }).make(), RangeError);
});

t.test('the TTL must be whole milliseconds (redlock and SET PX refuse others)', async (t) => {
  t.throws(() => setup({ ttlMs: 2.01 * 1000 }).make(), /positive integer, got 2009.9999999999998/);
  t.throws(() => setup({ ttlMs: 0 }).make(), RangeError);
});

t.test('a release that failed (Redis down) is completed before the next acquisition', async (t) => {
  const { make, lock } = setup();
  const a = make();
  t.equal(await a.acquire(), 1);
  lock.releaseFails = true;
  await a.release();
  t.notOk(a.held);
  t.ok(lock.holder(RESOURCE), 'the lock is still in Redis, ours');
  await t.rejects(a.acquire(), /connection lost/, 'Redis still down: no acquisition');
  lock.releaseFails = false;
  t.equal(await a.acquire(), 2, 'taken back at once instead of after the TTL');
  await a.release();
  t.equal(lock.holder(RESOURCE), undefined);
});
