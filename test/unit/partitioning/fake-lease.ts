import type { ManualClock } from '../../../src/model/clock.js';
import { type HeldLock, type LockDriver, LockRefusedError } from '../../../src/partitioning/lease-renewer.js';

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
