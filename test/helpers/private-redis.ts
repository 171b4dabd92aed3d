import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The shared test Redis (`REDIS_URL`, default loopback). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Tap {
  teardown(fn: () => unknown): void;
  plan(n: number, comment?: string): void;
}

/** A name unique to this run, for key prefixes (coordination groups). */
export function uniqueGroup(prefix = 'mf-test'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * A client of the shared Redis, closed in teardown with every `meterflow:<group>:*` key of the
 * groups passed to `forget`. Null (and the file skips) when Redis is unreachable — except under
 * CI, where a missing Redis is a failure, not a reason to go green.
 */
export async function sharedRedis(t: Tap): Promise<{ redis: Redis; forget(group: string): void } | null> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    if (process.env.CI) throw new Error(`Redis unreachable at ${REDIS_URL.replace(/\/\/[^@]*@/, '//***@')} (CI set)`);
    t.plan(0, `skip: Redis unreachable (${String(err)})`);
    return null;
  }
  const groups = new Set<string>();
  t.teardown(async () => {
    for (const group of groups) {
      const keys = await redis.keys(`meterflow:${group}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
    redis.disconnect();
  });
  return { redis, forget: (group) => void groups.add(group) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A throw-away redis-server on a spare port, without persistence, so a test may restart it. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** SIGKILL: no goodbye to clients, every key is lost (no persistence). */
  kill(): Promise<void>;
}

export async function privateRedis(t: Tap): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const kill = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    // Ready when it answers PING; a fresh port can take a moment to bind.
    for (let attempt = 0; ; attempt += 1) {
      const probe = new Redis(port, '127.0.0.1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        await probe.connect();
        await probe.ping();
        probe.disconnect();
        return;
      } catch (err) {
        probe.disconnect();
        if (attempt > 100) throw new Error(`private redis-server on ${port} did not start: ${String(err)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  t.teardown(kill);
  await start();
  return { port, url: `redis://127.0.0.1:${port}`, start, kill };
}
