import { ManualClock } from '../../../src/model/clock.js';
import type { Timers } from '../../../src/partitioning/lease-renewer.js';

/** Let queued promise callbacks and setImmediate deliveries run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** Timers on a ManualClock: `advance` runs what falls due, in order, letting promises settle between. */
export class FakeTimers implements Timers {
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  private ids = 0;

  constructor(readonly clock: ManualClock = new ManualClock(1_000_000)) {}

  setTimeout(fn: () => void, ms: number): number {
    this.ids += 1;
    this.pending.set(this.ids, { at: this.clock.now() + Math.max(0, ms), fn });
    return this.ids;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get size(): number {
    return this.pending.size;
  }

  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    for (;;) {
      await settle();
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.clock.set(Math.max(this.clock.now(), due[1].at));
      due[1].fn();
    }
    this.clock.set(target);
    await settle();
  }
}
