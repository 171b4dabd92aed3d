/** Delivered, not yet acked or nacked. */
export const OUTSTANDING = 0;
/** Being acked by the current `settle` call. */
const ACKING = 1;
/** Acked or nacked: no longer unacked on the broker. */
export const DONE = 2;

/** A delivery as the window sees it: its place in the channel's order and its state. */
export interface Tracked {
  state: number;
}

/** How to ack a set of deliveries: one `multiple=true` ack up to `upTo`, then single acks. */
export interface AckPlan<T> {
  /** The highest delivery of the run acked by one ack (`multiple` when `covered` > 1). */
  upTo: T | undefined;
  /** How many of this call's deliveries the `upTo` ack covers. */
  covered: number;
  /** Deliveries that need their own ack (a lower delivery of the channel is still unacked). */
  singles: T[];
}

/**
 * The unacked deliveries of one channel, in delivery-tag order (tags grow with each delivery on
 * a channel). `basic.ack(tag, multiple=true)` acks every unacked delivery up to `tag`, so it is
 * only safe when all of them are being acked now: the window acks the run starting at the lowest
 * unacked delivery with one frame, and the rest of the set one by one.
 */
export class AckWindow<T extends Tracked> {
  private items: T[] = [];
  private head = 0;
  private limit: number;

  /** `compactAt`: above this many entries, drop the settled ones behind a stuck lowest one. */
  constructor(private readonly compactAt = 4096) {
    this.limit = compactAt;
  }

  /** Entries still held (unacked ones and settled ones behind an unacked one). */
  get size(): number {
    return this.items.length - this.head;
  }

  /** A new delivery of the channel (after every earlier one). */
  track(item: T): void {
    item.state = OUTSTANDING;
    this.items.push(item);
    if (this.items.length - this.head > this.limit) this.compact();
  }

  /** Acked or nacked on its own: no longer unacked on the broker. */
  done(item: T): void {
    item.state = DONE;
  }

  /**
   * Plan the acks of `batch` (deliveries of this window) and mark them settled. A delivery named
   * twice or already settled is acked again on its own, exactly as one `basic.ack` per named
   * delivery would: the broker closes the channel (PRECONDITION_FAILED) and the session rebuilds
   * it, which the multiple ack must neither hide nor turn into a wider ack.
   */
  settle(batch: readonly T[]): AckPlan<T> {
    let marked = 0;
    let again: T[] | undefined;
    for (const item of batch) {
      if (item.state === OUTSTANDING) {
        item.state = ACKING;
        marked += 1;
      } else {
        again ??= [];
        again.push(item);
      }
    }
    const plan: AckPlan<T> = { upTo: undefined, covered: 0, singles: [] };
    if (marked === 0) {
      if (again) plan.singles = again;
      return plan;
    }
    const items = this.items;
    let h = this.head;
    while (h < items.length) {
      const item = items[h] as T;
      if (item.state === OUTSTANDING) break;
      if (item.state === ACKING) {
        item.state = DONE;
        plan.upTo = item;
        plan.covered += 1;
      }
      h += 1;
    }
    this.head = h;
    if (plan.covered < marked) {
      for (const item of batch) {
        if (item.state === ACKING) {
          item.state = DONE;
          plan.singles.push(item);
        }
      }
    }
    if (again) for (const item of again) plan.singles.push(item);
    if (h === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (h > 1024 && h * 2 > items.length) {
      this.items = items.slice(h);
      this.head = 0;
    }
    return plan;
  }

  /** Forget every entry (the channel is gone; its deliveries will be redelivered). */
  reset(): void {
    this.items = [];
    this.head = 0;
    this.limit = this.compactAt;
  }

  private compact(): void {
    const kept: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as T;
      if (item.state !== DONE) kept.push(item);
    }
    this.items = kept;
    this.head = 0;
    this.limit = Math.max(this.compactAt, kept.length * 2);
  }
}
