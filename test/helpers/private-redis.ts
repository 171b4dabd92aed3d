import type { Redis } from 'ioredis';
import {
  dropGroupInTeardown,
  type PrivateRedis,
  redisClient,
  requireRedis,
  startPrivateRedis,
  unique,
} from './redis.js';

/** The shapes the lease and state-store tests use, over the helpers of `redis.ts`. */
export { REDIS_URL } from './redis.js';
export type { PrivateRedis } from './redis.js';

interface Tap {
  teardown(fn: () => unknown): void;
  plan(n: number, comment?: string): void;
}

/** A name unique to this run, for key prefixes (coordination groups). */
export function uniqueGroup(prefix = 'mf-test'): string {
  return unique(prefix);
}

/**
 * A client of the shared Redis, closed in teardown, deleting every `meterflow:<group>:*` key of
 * the groups passed to `forget`. Null (the file skips) when Redis is unreachable, except under CI.
 */
export async function sharedRedis(t: Tap): Promise<{ redis: Redis; forget(group: string): void } | null> {
  if (!(await requireRedis(t))) return null;
  const redis = await redisClient(t);
  return { redis, forget: (group) => dropGroupInTeardown(t, redis, group) };
}

/** A private redis-server on a spare port, killed in teardown. */
export async function privateRedis(
  t: Tap,
  options: Parameters<typeof startPrivateRedis>[0] = {},
): Promise<PrivateRedis> {
  const server = await startPrivateRedis(options);
  t.teardown(() => server.dispose());
  return server;
}
