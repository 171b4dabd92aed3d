/** What a batcher hands a batch to; the next batch waits until this settles. */
export type BatchSink<T> = (batch: T[]) => Promise<void>;

export interface BatcherOptions {
  batchSize: number;
  /** Seconds to wait for a partial batch, counted from its first message (≤ 0: no waiting). */
  batchTimeout: number;
}

/**
 * oslo's batch polling without the polling: a batch closes when it holds `batchSize` items or
 * `batchTimeout` seconds after its first item became available, and batches are handed to the
 * sink strictly one at a time. Items that arrive while a batch is being handled start the next
 * batch's clock only when that batch is over, as oslo's next poll would.
 */
export class Batcher<T> {
  /** Buffered items are `buffer[head..]`: handing out a batch does not shift the rest. */
  private buffer: T[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private paused = false;

  constructor(
    private readonly options: BatcherOptions,
    private readonly sink: BatchSink<T>,
  ) {}

  get buffered(): number {
    return this.buffer.length - this.head;
  }

  push(item: T): void {
    this.buffer.push(item);
    this.schedule();
  }

  /** Remove buffered items (their channel died: the broker redelivers them). */
  discard(predicate: (item: T) => boolean): T[] {
    const items = this.take();
    const gone = items.filter(predicate);
    this.buffer = gone.length > 0 ? items.filter((item) => !predicate(item)) : items;
    if (this.buffer.length === 0) this.clearTimer();
    return gone;
  }

  /** Hand out no more batches (the one in flight goes on). */
  pause(): void {
    this.paused = true;
    this.clearTimer();
  }

  /** Hand out no more batches; wait for the one in flight; return what is still buffered. */
  async stop(): Promise<T[]> {
    this.paused = true;
    this.clearTimer();
    await this.running;
    return this.take();
  }

  private schedule(): void {
    const buffered = this.buffer.length - this.head;
    if (this.paused || this.running || buffered === 0) return;
    const size = Math.max(1, this.options.batchSize);
    if (buffered >= size || this.options.batchTimeout <= 0) {
      this.flush();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.options.batchTimeout * 1000);
    }
  }

  private flush(): void {
    this.clearTimer();
    if (this.paused || this.running || this.buffer.length === this.head) return;
    const size = Math.max(1, this.options.batchSize);
    let batch: T[];
    if (this.buffer.length - this.head <= size) {
      batch = this.take();
    } else {
      batch = this.buffer.slice(this.head, this.head + size);
      this.head += size;
      // Drop the handed-out front now and then, not at every batch.
      if (this.head > 1024 && this.head * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.head);
        this.head = 0;
      }
    }
    this.running = this.sink(batch)
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
  }

  /** Everything buffered, as a fresh array (the whole buffer when nothing was handed out of it). */
  private take(): T[] {
    const items = this.head === 0 ? this.buffer : this.buffer.slice(this.head);
    this.buffer = [];
    this.head = 0;
    return items;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
