/**
 * The partitioning layer's contracts (DESIGN.md "Contracts": membership and ownership, state).
 * Logic talks to Redis only through `RedisLike`, the few commands meterflow calls, so tests can
 * use an in-memory fake and production uses ioredis.
 */

/** The Redis commands the partitioning layer uses (a subset of ioredis' API). */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<number>;
  pexpire(key: string, ms: number): Promise<number>;
  sadd(key: string, ...members: string[]): Promise<number>;
  srem(key: string, ...members: string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  mget(...keys: string[]): Promise<(string | null)[]>;
  incr(key: string): Promise<number>;
  hset(key: string, ...args: string[]): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
  /** Lua, with KEYS then ARGV. */
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** A member of the group as every member sees it. */
export interface Member {
  id: string;
  /** Host and pid, for operators; not used for decisions. */
  info: string;
}

/** What a member reports to whoever watches the group. */
export type MembershipEvent =
  | { kind: 'joined'; member: string }
  | { kind: 'left'; member: string; reason: 'leave' | 'expired' }
  | { kind: 'members'; members: readonly string[] };

/** Partition p of pipeline `pipeline` (queue `<prefix>-pipe-<pipeline>-<p>`). */
export interface PartitionRef {
  pipeline: string;
  partition: number;
}

/** A state write refused because a newer owner (higher epoch) exists. */
export class StaleEpochError extends Error {
  constructor(
    readonly partition: PartitionRef,
    readonly epoch: number,
    readonly current: number,
  ) {
    super(`stale epoch ${epoch} for ${partition.pipeline}/${partition.partition} (current ${current})`);
    this.name = 'StaleEpochError';
  }
}

/** Stored state that cannot be read back (not JSON): it cannot be restored, only replaced. */
export class CorruptStateError extends Error {
  constructor(
    readonly partition: PartitionRef,
    what: string,
    options?: { cause?: unknown },
  ) {
    super(`corrupt state of ${partition.pipeline}/${partition.partition} (${what})`, options);
    this.name = 'CorruptStateError';
  }
}

/**
 * The state write script failed on the checkpoint it was given (a Lua or cjson error): Redis is
 * up and will refuse the same write again, so retrying it forever would block the partition.
 */
export class StateRefusedError extends Error {
  constructor(
    readonly partition: PartitionRef,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`state write of ${partition.pipeline}/${partition.partition} refused: ${message}`, options);
    this.name = 'StateRefusedError';
  }
}
