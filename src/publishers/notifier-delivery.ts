/**
 * Ceilometer's publishing policies for `notifier://` (default | queue | drop), made to work:
 * in Ceilometer the messaging driver swallowed send errors, so its policies never triggered.
 */
import { MeterflowError, PublishError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { NotifierPolicy } from './notifier-options.js';

/** One AMQP message, encoded once: a resend carries the same ids. */
export interface OutgoingMessage {
  /** Notifier topic: the queue `<topic>.sample` is declared for it. */
  topic: string;
  routingKey: string;
  body: Buffer;
  /** Samples or events inside, for the counters and warnings. */
  items: number;
}

/** Counters exposed for metrics; `queued*` are current sizes, the rest only grow. */
export interface NotifierCounters {
  /** Messages the broker confirmed. */
  published: number;
  /** Resends after a failed publish. */
  retries: number;
  /** Samples/events dropped: `drop` policy, or the oldest beyond `max_queue_length`. */
  dropped: number;
  droppedMessages: number;
  /** Samples/events waiting in the local queue (`queue` policy). */
  queued: number;
  queuedMessages: number;
}

export interface DeliveryOptions {
  target: string;
  policy: NotifierPolicy;
  maxRetry: number;
  maxQueueLength: number;
  send: (message: OutgoingMessage) => Promise<void>;
  logger: Logger;
  /** Waits between retries; tests pass an instant one. */
  sleep: (ms: number) => Promise<void>;
  backoffMs: (retry: number) => number;
}

/** Small and bounded: 5 ms more per retry, at most 250 ms (100 retries take about 19 s). */
export function defaultBackoffMs(retry: number): number {
  return Math.min(250, 5 * retry);
}

interface Failure {
  message: OutgoingMessage;
  error: unknown;
}

/**
 * Sends batches of messages under a policy. Calls must not overlap (the publisher serialises
 * them). Messages of one call are pipelined (sent without waiting for each confirm, in order).
 */
export class PolicyDelivery {
  readonly counters: NotifierCounters = {
    published: 0,
    retries: 0,
    dropped: 0,
    droppedMessages: 0,
    queued: 0,
    queuedMessages: 0,
  };
  private queue: OutgoingMessage[] = [];

  constructor(private readonly options: DeliveryOptions) {}

  /** Resolves when every message was confirmed or handled by the policy; rejects under `default`. */
  async deliver(messages: readonly OutgoingMessage[]): Promise<void> {
    // `queue`: what failed before goes first, so the order of batches is kept.
    let pending = [...this.queue, ...messages];
    this.setQueue([]);
    const { policy, maxRetry } = this.options;
    // oslo's retry: None (forever, bounded here by max_retry) for default, 1 for queue and drop.
    const retries = policy === 'default' ? maxRetry : 1;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const failures = await this.sendAll(pending);
      if (failures.length === 0) return;
      pending = failures.map((f) => f.message);
      const retriable = failures.every((f) => isRetriable(f.error));
      if (!retriable || attempt >= retries) return this.giveUp(failures, attempt);
      this.counters.retries += pending.length;
      await this.options.sleep(this.options.backoffMs(attempt + 1));
    }
  }

  /** Messages still queued (given up on when the publisher closes). */
  get queuedMessages(): readonly OutgoingMessage[] {
    return this.queue;
  }

  private async sendAll(messages: readonly OutgoingMessage[]): Promise<Failure[]> {
    const results = await Promise.allSettled(messages.map((m) => this.options.send(m)));
    const failures: Failure[] = [];
    results.forEach((result, i) => {
      const message = messages[i] as OutgoingMessage;
      if (result.status === 'fulfilled') this.counters.published += 1;
      else failures.push({ message, error: result.reason });
    });
    return failures;
  }

  private giveUp(failures: Failure[], retries: number): void {
    const { policy, target, logger } = this.options;
    const messages = failures.map((f) => f.message);
    const items = sumItems(messages);
    const reason = describe(failures[0]?.error);
    if (policy === 'queue') {
      logger.warn({ publisher: target, items, reason }, `failed to publish ${items} datapoints, queueing them`);
      this.setQueue(messages);
      this.trimQueue();
      return;
    }
    if (policy === 'drop') {
      this.drop(messages);
      logger.warn({ publisher: target, items, reason }, `failed to publish ${items} datapoints, dropping them`);
      return;
    }
    throw new PublishError(
      target,
      `${target}: ${messages.length} message(s) with ${items} datapoints not confirmed after ${retries} retries: ${reason}`,
      { retriable: failures.every((f) => isRetriable(f.error)), cause: failures[0]?.error },
    );
  }

  /** Ceilometer's `_check_queue_length`: beyond the bound the oldest messages are dropped. */
  private trimQueue(): void {
    const { maxQueueLength, logger, target } = this.options;
    const excess = this.queue.length - maxQueueLength;
    if (maxQueueLength === 0 || excess <= 0) return;
    const oldest = this.queue.slice(0, excess);
    this.setQueue(this.queue.slice(excess));
    this.drop(oldest);
    logger.warn(
      { publisher: target, messages: excess, items: sumItems(oldest) },
      `local queue longer than max_queue_length (${maxQueueLength}): dropped the ${excess} oldest message(s)`,
    );
  }

  private drop(messages: readonly OutgoingMessage[]): void {
    this.counters.droppedMessages += messages.length;
    this.counters.dropped += sumItems(messages);
  }

  private setQueue(queue: OutgoingMessage[]): void {
    this.queue = queue;
    this.counters.queuedMessages = queue.length;
    this.counters.queued = sumItems(queue);
  }
}

function sumItems(messages: readonly OutgoingMessage[]): number {
  return messages.reduce((n, m) => n + m.items, 0);
}

/** Broker failures are retriable; errors without the flag (not ours) are treated as transient too. */
function isRetriable(error: unknown): boolean {
  return error instanceof MeterflowError ? error.retriable : true;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
