import type { Clock } from '../model/clock.js';

/** A lock this process holds; what PartitionLease needs from redlock, so tests can fake it. */
export interface HeldLock {
  /** Make the lock last `ttlMs` from now; rejects with LockRefusedError when it is no longer ours. */
  extend(ttlMs: number): Promise<void>;
  /** Give the lock up; resolves when it is gone (or was already). */
  release(): Promise<void>;
}

/** Takes locks; the production one is `redlockDriver` (lease-redlock.ts). */
export interface LockDriver {
  /** Take `resource` for `ttlMs`; rejects with LockRefusedError when another holder has it. */
  acquire(resource: string, ttlMs: number): Promise<HeldLock>;
}

/** Redis answered "not yours": another holder has the lock, or it expired. Not worth retrying. */
export class LockRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LockRefusedError';
  }
}

/** Timer functions, injected so unit tests can move time by hand. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers, unref'd: a lease must never be the only thing keeping a process alive. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** `refused`: Redis said the lock is not ours; `deadline`: no renewal succeeded in time. */
export type LeaseLostReason = 'refused' | 'deadline';

export interface LeaseRenewerOptions {
  lock: HeldLock;
  ttlMs: number;
  renewEveryMs: number;
  retryDelayMs: number;
  /** How long before the lease could expire in Redis the holder gives up on it. */
  safetyMarginMs: number;
  clock: Clock;
  timers: Timers;
  onLost(reason: LeaseLostReason, error?: unknown): void;
}

/**
 * Keeps one held lock alive, and nothing else (BullMQ's LockManager idea). Validity is tracked
 * locally and conservatively: a renewal that *started* at t makes the lock valid until
 * `t + ttl - drift` (the same drift redlock assumes), and the holder declares the lease lost at
 * `validUntil - safetyMargin`, so whoever consumes under it stops before anyone else can get it.
 * A hung Redis command cannot delay that: the deadline is a timer of its own.
 */
export class LeaseRenewer {
  private until: number;
  private renewTimer: unknown;
  private deadlineTimer: unknown;
  private inFlight = false;
  private active = true;

  /** `acquiredAt`: when the acquisition that took the lock was started. */
  constructor(
    private readonly options: LeaseRenewerOptions,
    acquiredAt: number,
  ) {
    this.until = this.validFrom(acquiredAt);
    this.armDeadline();
    // Counted from the acquisition's start, like the validity: a slow acquisition has used up
    // part of the period already, and waiting a whole one could let the deadline come first.
    this.scheduleRenewal(Math.max(0, acquiredAt + options.renewEveryMs - options.clock.now()));
  }

  /** Local time until which the lock is surely ours (0 once stopped or lost). */
  get validUntil(): number {
    return this.active ? this.until : 0;
  }

  /** Stop renewing (release or loss); a renewal in flight is ignored when it lands. */
  stop(): void {
    this.active = false;
    this.options.timers.clearTimeout(this.renewTimer);
    this.options.timers.clearTimeout(this.deadlineTimer);
  }

  private validFrom(start: number): number {
    const drift = Math.round(this.options.ttlMs * 0.01) + 2;
    return start + this.options.ttlMs - drift;
  }

  private armDeadline(): void {
    const { timers, clock, safetyMarginMs } = this.options;
    timers.clearTimeout(this.deadlineTimer);
    const delay = Math.max(0, this.until - safetyMarginMs - clock.now());
    this.deadlineTimer = timers.setTimeout(() => this.lose('deadline'), delay);
  }

  private scheduleRenewal(delay: number): void {
    this.options.timers.clearTimeout(this.renewTimer);
    this.renewTimer = this.options.timers.setTimeout(() => void this.renew(), delay);
  }

  private async renew(): Promise<void> {
    // One extension at a time: a hung one is settled by the deadline, not by piling up more.
    if (!this.active || this.inFlight) return;
    this.inFlight = true;
    const start = this.options.clock.now();
    try {
      await this.options.lock.extend(this.options.ttlMs);
      if (!this.active) return;
      this.until = this.validFrom(start);
      this.armDeadline();
      this.scheduleRenewal(this.options.renewEveryMs);
    } catch (error) {
      if (!this.active) return;
      if (error instanceof LockRefusedError) {
        this.lose('refused', error);
        return;
      }
      // Transient (connection lost, timeout): retry while the deadline has not passed.
      this.scheduleRenewal(this.options.retryDelayMs);
    } finally {
      this.inFlight = false;
    }
  }

  private lose(reason: LeaseLostReason, error?: unknown): void {
    if (!this.active) return;
    this.stop();
    this.options.onLost(reason, error);
  }
}
