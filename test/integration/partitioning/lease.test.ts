import { Redis } from 'ioredis';
import t from 'tap';
import { ManualClock } from '../../../src/model/clock.js';
import type { Sample } from '../../../src/model/sample.js';
import { LeaseBusyError, PartitionLease, type PartitionLeaseOptions } from '../../../src/partitioning/lease.js';
import { redlockDriver } from '../../../src/partitioning/lease-redlock.js';
import { systemTimers, type Timers } from '../../../src/partitioning/lease-renewer.js';
import { PartitionStateStore } from '../../../src/partitioning/state-store.js';
import { StaleEpochError } from '../../../src/partitioning/types.js';
import { defaultTransformerContext, type Transformer, transformerRegistry } from '../../../src/transformers/index.js';
import { privateRedis, sharedRedis, uniqueGroup } from '../../helpers/private-redis.js';

const TTL = 600;
const T0 = Date.UTC(2026, 0, 1);
const ref = { pipeline: 'cpu_pipeline', partition: 0 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Newton's cpu_util: rate_of_change of cumulative cpu. */
function rateOfChange(): Transformer {
  const spec = transformerRegistry.get('rate_of_change');
  if (!spec) throw new Error('no rate_of_change');
  const scale = '100.0 / (10**9 * (resource_metadata.cpu_number or 1))';
  return spec.create(
    { target: { name: 'cpu_util', unit: '%', scale } },
    defaultTransformerContext({ clock: new ManualClock(T0) }),
  );
}

function cpuSample(i: number, resource: string): Sample {
  return {
    name: 'cpu',
    type: 'cumulative',
    unit: 'ns',
    volume: i * 7_000_000_000 + (resource === 'r2' ? i * i * 13 : 0),
    user_id: 'u',
    project_id: 'p',
    resource_id: resource,
    timestamp: new Date(T0 + i * 10_000).toISOString(),
    resource_metadata: { cpu_number: 2 },
    source: 'openstack',
    id: `in-${i}-${resource}`,
    monotonic_time: null,
  };
}

/** Timers that can "crash": afterwards nothing fires, as in a frozen or killed process. */
function crashableTimers(): Timers & { crash(): void } {
  let crashed = false;
  const live = new Set<unknown>();
  return {
    setTimeout(fn, ms) {
      if (crashed) return undefined;
      const handle = systemTimers.setTimeout(() => {
        live.delete(handle);
        if (!crashed) fn();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      systemTimers.clearTimeout(handle);
    },
    crash() {
      crashed = true;
      for (const handle of live) systemTimers.clearTimeout(handle);
    },
  };
}

/** Acquire, retrying on LeaseBusyError every `everyMs`; resolves with the epoch and the wait. */
async function acquireSoon(
  lease: PartitionLease,
  limitMs: number,
  everyMs = 25,
): Promise<{ epoch: number; waitedMs: number }> {
  const start = Date.now();
  for (;;) {
    try {
      return { epoch: await lease.acquire(), waitedMs: Date.now() - start };
    } catch (error) {
      if (!(error instanceof LeaseBusyError) || Date.now() - start > limitMs) throw error;
      await sleep(everyMs);
    }
  }
}

const shared = await sharedRedis(t);
if (shared) {
  const { redis } = shared;
  const contenders = (overrides: Partial<PartitionLeaseOptions> = {}) => {
    const group = uniqueGroup();
    shared.forget(group);
    const lost: string[] = [];
    const make = (name: string, extra: Partial<PartitionLeaseOptions> = {}) =>
      new PartitionLease({
        group,
        ref,
        redis,
        lock: redlockDriver(redis),
        ttlMs: TTL,
        onLost: (reason) => lost.push(`${name}:${reason}`),
        ...overrides,
        ...extra,
      });
    return { group, lost, make };
  };

  t.test('one holder at a time, kept past several TTLs by renewal', async (t) => {
    const { lost, make } = contenders();
    const a = make('a');
    const b = make('b');
    t.teardown(() => Promise.all([a.release(), b.release()]));
    const epoch = await a.acquire();
    await t.rejects(b.acquire(), LeaseBusyError);
    await sleep(TTL * 4);
    t.ok(a.held, 'still held after 4 TTLs');
    await t.rejects(b.acquire(), LeaseBusyError, 'and still exclusive');
    t.same(lost, []);
    await a.release();
    t.equal(await b.acquire(), epoch + 1, 'released: the next one gets it at once, epoch + 1');
  });

  t.test('a crashed holder is taken over within the TTL; its state writes are refused', async (t) => {
    const { group, lost, make } = contenders();
    const timers = crashableTimers();
    const a = make('a', { timers });
    const b = make('b');
    t.teardown(() => b.release());
    const store = new PartitionStateStore({ redis, group });
    const epochA = await a.acquire();
    await store.write(ref, epochA, { 0: { kind: 'delta', entries: { r1: 1 } } });
    await sleep(TTL);
    const crashedAt = Date.now();
    timers.crash();
    const { epoch: epochB } = await acquireSoon(b, TTL * 3);
    const takeover = Date.now() - crashedAt;
    t.comment(`takeover after a crash: ${takeover} ms (TTL ${TTL} ms)`);
    t.ok(takeover <= TTL + 250, `taken over within the TTL (+ polling): ${takeover} ms`);
    t.ok(epochB > epochA, 'with a higher epoch');
    await t.rejects(store.write(ref, epochA, { 0: { kind: 'delta', entries: { r1: 2 } } }), StaleEpochError);
    await store.write(ref, epochB, { 0: { kind: 'delta', entries: { r1: 3 } } });
    t.same((await store.load(ref))?.states[0]?.entries, { r1: 3 });
    t.same(lost, [], 'a crashed process reports nothing');
  });

  t.test('a holder whose renewals fail reports onLost before another can acquire', async (t) => {
    const { lost, make } = contenders();
    const driver = redlockDriver(redis);
    let frozen = false;
    // Renewals that never answer, like a Redis that stopped replying to this worker only.
    const lock = {
      acquire: async (resource: string, ttlMs: number) => {
        const held = await driver.acquire(resource, ttlMs);
        return {
          extend: (ms: number) => (frozen ? new Promise<void>(() => {}) : held.extend(ms)),
          release: () => held.release(),
        };
      },
    };
    let lostAt = 0;
    const onLost = (reason: string) => {
      lostAt = Date.now();
      lost.push(`a:${reason}`);
    };
    const a = make('a', { lock, onLost });
    const b = make('b');
    t.teardown(() => b.release());
    await a.acquire();
    frozen = true;
    const deadline = a.validUntil;
    const acquired = acquireSoon(b, TTL * 3, 10).then((r) => ({ ...r, at: Date.now() }));
    const { at } = await acquired;
    t.same(lost, ['a:deadline']);
    t.ok(lostAt < deadline, 'lost before the lease could expire');
    t.ok(lostAt < at, 'and before the other worker acquired it');
  });

  t.test('hand-off: the next owner loads what was written and continues like one uninterrupted run', async (t) => {
    const { group, make } = contenders();
    const store = new PartitionStateStore({ redis, group });
    const batches = Array.from({ length: 6 }, (_, i) => [cpuSample(i, 'r1'), cpuSample(i, 'r2')]);
    const whole = rateOfChange();
    const expected = batches.map((batch) => batch.map((s) => whole.handle(s)));

    const a = make('a');
    const b = make('b');
    t.teardown(() => b.release());
    const epochA = await a.acquire();
    let current = rateOfChange();
    const got: (Sample | null)[][] = [];
    // Checkpoint before each ack: a full snapshot first, then only the changes.
    for (const [i, batch] of batches.slice(0, 3).entries()) {
      got.push(batch.map((s) => current.handle(s)));
      const state = i === 0 ? current.snapshot() : current.snapshotChanges();
      await store.write(ref, epochA, { 0: state }, { batchId: `b${i}` });
    }
    const written = current.snapshot();
    await a.release();

    const epochB = await b.acquire();
    const loaded = await store.load(ref);
    t.equal(loaded?.batchId, 'b2', 'the last applied batch is known to the next owner');
    t.ok(epochB > (loaded?.epoch ?? Infinity), "the new owner's epoch fences the old one");
    current = rateOfChange();
    for (const state of Object.values(loaded?.states ?? {})) current.restore(state);
    t.same(current.snapshot().entries, written.entries, 'exactly the state that was written');
    for (const batch of batches.slice(3)) got.push(batch.map((s) => current.handle(s)));
    // Output ids are fresh per transformer (Ceilometer: a new UUID); everything else must match.
    const canon = (outputs: unknown) => JSON.stringify(outputs, (key, value) => (key === 'id' ? undefined : value));
    t.equal(canon(got), canon(expected));
    t.equal(expected.flat().filter((s) => s !== null).length, 10, 'rates were produced');
  });
}

t.test('a Redis restart makes the holder report onLost before its TTL ends', async (t) => {
  const server = await privateRedis(t);
  const client = new Redis(server.port, '127.0.0.1');
  client.on('error', () => undefined);
  t.teardown(() => client.disconnect());
  const lost: { reason: string; at: number }[] = [];
  const lease = new PartitionLease({
    group: uniqueGroup(),
    ref,
    redis: client,
    lock: redlockDriver(client),
    ttlMs: 1000,
    onLost: (reason) => lost.push({ reason, at: Date.now() }),
  });
  await lease.acquire();
  await sleep(500);
  const validUntil = lease.validUntil;
  await server.kill();
  const killedAt = Date.now();
  await sleep(200);
  await server.start();
  while (lost.length === 0 && Date.now() < validUntil + 2000) await sleep(5);
  const first = lost[0];
  t.ok(first, 'onLost was called');
  if (first) {
    t.comment(
      `lost (${first.reason}) ${first.at - killedAt} ms after the kill, ${validUntil - first.at} ms before the TTL`,
    );
    t.ok(first.at < validUntil, 'before the lease could expire');
  }
  t.notOk(lease.held);
});
