/**
 * Stage 2 of the partitioned agent (DESIGN.md "State"): the PartitionConsumer the coordinator
 * drives. Each owned partition gets fresh transformers restored from its last checkpoint and an
 * exclusive consumer on its queue; every batch is verified, run through the sink as one publish
 * context, published, checkpointed under the partition's epoch, and only then acked. A batch that
 * could not be published or checkpointed is requeued in place after the in-memory state was put
 * back to the last checkpoint, so a retry computes exactly what the first attempt would have.
 */
import { BadInputError } from '../../errors.js';
import type { BatchListener, BatchOutcome, Delivery } from '../../messaging/types.js';
import type { Sample } from '../../model/index.js';
import type { Logger } from '../../observability/logger.js';
import type { PartitionConsumer, PartitionRef, ReleaseReason } from '../../partitioning/index.js';
import {
  CorruptStateError,
  partitionQueue,
  refKey,
  StaleEpochError,
  StateRefusedError,
} from '../../partitioning/index.js';
import type { PartitionStateStore } from '../../partitioning/index.js';
import type { PipelineManager, SampleSink } from '../../pipeline/index.js';
import type { TransformerState } from '../../transformers/index.js';
import { decodeSamples } from './codec.js';
import type { PartitionedMetrics } from './metrics.js';

export interface StageTwoOptions {
  manager: Pick<PipelineManager, 'freshSink'>;
  store: Pick<PartitionStateStore, 'load' | 'write' | 'stateSize'>;
  /** A listener consuming `queue` alone, exclusively, handing batches one at a time. */
  listenerFor: (queue: string) => BatchListener;
  prefix: string;
  telemetrySecret: string;
  metrics: PartitionedMetrics;
  logger: Logger;
  /**
   * Failed attempts at one batch before it is dead-lettered: publishers failing, or the state
   * write script refusing the checkpoint (StateRefusedError). Default 5.
   */
  maxAttempts?: number;
  /**
   * Give up starting a partition's consumer after this (the broker keeps refusing the exclusive
   * consume while a previous consumer lives): the coordinator returns the lease and tries again
   * later instead of holding the partition without consuming it. Default 10 s.
   */
  startTimeoutMs?: number;
  /** Wait before retrying a failed batch, by attempt. Default 200 ms doubling to 5 s. */
  backoffMs?: (attempt: number) => number;
  /**
   * Samples per publish context and checkpoint. A batch holding more (a backlog: up to
   * batch_size partition messages of a whole stage-1 batch each) is applied in slices of whole
   * messages, and a release between two slices gives the rest back to the queue, so a hand-off
   * waits for one slice instead of the whole batch. Default 2000.
   */
  maxContextSamples?: number;
}

interface Task {
  readonly ref: PartitionRef;
  readonly key: string;
  readonly epoch: number;
  sink: SampleSink;
  listener?: BatchListener;
  /** A failed attempt left the transformers ahead of the last checkpoint. */
  dirty: boolean;
  /** The stored state could not be restored: the next checkpoint replaces it whole. */
  replace: boolean;
  /** Stored state size after the last checkpoint. */
  bytes: number;
  /**
   * Set when the partition is released: a batch in flight still completes if it can, but one
   * that failed is not retried any more (its backoff is woken) and goes back to the queue.
   */
  readonly stop: AbortController;
}

interface Failure {
  /**
   * `publish`: a publisher failed; `refused`: the state script failed on this checkpoint (both
   * bounded retries, then dead-lettered); `state`: Redis trouble (retried while owned).
   */
  kind: 'publish' | 'refused' | 'state';
  error: string;
}

/** Dead-letter reason of a batch that failed `maxAttempts` times, by kind of failure. */
const GIVE_UP_REASON = { publish: 'retries_exhausted', refused: 'state_refused' } as const;

const defaultBackoff = (attempt: number) => Math.min(5000, 200 * 2 ** Math.max(0, attempt - 1));

export class StageTwo implements PartitionConsumer {
  private readonly tasks = new Map<string, Task>();
  private readonly logger: Logger;

  constructor(private readonly options: StageTwoOptions) {
    this.logger = options.logger.child({ component: 'stage-2' });
  }

  /** Bytes of stored state of the owned partitions, as of their last checkpoints. */
  get stateBytes(): number {
    let total = 0;
    for (const task of this.tasks.values()) total += task.bytes;
    return total;
  }

  /** Partitions being consumed, by `<pipeline>/<p>`. */
  get consuming(): string[] {
    return [...this.tasks.keys()].sort();
  }

  async onAcquire(ref: PartitionRef, epoch: number): Promise<void> {
    const key = refKey(ref);
    const task: Task = {
      ref,
      key,
      epoch,
      ...(await this.restoredSink(ref)),
      bytes: (await this.options.store.stateSize(ref)).bytes,
      dirty: false,
      stop: new AbortController(),
    };
    const queue = partitionQueue(this.options.prefix, ref.pipeline, ref.partition);
    const listener = this.options.listenerFor(queue);
    task.listener = listener;
    this.tasks.set(key, task);
    // Logged before basic.consume goes out: the interval it opens covers the consumer's whole life.
    this.logger.info({ pipeline: ref.pipeline, partition: ref.partition, epoch, queue }, 'partition consuming');
    try {
      await withTimeout(
        listener.start((batch) => this.handle(task, batch)),
        this.options.startTimeoutMs ?? 10_000,
        `consuming ${queue} did not start (another consumer holds it?)`,
      );
    } catch (err) {
      // Released while starting: onRelease already aborted the listener and logged the stop.
      if (this.tasks.get(key) !== task) throw err;
      this.tasks.delete(key);
      task.stop.abort();
      await listener.abort();
      this.logger.info(
        { pipeline: ref.pipeline, partition: ref.partition, epoch, reason: 'start-failed' },
        'partition stopped',
      );
      throw err;
    }
  }

  async onRelease(ref: PartitionRef, reason: ReleaseReason): Promise<void> {
    const key = refKey(ref);
    const task = this.tasks.get(key);
    if (!task) return;
    this.tasks.delete(key);
    const started = Date.now();
    if (reason === 'moved' || reason === 'stopping') {
      // Orderly: the in-flight batch finishes, is published, checkpointed and acked first (one
      // that keeps failing is given back in place instead of being retried any longer).
      task.stop.abort();
      await task.listener?.stop();
    } else {
      // The lease is gone or cannot be renewed: stop now; the broker requeues what is unacked.
      task.stop.abort();
      await task.listener?.abort();
    }
    this.logger.info(
      { pipeline: ref.pipeline, partition: ref.partition, epoch: task.epoch, reason, ms: Date.now() - started },
      'partition stopped',
    );
  }

  /**
   * Fresh transformers for the partition, with the state its last checkpoint holds. Stored
   * state that cannot be restored (unreadable, or of another transformer after a pipeline
   * change) is logged and counted, and the partition starts empty instead of never being
   * consumed again; `replace` asks the first checkpoint to overwrite that state whole. Redis
   * errors are thrown (the caller retries).
   */
  private async restoredSink(ref: PartitionRef): Promise<{ sink: SampleSink; replace: boolean }> {
    const fresh = () => this.options.manager.freshSink(ref.pipeline);
    let loaded: Awaited<ReturnType<StageTwoOptions['store']['load']>>;
    try {
      loaded = await this.options.store.load(ref);
    } catch (err) {
      if (!(err instanceof CorruptStateError)) throw err;
      this.unrestorable(ref, err.message);
      return { sink: fresh(), replace: true };
    }
    const sink = fresh();
    if (!loaded) return { sink, replace: false };
    try {
      sink.transformers.forEach((transformer, i) => {
        const state = loaded.states[i];
        if (!state) return;
        if (state.kind !== transformer.name) {
          throw new Error(`state ${i} is a '${state.kind}' state, the transformer is '${transformer.name}'`);
        }
        transformer.restore(state);
      });
      return { sink, replace: false };
    } catch (err) {
      this.unrestorable(ref, (err as Error).message);
      return { sink: fresh(), replace: true };
    }
  }

  private unrestorable(ref: PartitionRef, error: string): void {
    this.options.metrics.unrestorable(ref.pipeline);
    this.logger.error(
      { partition: refKey(ref), error },
      'stored partition state cannot be restored; starting empty and replacing it at the next checkpoint',
    );
  }

  private async handle(task: Task, batch: readonly Delivery[]): Promise<BatchOutcome> {
    const requeue: Delivery[] = [];
    const outcome: BatchOutcome = { ack: [], retry: [], deadLetter: [], requeue };
    const slices: { deliveries: Delivery[]; samples: Sample[] }[] = [];
    const limit = this.options.maxContextSamples ?? 2000;
    let slice: (typeof slices)[number] | undefined;
    for (const delivery of batch) {
      let decoded: Sample[];
      try {
        decoded = decodeSamples(delivery.body, this.options.telemetrySecret);
      } catch (err) {
        const reason = err instanceof BadInputError ? err.reason : 'invalid_partition_message';
        this.options.metrics.refused(task.ref.pipeline, reason);
        this.logger.warn({ partition: task.key, reason, error: (err as Error).message }, 'partition message refused');
        outcome.deadLetter.push({ delivery, reason, error: (err as Error).message });
        continue;
      }
      if (!slice || (slice.samples.length > 0 && slice.samples.length + decoded.length > limit)) {
        slice = { deliveries: [], samples: [] };
        slices.push(slice);
      }
      slice.deliveries.push(delivery);
      for (const sample of decoded) slice.samples.push(sample);
    }
    // Back to the queue (nack with requeue: its place is kept) for the partition's next owner.
    const giveBack = (from: number) => {
      for (const rest of slices.slice(from)) requeue.push(...rest.deliveries);
    };
    for (const [i, { deliveries, samples }] of slices.entries()) {
      if (i > 0 && task.stop.signal.aborted) {
        giveBack(i); // released meanwhile: what was applied is acked
        break;
      }
      const result = await this.applyWithRetries(task, samples);
      if (result === 'done') {
        outcome.ack.push(...deliveries);
        this.options.metrics.processed(task.ref.pipeline, samples.length);
      } else if (result === 'given-up') {
        giveBack(i);
        break;
      } else {
        const reason = GIVE_UP_REASON[result.kind];
        this.options.metrics.refused(task.ref.pipeline, reason);
        this.logger.error({ partition: task.key, reason, error: result.error }, 'partition batch dead-lettered');
        for (const delivery of deliveries) outcome.deadLetter.push({ delivery, reason, error: result.error });
      }
    }
    return outcome;
  }

  /**
   * Apply the batch, retrying in place until it succeeds: the deliveries stay unacked and the
   * next batch waits, so the partition's order holds (handing the batch back to the broker would
   * let the deliveries buffered behind it overtake it). Each retry starts from the last
   * checkpoint. Publishers failing, or the state script refusing the checkpoint, `maxAttempts`
   * times for this batch dead-letter it (a refusal is deterministic: Redis is up and will say
   * the same again, and waiting would block the partition for good); other state trouble
   * (Redis unreachable, read-only, busy) is retried for as long as the partition is ours. Gives
   * up when the partition is released meanwhile.
   */
  private async applyWithRetries(
    task: Task,
    samples: readonly Sample[],
  ): Promise<'done' | 'given-up' | (Failure & { kind: keyof typeof GIVE_UP_REASON })> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const failures = { publish: 0, refused: 0 };
    for (let attempt = 1; ; attempt++) {
      if (task.stop.signal.aborted) return 'given-up';
      let failure: Failure | null;
      try {
        failure = await this.apply(task, samples);
      } catch (err) {
        failure = { kind: 'state', error: `batch failed: ${(err as Error).message}` };
      }
      if (failure === null) return 'done';
      task.dirty = true;
      this.options.metrics.rolledBack(task.ref.pipeline);
      this.logger.warn({ partition: task.key, attempt, error: failure.error }, 'partition batch failed');
      if (failure.kind !== 'state' && ++failures[failure.kind] >= maxAttempts) {
        return { kind: failure.kind, error: `${failure.error} (${maxAttempts} attempts)` };
      }
      await this.backoff(task, attempt);
    }
  }

  /** Transform, publish, checkpoint; what failed, or null. */
  private async apply(task: Task, samples: readonly Sample[]): Promise<Failure | null> {
    if (task.dirty) {
      // A failed attempt advanced the transformers: back to the last checkpoint before retrying.
      try {
        const restored = await this.restoredSink(task.ref);
        task.sink = restored.sink;
        task.replace = restored.replace;
      } catch (err) {
        return { kind: 'state', error: `reloading state failed: ${(err as Error).message}` };
      }
      task.dirty = false;
    }
    const report = await task.sink.publishContext(samples);
    if (report.publishErrors.length > 0) {
      return {
        kind: 'publish',
        error: report.publishErrors.map((e) => `${e.publisher}: ${e.error.message}`).join('; '),
      };
    }
    const changes: Record<number, TransformerState> = {};
    const full = task.replace;
    let changed = full;
    task.sink.transformers.forEach((transformer, i) => {
      const state = full ? transformer.snapshot() : transformer.snapshotChanges();
      if (Object.keys(state.entries).length > 0 || carriesGlobal(state.global)) changed = true;
      changes[i] = state;
    });
    if (!changed) return null;
    const started = performance.now();
    try {
      const written = await this.options.store.write(task.ref, task.epoch, changes, { full });
      task.bytes = written.bytes;
      task.replace = false;
      this.options.metrics.checkpoint((performance.now() - started) / 1000);
      return null;
    } catch (err) {
      // The retry reloads the state from the last checkpoint first (so the change tracking this
      // snapshot reset does not matter).
      if (err instanceof StaleEpochError) {
        // A newer owner exists (our lease ran out): stop consuming now; the coordinator hears of
        // the lost lease and releases the partition.
        task.stop.abort();
        void task.listener?.abort();
      }
      const kind = err instanceof StateRefusedError ? 'refused' : 'state';
      return { kind, error: `checkpoint failed: ${(err as Error).message}` };
    }
  }

  private backoff(task: Task, attempt: number): Promise<void> {
    const signal = task.stop.signal;
    if (signal.aborted) return Promise.resolve();
    const ms = (this.options.backoffMs ?? defaultBackoff)(attempt);
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done);
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether a state's global part holds anything besides the envelope's `full` flag. */
function carriesGlobal(global: TransformerState['global']): boolean {
  if (global === undefined || global === null) return false;
  if (typeof global !== 'object' || Array.isArray(global)) return true;
  return Object.keys(global).some((key) => key !== 'full');
}
