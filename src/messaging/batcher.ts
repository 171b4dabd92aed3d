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
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private paused = false;

  constructor(
    private readonly options: BatcherOptions,
    private readonly sink: BatchSink<T>,
  ) {}

  get buffered(): number {
    return this.buffer.length;
  }

  push(item: T): void {
    this.buffer.push(item);
    this.schedule();
  }

  /** Remove buffered items (their channel died: the broker redelivers them). */
  discard(predicate: (item: T) => boolean): T[] {
    const gone = this.buffer.filter(predicate);
    if (gone.length > 0) this.buffer = this.buffer.filter((item) => !predicate(item));
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
    const rest = this.buffer;
    this.buffer = [];
    return rest;
  }

  private schedule(): void {
    if (this.paused || this.running || this.buffer.length === 0) return;
    const size = Math.max(1, this.options.batchSize);
    if (this.buffer.length >= size || this.options.batchTimeout <= 0) {
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
    if (this.paused || this.running || this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, Math.max(1, this.options.batchSize));
    this.running = this.sink(batch)
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        this.schedule();
      });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
