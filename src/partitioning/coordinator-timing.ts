/**
 * The coordinator's two timing devices, kept apart from its decisions: a capped trailing debounce
 * (a burst of membership snapshots makes one rebalance) and backoff sleeps that a newer decision
 * can cut short (an acquisition waiting for a busy lease must give up as soon as the assignment
 * changes, not at the end of its backoff).
 */
import type { Clock } from '../model/clock.js';
import type { Timers } from './lease-renewer.js';

export class CappedDebounce {
  private pending: { timer: unknown; firstAt: number } | undefined;

  constructor(
    private readonly timers: Timers,
    private readonly clock: Clock,
    /** Quiet time after the last call. */
    private readonly quietMs: number,
    /** Longest delay after the first call of a burst, so a steady stream cannot starve `fire`. */
    private readonly maxMs: number,
    private readonly fire: () => void,
  ) {}

  call(): void {
    const now = this.clock.now();
    const firstAt = this.pending?.firstAt ?? now;
    this.timers.clearTimeout(this.pending?.timer);
    const delay = Math.max(0, Math.min(this.quietMs, firstAt + this.maxMs - now));
    const timer = this.timers.setTimeout(() => {
      this.pending = undefined;
      this.fire();
    }, delay);
    this.pending = { timer, firstAt };
  }

  cancel(): void {
    this.timers.clearTimeout(this.pending?.timer);
    this.pending = undefined;
  }
}

export class InterruptibleSleeps {
  private readonly wakers = new Set<() => void>();

  constructor(private readonly timers: Timers) {}

  /** Resolves after `ms`, or earlier at the next wakeAll(). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.timers.clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = this.timers.setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }
}
