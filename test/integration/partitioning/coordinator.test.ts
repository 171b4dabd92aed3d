import { Registry } from 'prom-client';
import t from 'tap';
import { PartitionCoordinator } from '../../../src/partitioning/coordinator.js';
import { planFor, refKey } from '../../../src/partitioning/coordinator-plan.js';
import type { PartitionConsumer } from '../../../src/partitioning/coordinator-types.js';
import { PartitionLease } from '../../../src/partitioning/lease.js';
import { redlockDriver } from '../../../src/partitioning/lease-redlock.js';
import {
  dropGroupInTeardown,
  REDIS_URL,
  redisClient,
  requireRedis,
  startMember,
  type Tap,
  type TestMember,
  startPrivateRedis,
  unique,
  waitFor,
} from '../../helpers/redis.js';

const P = 12;
const PIPELINES = ['cpu', 'net'];
const MEMBER_TTL = 1500;
const LEASE_TTL = 2000;

/**
 * The consuming side of every worker in this process, checked on every callback: a partition has
 * at most one consumer at every moment, and each acquisition carries a higher epoch than the last.
 */
class Tracker {
  readonly active = new Map<string, string>();
  readonly violations: string[] = [];
  readonly releases: { id: string; reason: string; at: number }[] = [];
  private readonly epochs = new Map<string, number>();
  private readonly killed = new Set<string>();

  consumer(id: string): PartitionConsumer {
    return {
      onAcquire: async (ref, epoch) => {
        const key = refKey(ref);
        if (this.killed.has(id)) return;
        const other = this.active.get(key);
        if (other !== undefined) this.violations.push(`${id} acquired ${key} while ${other} consumes it`);
        if (epoch <= (this.epochs.get(key) ?? 0)) this.violations.push(`${id} got stale epoch ${epoch} for ${key}`);
        this.epochs.set(key, epoch);
        this.active.set(key, id);
      },
      onRelease: async (ref, reason) => {
        const key = refKey(ref);
        if (this.killed.has(id)) return;
        this.releases.push({ id, reason, at: Date.now() });
        if (this.active.get(key) !== id) this.violations.push(`${id} released ${key} it did not consume`);
        this.active.delete(key);
      },
    };
  }

  /** Redis restarted empty: its epoch counters start again (and so does all state). */
  forgetEpochs(): void {
    this.epochs.clear();
  }

  /** A SIGKILLed process consumes nothing any more, and calls nothing back. */
  kill(id: string): void {
    this.killed.add(id);
    for (const [key, owner] of [...this.active]) if (owner === id) this.active.delete(key);
  }

  /** Every partition consumed, by the member the assignment over `alive` names. */
  settled(alive: string[]): boolean {
    if (this.active.size !== P * PIPELINES.length) return false;
    return alive.every((id) => [...planFor(id, alive, PIPELINES, P).keys()].every((k) => this.active.get(k) === id));
  }
}

interface Worker {
  id: string;
  c: PartitionCoordinator;
  member: TestMember;
}

/** A worker as its own process would have it: own connections, own timers (freezable), own leases. */
async function worker(t: Tap, group: string, id: string, tracker: Tracker, url = REDIS_URL): Promise<Worker> {
  const member = await startMember(t, url, { group, memberId: id, ttlMs: MEMBER_TTL });
  const lock = redlockDriver(member.redis);
  const c = new PartitionCoordinator({
    membership: member.m,
    pipelines: PIPELINES,
    partitions: P,
    leases: (ref, onLost) =>
      new PartitionLease({ group, ref, redis: member.redis, lock, ttlMs: LEASE_TTL, onLost, timers: member.timers }),
    consumer: tracker.consumer(id),
    registry: new Registry(),
    timers: member.timers,
  });
  t.teardown(() => c.stop());
  await c.start();
  return { id, c, member };
}

/** Milliseconds from `since` until every partition is consumed by its assigned member. */
async function settledAfter(tracker: Tracker, alive: string[], since: number, timeoutMs: number): Promise<number> {
  await waitFor(`ownership by ${alive.join(',')}`, () => tracker.settled(alive), timeoutMs);
  return Date.now() - since;
}

if (await requireRedis(t)) {
  const admin = await redisClient(t);

  t.test('three coordinators share 2 × 12 partitions through joins, leaves and a silent death', async (t) => {
    const group = unique('mf-coord');
    dropGroupInTeardown(t, admin, group);
    const tracker = new Tracker();

    let since = Date.now();
    const [a, b] = [await worker(t, group, 'a', tracker), await worker(t, group, 'b', tracker)];
    await worker(t, group, 'c', tracker);
    const started = await settledAfter(tracker, ['a', 'b', 'c'], since, 5000);
    t.comment(`start: all 24 partitions consumed after ${started} ms`);
    for (const w of [a, b]) t.equal(w?.c.owned.length, 8, `${w?.id} owns 8 of 24`);

    since = Date.now();
    const d = await worker(t, group, 'd', tracker);
    const join = await settledAfter(tracker, ['a', 'b', 'c', 'd'], since, 5000);
    t.comment(`join: rebalanced (all consumed again) after ${join} ms`);
    t.ok(join < 5000);
    t.equal(d.c.owned.length, 6);

    since = Date.now();
    await a?.c.stop();
    const leave = await settledAfter(tracker, ['b', 'c', 'd'], since, 5000);
    t.comment(`graceful stop: rebalanced after ${leave} ms`);
    t.ok(leave < 5000);
    const leaseKeys = await admin.keys(`meterflow:${group}:lease:*`);
    t.equal(leaseKeys.length, 24, 'one lease per partition, none left by the leaver');

    // SIGKILL: no more heartbeats, renewals or releases from b (timers frozen, sockets gone, so
    // nothing b would still do reaches Redis); the others must wait for its TTLs.
    since = Date.now();
    tracker.kill('b');
    b?.member.timers.freeze();
    b?.member.subscriber.disconnect();
    b?.member.redis.disconnect();
    const death = await settledAfter(tracker, ['c', 'd'], since, LEASE_TTL + MEMBER_TTL + 3000);
    t.comment(`silent death: taken over after ${death} ms (member TTL ${MEMBER_TTL}, lease TTL ${LEASE_TTL})`);
    t.ok(death < LEASE_TTL + 1000, 'within the lease TTL plus a margin');

    t.same(tracker.violations, [], 'at most one consumer per partition at every moment, epochs increasing');
  });
}

// A redis-server of our own: restarting the shared one would disturb every other test.
t.test('Redis restarted empty: every partition stops before its lease could expire, then all resume', async (t) => {
  const server = await startPrivateRedis();
  t.teardown(() => server.dispose());
  const group = unique('mf-coord-restart');
  const tracker = new Tracker();
  await worker(t, group, 'a', tracker, server.url);
  await worker(t, group, 'b', tracker, server.url);
  await settledAfter(tracker, ['a', 'b'], Date.now(), 5000);

  const killedAt = Date.now();
  await server.kill();
  await waitFor('every partition stopped', () => tracker.active.size === 0, LEASE_TTL);
  const stopped = Math.max(...tracker.releases.filter((r) => r.at >= killedAt).map((r) => r.at)) - killedAt;
  t.comment(`Redis killed: all 24 partitions stopped after ${stopped} ms`);
  t.ok(stopped < LEASE_TTL / 2, 'long before a lease could expire elsewhere');
  t.ok(
    tracker.releases.filter((r) => r.at >= killedAt).every((r) => r.reason === 'redis-down' || r.reason === 'lost'),
    'as redis-down (or lost)',
  );

  tracker.forgetEpochs();
  const restartedAt = Date.now();
  await server.start();
  const resumed = await settledAfter(tracker, ['a', 'b'], restartedAt, 10_000);
  t.comment(`Redis restarted: all partitions consumed again after ${resumed} ms`);
  t.ok(resumed < 5000);
  t.same(tracker.violations, [], 'at most one consumer per partition throughout');
});
