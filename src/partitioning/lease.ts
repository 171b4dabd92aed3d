import { type Clock, systemClock } from '../model/clock.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { partitionKeys } from './lease-keys.js';
import {
  type HeldLock,
  type LeaseLostReason,
  LeaseRenewer,
  type LockDriver,
  LockRefusedError,
  systemTimers,
  type Timers,
} from './lease-renewer.js';
import type { PartitionRef, RedisLike } from './types.js';

/** Default lease TTL (ms). */
export const DEFAULT_LEASE_TTL_MS = 3500;

export interface PartitionLeaseOptions {
  /** Coordination group (`meterflow:<group>:...` keys). */
  group: string;
  ref: PartitionRef;
  /** For the epoch counter (INCR). */
  redis: Pick<RedisLike, 'incr'>;
  /** Production: `redlockDriver(client)`. */
  lock: LockDriver;
  /** Lease TTL in Redis. Default {@link DEFAULT_LEASE_TTL_MS}. */
  ttlMs?: number;
  /** Renewal period. Default `ttlMs / 3`. */
  renewEveryMs?: number;
  /** Delay before retrying a renewal that failed without a refusal. Default `ttlMs / 10`. */
  retryDelayMs?: number;
  /**
   * The lease is declared lost this long before it could expire in Redis, leaving the caller
   * time to stop consuming. Default `ttlMs / 5`.
   */
  safetyMarginMs?: number;
  /** Called once per acquisition when the lease is lost (never after `release()`). */
  onLost?: (reason: LeaseLostReason, error?: unknown) => void;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
}

/** The lease is held by another worker. */
export class LeaseBusyError extends Error {
  constructor(
    readonly partition: PartitionRef,
    options?: { cause?: unknown },
  ) {
    super(`lease of ${partition.pipeline}/${partition.partition} is held elsewhere`, options);
    this.name = 'LeaseBusyError';
  }
}

interface Holding {
  lock: HeldLock;
  renewer: LeaseRenewer;
  epoch: number;
}

/**
 * The right to consume one partition (DESIGN.md "Membership and ownership"): a redlock lock,
 * renewed while held, plus the partition's epoch, incremented on every acquisition so state
 * writes of a previous holder can be refused. The caller must stop consuming when `onLost` fires.
 */
export class PartitionLease {
  readonly resource: string;
  private readonly epochKey: string;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private holding: Holding | null = null;
  /**
   * A lock of ours whose release failed (Redis was unreachable): deleted before the next
   * acquisition, so a worker that gets the partition back after an outage does not wait for
   * its own old lock to expire.
   */
  private unreleased: HeldLock | null = null;

  constructor(private readonly options: PartitionLeaseOptions) {
    const keys = partitionKeys(options.group, options.ref);
    this.resource = keys.lease;
    this.epochKey = keys.epoch;
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    // Redlock and `SET … PX` refuse anything else, at every attempt: say so once, here.
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < 1) {
      throw new RangeError(`lease ttlMs must be a positive integer, got ${this.ttlMs}`);
    }
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ lease: this.resource });
    const margin = this.safetyMarginMs;
    if (this.renewEveryMs >= this.ttlMs - margin) {
      throw new RangeError(`lease renewal (${this.renewEveryMs} ms) must come before the deadline (ttl - margin)`);
    }
  }

  private get renewEveryMs(): number {
    return this.options.renewEveryMs ?? Math.floor(this.ttlMs / 3);
  }

  private get safetyMarginMs(): number {
    return this.options.safetyMarginMs ?? Math.floor(this.ttlMs / 5);
  }

  get held(): boolean {
    return this.holding !== null;
  }

  /** Epoch of the current holding; undefined when not held. */
  get epoch(): number | undefined {
    return this.holding?.epoch;
  }

  /** Local time until which the lease is surely ours; 0 when not held. */
  get validUntil(): number {
    return this.holding?.renewer.validUntil ?? 0;
  }

  /**
   * Take the lease and increment the epoch; resolves with the new epoch. Rejects with
   * LeaseBusyError when another worker holds it, or with the Redis error.
   */
  async acquire(): Promise<number> {
    if (this.holding) return this.holding.epoch;
    const stale = this.unreleased;
    if (stale) {
      // Deletes the key only if it still holds our value; refused means it is gone already.
      await stale.release();
      this.unreleased = null;
    }
    const start = this.clock.now();
    let lock: HeldLock;
    try {
      lock = await this.options.lock.acquire(this.resource, this.ttlMs);
    } catch (error) {
      throw error instanceof LockRefusedError ? new LeaseBusyError(this.options.ref, { cause: error }) : error;
    }
    let epoch: number;
    try {
      epoch = await this.options.redis.incr(this.epochKey);
    } catch (error) {
      // Without an epoch the lease cannot fence anything: give it back at once.
      await lock.release().catch(() => undefined);
      throw error;
    }
    const renewer = new LeaseRenewer(
      {
        lock,
        ttlMs: this.ttlMs,
        renewEveryMs: this.renewEveryMs,
        retryDelayMs: this.options.retryDelayMs ?? Math.floor(this.ttlMs / 10),
        safetyMarginMs: this.safetyMarginMs,
        clock: this.clock,
        timers: this.options.timers ?? systemTimers,
        onLost: (reason, error) => this.lost(reason, error),
      },
      start,
    );
    this.holding = { lock, renewer, epoch };
    return epoch;
  }

  /** Stop renewing and delete the lock so the next owner need not wait for the TTL. */
  async release(): Promise<void> {
    const holding = this.holding;
    if (!holding) return;
    this.holding = null;
    holding.renewer.stop();
    try {
      await holding.lock.release();
    } catch (error) {
      // It expires on its own within the TTL; if we want it back sooner, acquire() deletes it.
      this.unreleased = holding.lock;
      this.logger.warn({ err: error }, 'lease release failed; it will expire');
    }
  }

  private lost(reason: LeaseLostReason, error: unknown): void {
    const holding = this.holding;
    if (!holding) return;
    this.holding = null;
    this.logger.warn({ reason, epoch: holding.epoch, err: error }, 'partition lease lost');
    // The caller stops consuming first; then, if the lock is still ours in Redis (a slow Redis,
    // not a new owner), freeing it lets the next owner start sooner.
    this.options.onLost?.(reason, error);
    holding.lock.release().catch(() => {
      this.unreleased = holding.lock;
    });
  }
}
