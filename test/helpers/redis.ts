import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { MemoryLogger } from '../../src/observability/logger.js';
import { GroupMembership } from '../../src/partitioning/membership.js';
import { type GroupMembershipOptions, systemTimers, type Timers } from '../../src/partitioning/membership-types.js';
import { connectRedis, createRedis, type CreateRedisOptions } from '../../src/partitioning/redis.js';
import type { MembershipEvent } from '../../src/partitioning/types.js';
import { freePort } from './ports.js';

/** The shared test Redis (`REDIS_URL`, default loopback). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The part of a tap test these helpers use. */
export interface Tap {
  teardown(fn: () => unknown): void;
  plan(n: number, comment?: string): void;
}

/** A name unique to this run (groups, ACL users). */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A connected client (fast test timeouts), quit in teardown. */
export async function redisClient(t: Tap, url = REDIS_URL, options: CreateRedisOptions = {}): Promise<Redis> {
  const redis = createRedis(url, { maxRetryDelayMs: 100, ...options });
  t.teardown(() => redis.disconnect());
  await connectRedis(redis);
  return redis;
}

/**
 * Whether the shared Redis answers. Without it the file skips — except under CI, where a missing
 * Redis is a failure, not a reason to go green.
 */
export async function requireRedis(t: Tap): Promise<boolean> {
  const redis = createRedis(REDIS_URL, { maxRetryDelayMs: 100 });
  try {
    await connectRedis(redis);
    return true;
  } catch (err) {
    if (process.env.CI) throw new Error(`Redis unreachable (CI set): ${String(err)}`);
    t.plan(0, `skip: Redis unreachable (${String(err)})`);
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Delete every key of a group in teardown. */
export function dropGroupInTeardown(t: Tap, redis: Redis, group: string): void {
  t.teardown(async () => {
    const keys = await redis.keys(`meterflow:${group}:*`);
    if (keys.length > 0) await redis.del(...keys);
  });
}

/** Resolve with the first value `check` returns truthy, or reject after `timeoutMs` (polls every 5 ms). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A throw-away redis-server on a spare port, so a test may restart it without touching the shared one. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL: without `persistDir` it comes back empty. */
  kill(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A redis-server on a spare port. `persistDir`: append-only file fsynced on every write there, so
 * a kill and start keeps every key (a production Redis persists; see docs/partitioning.md).
 * `tls`: TLS only (`rediss://` URL), client certificates optional.
 */
export async function startPrivateRedis(
  options: { persistDir?: string; tls?: { certFile: string; keyFile: string; caFile: string } } = {},
): Promise<PrivateRedis> {
  const port = await freePort();
  const bin = process.env.REDIS_SERVER ?? 'redis-server';
  let child: ChildProcess | undefined;
  const persistence = options.persistDir
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.persistDir]
    : ['--appendonly', 'no'];
  const { tls } = options;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile]
    : ['--port', String(port)];
  const clientAuth = tls ? ['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'optional'] : [];
  const args = [...listen, ...clientAuth, '--bind', '127.0.0.1', '--save', '', ...persistence, '--daemonize', 'no'];
  const self: PrivateRedis = {
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    async start() {
      const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let output = '';
      const ready = new Promise<void>((resolve, reject) => {
        proc.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/Ready to accept connections/.test(output)) resolve();
        });
        proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
        proc.once('error', reject);
      });
      await ready;
    },
    async kill() {
      const proc = child;
      child = undefined;
      if (!proc || proc.exitCode !== null) return;
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    },
    dispose: () => self.kill(),
  };
  await self.start();
  return self;
}

/** Timers that can be frozen, as if the process had been SIGKILLed: nothing pending ever runs. */
export class FreezableTimers implements Timers {
  private frozen = false;
  private readonly pending = new Set<unknown>();

  setTimeout(fn: () => void, ms: number): unknown {
    if (this.frozen) return undefined;
    const handle = systemTimers.setTimeout(() => {
      this.pending.delete(handle);
      if (!this.frozen) fn();
    }, ms);
    this.pending.add(handle);
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle);
    systemTimers.clearTimeout(handle);
  }
  freeze(): void {
    this.frozen = true;
    for (const h of this.pending) systemTimers.clearTimeout(h);
    this.pending.clear();
  }
}

/** A member as a separate process would have it: its own command and subscriber connections. */
export interface TestMember {
  m: GroupMembership;
  redis: Redis;
  subscriber: Redis;
  timers: FreezableTimers;
  events: { at: number; event: MembershipEvent }[];
  logger: MemoryLogger;
}

export async function startMember(
  t: Tap,
  url: string,
  options: Partial<GroupMembershipOptions> & { group: string; memberId: string },
): Promise<TestMember> {
  const redis = await redisClient(t, url, { connectionName: options.memberId });
  const subscriber = await redisClient(t, url, { connectionName: `${options.memberId}-sub` });
  const timers = new FreezableTimers();
  const logger = new MemoryLogger();
  const m = new GroupMembership({ redis, subscriber, connection: redis, timers, logger, ...options });
  t.teardown(() => m.close());
  const events: TestMember['events'] = [];
  m.watch((event) => events.push({ at: Date.now(), event }));
  return { m, redis, subscriber, timers, events, logger };
}

/** The time of the first event of `member` matching, waiting up to `timeoutMs` (no fixed sleeps). */
export async function eventAt(
  member: TestMember,
  match: (e: MembershipEvent) => boolean,
  since: number,
  timeoutMs = 10_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = member.events.find((e) => e.at >= since && match(e.event));
    if (hit) return hit.at;
    if (Date.now() > deadline) {
      throw new Error(`no matching event within ${timeoutMs} ms: ${JSON.stringify(member.events.map((e) => e.event))}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
