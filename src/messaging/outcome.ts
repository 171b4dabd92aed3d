import type { Logger } from '../observability/logger.js';
import { redactUrls } from '../observability/logger.js';
import { type BatchOutcome, type Delivery, HEADERS, type ListenerOptions, type PublishOptions } from './types.js';

/** What applying an outcome needs from the listener. */
export interface Settler {
  ack(delivery: Delivery): void;
  /** Ack all of them (as few frames as is safe). */
  ackMany(deliveries: readonly Delivery[]): void;
  /** Give the message back to its queue (its republish failed). */
  requeue(delivery: Delivery): void;
  publish(delivery: Delivery, exchange: string, routingKey: string, options: PublishOptions): Promise<void>;
}

interface Republish {
  delivery: Delivery;
  exchange: string;
  routingKey: string;
  options: PublishOptions;
}

type Options = Pick<ListenerOptions, 'maxRetries' | 'retryBackoffMs' | 'deadLetter' | 'retry'>;

function attemptsOf(delivery: Delivery): number {
  const value = Number(delivery.headers[HEADERS.attempts] ?? 0);
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** The first hop's exchange and routing key survive retries (a retry comes back via ''). */
function originHeaders(delivery: Delivery): Record<string, unknown> {
  const h = delivery.headers;
  return {
    ...h,
    [HEADERS.originalExchange]: h[HEADERS.originalExchange] ?? delivery.exchange,
    [HEADERS.originalRoutingKey]: h[HEADERS.originalRoutingKey] ?? delivery.routingKey,
    [HEADERS.originalQueue]: delivery.queue,
  };
}

export function deadLetter(delivery: Delivery, reason: string, error: string, options: Options): Republish {
  const headers: Record<string, unknown> = {
    ...originHeaders(delivery),
    [HEADERS.reason]: reason,
    [HEADERS.error]: redactUrls(error),
  };
  return {
    delivery,
    exchange: options.deadLetter.exchange,
    routingKey: String(headers[HEADERS.originalRoutingKey]),
    options: { headers, persistent: true, contentType: delivery.contentType },
  };
}

/** A retry, or the dead letter it becomes once `maxRetries` retries were spent. */
export function retry(delivery: Delivery, reason: string, options: Options): Republish {
  const attempt = attemptsOf(delivery) + 1;
  if (attempt > options.maxRetries) {
    const error = `${reason} (gave up after ${attempt - 1} retries)`;
    return deadLetter(delivery, 'retries_exhausted', error, options);
  }
  const headers = { ...originHeaders(delivery), [HEADERS.attempts]: attempt, [HEADERS.reason]: reason };
  return {
    delivery,
    exchange: options.retry.exchange,
    // The retry queue dead-letters to the default exchange with this key: the original queue.
    routingKey: delivery.queue,
    options: {
      headers,
      persistent: true,
      contentType: delivery.contentType,
      expirationMs: options.retryBackoffMs(attempt),
    },
  };
}

/** Every delivery of the batch retried (the handler threw). */
export function retryAll(batch: readonly Delivery[], reason: string): BatchOutcome {
  return { ack: [], retry: batch.map((delivery) => ({ delivery, reason })), deadLetter: [] };
}

/**
 * Apply a handler's outcome: acks at once; retries and dead letters are acked only after the
 * broker confirmed their copy, and given back to their queue when that publish failed.
 * A delivery the outcome forgot is retried rather than lost.
 */
export async function applyOutcome(
  batch: readonly Delivery[],
  outcome: BatchOutcome,
  options: Options,
  settler: Settler,
  logger: Logger,
): Promise<void> {
  const seen = new Set<Delivery>(outcome.ack);
  for (const r of outcome.retry) seen.add(r.delivery);
  for (const d of outcome.deadLetter) seen.add(d.delivery);
  for (const d of outcome.requeue ?? []) seen.add(d);
  const forgotten = batch.filter((d) => !seen.has(d));
  if (forgotten.length > 0)
    logger.warn({ count: forgotten.length }, 'batch outcome left deliveries out; retrying them');
  const republish = [
    ...outcome.retry.map((r) => retry(r.delivery, r.reason, options)),
    ...forgotten.map((d) => retry(d, 'no_outcome', options)),
    ...outcome.deadLetter.map((d) => deadLetter(d.delivery, d.reason, d.error, options)),
  ];
  if (outcome.ack.length > 0) settler.ackMany(outcome.ack);
  for (const d of outcome.requeue ?? []) settler.requeue(d);
  if (republish.length === 0) return;
  await Promise.all(
    republish.map(async (r) => {
      try {
        await settler.publish(r.delivery, r.exchange, r.routingKey, r.options);
        settler.ack(r.delivery);
      } catch (err) {
        logger.warn({ queue: r.delivery.queue, error: redactUrls(String(err)) }, 'republish failed; requeueing');
        settler.requeue(r.delivery);
      }
    }),
  );
}
