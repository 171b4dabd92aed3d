import { ManualClock } from '../../../src/model/clock.js';
import {
  type HeldLock,
  type LockDriver,
  LockRefusedError,
  type Timers,
} from '../../../src/partitioning/lease-renewer.js';

/** Let pending promise callbacks run (several hops: async functions chain a few). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

/** Timers driven by a ManualClock: `advance` fires what falls due, in order. */
export class ManualTimers implements Timers {
  readonly clock: ManualClock;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  private next = 0;

  constructor(start = 1_000_000) {
    this.clock = new ManualClock(start);
  }

  setTimeout(fn: () => void, ms: number): unknown {
    this.next += 1;
    this.pending.set(this.next, { at: this.clock.now() + Math.max(0, ms), fn });
    return this.next;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      await settle();
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.clock.set(Math.max(this.clock.now(), due[1].at));
      due[1].fn();
    }
    this.clock.set(end);
    await settle();
  }
}

/** How the next extensions behave. */
export type ExtendMode = 'ok' | 'fail' | 'refuse' | 'hang';

/**
 * An in-memory lock service on the manual clock, with the semantics redlock gives us: a lock is
 * taken unless an unexpired holder exists; extending a lock that expired or changed hands is
 * refused.
 */
export class FakeLockDriver implements LockDriver {
  readonly holders = new Map<string, { value: number; expiresAt: number }>();
  readonly extendCalls: number[] = [];
  mode: ExtendMode = 'ok';
  /** Releases fail as with Redis unreachable. */
  releaseFails = false;
  private values = 0;

  constructor(private readonly clock: ManualClock) {}

  holder(resource: string): number | undefined {
    const held = this.holders.get(resource);
    return held && held.expiresAt > this.clock.now() ? held.value : undefined;
  }

  async acquire(resource: string, ttlMs: number): Promise<HeldLock> {
    if (this.holder(resource) !== undefined) throw new LockRefusedError(`${resource} is locked`);
    this.values += 1;
    const value = this.values;
    this.holders.set(resource, { value, expiresAt: this.clock.now() + ttlMs });
    return {
      extend: async (ms) => {
        this.extendCalls.push(this.clock.now());
        if (this.mode === 'hang') return new Promise<void>(() => {});
        if (this.mode === 'fail') throw new Error('connection lost');
        if (this.mode === 'refuse' || this.holder(resource) !== value) throw new LockRefusedError('not ours');
        this.holders.set(resource, { value, expiresAt: this.clock.now() + ms });
      },
      release: async () => {
        if (this.releaseFails) throw new Error('connection lost');
        if (this.holders.get(resource)?.value === value) this.holders.delete(resource);
      },
    };
  }
}
