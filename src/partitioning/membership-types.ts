/**
 * The options of `GroupMembership` and the narrow interfaces it needs from its surroundings: a
 * pub/sub connection, connection events and timers. Each is a strict subset of what ioredis and
 * Node provide, so production passes those and unit tests pass fakes.
 */
import type { Clock } from '../model/clock.js';
import type { Logger } from '../observability/logger.js';
import type { RedisLike } from './types.js';

/** A second Redis connection in subscriber mode (ioredis' `Redis` fits). */
export interface MembershipSubscriber {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  removeListener(event: 'message', listener: (channel: string, message: string) => void): unknown;
}

/**
 * Connection events of the command connection (ioredis emits `close` when the socket goes and
 * `ready` when it is usable again). They let the group declare Redis down before a heartbeat fails.
 */
export interface ConnectionEvents {
  on(event: 'ready' | 'close', listener: () => void): unknown;
  removeListener(event: 'ready' | 'close', listener: () => void): unknown;
}

/** One-shot timers; the heartbeat and the check re-arm themselves so a slow Redis never overlaps beats. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * The commands membership calls: every write is a Lua script.
 */
export type MembershipRedis = Pick<RedisLike, 'smembers' | 'mget' | 'eval'>;

export interface GroupMembershipOptions {
  /** The command connection (an ioredis client, or any RedisLike). */
  redis: MembershipRedis;
  /** A separate connection for pub/sub; without it joins and leaves are seen at the next check. */
  subscriber?: MembershipSubscriber;
  /** Usually the same ioredis object as `redis`; without it only failed commands reveal an outage. */
  connection?: ConnectionEvents;
  /** Group name; keys are `meterflow:<group>:...`. Default `meterflow`. */
  group?: string;
  /** This member's id. Default a random UUID. */
  memberId?: string;
  /** Stored as the member key's value, for operators. Default `<hostname>:<pid>`. */
  info?: string;
  /** How long a member survives without a heartbeat. Default 3000 ms. */
  ttlMs?: number;
  /** Heartbeat period. Default ttlMs / 3, so two beats may be lost before the key expires. */
  heartbeatMs?: number;
  /** How often watchers re-read the members to notice silent deaths. Default ttlMs / 3. */
  checkIntervalMs?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
}

/** Whether this process can currently reach Redis. */
export type ConnectionStatusEvent = { kind: 'redis-down'; error: string } | { kind: 'redis-up' };

/** Run listeners without letting one that throws break the others or the caller. */
export function notify<E>(listeners: Iterable<(event: E) => void>, event: E, logger?: Logger): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (err) {
      logger?.error({ err: String(err), event }, 'membership listener threw');
    }
  }
}
