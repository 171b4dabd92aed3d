import { MeterflowError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { redactUrls } from '../observability/logger.js';
import { SHORTSTR_MAX } from './publish-limits.js';
import { type BatchOutcome, type Delivery, HEADERS, type ListenerOptions, type PublishOptions } from './types.js';

/** What applying an outcome needs from the listener. */
export interface Settler {
  ack(delivery: Delivery): void;
  /** Ack all of them (as few frames as is safe). */
  ackMany(deliveries: readonly Delivery[]): void;
  /** Give the message back to its queue (its republish failed). */
  requeue(delivery: Delivery): void;
  publish(delivery: Delivery, exchange: string, routingKey: string, options: PublishOptions): Promise<void>;
  /**
   * Whether the delivery still belongs to a live channel. One that does not will be redelivered
   * by the broker: a retry or dead-letter copy of it would be a duplicate.
   */
  isLive(delivery: Delivery): boolean;
  /**
   * Resolves when a delivery whose republish failed may go back to its queue: the broker hands it
   * straight back, so without a pause a lasting failure would be a hot loop.
   */
  republishBackoff(): Promise<void>;
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

/** `value` if it can be an exchange name or routing key (an AMQP `shortstr`). */
function shortstr(value: unknown): string | undefined {
  return typeof value === 'string' && Buffer.byteLength(value) <= SHORTSTR_MAX ? value : undefined;
}

/**
 * The first hop's exchange and routing key survive retries (a retry comes back via ''). A header
 * that is not a usable name (anyone can set it) is replaced by this hop's: the dead letter is
 * routed by it, and a routing key amqplib cannot send would fail every republish.
 */
function originHeaders(delivery: Delivery): Record<string, unknown> {
  const h = delivery.headers;
  return {
    ...h,
    [HEADERS.originalExchange]: shortstr(h[HEADERS.originalExchange]) ?? delivery.exchange,
    [HEADERS.originalRoutingKey]: shortstr(h[HEADERS.originalRoutingKey]) ?? delivery.routingKey,
    [HEADERS.originalQueue]: delivery.queue,
  };
}

export function deadLetter(delivery: Delivery, reason: string, error: string, options: Options): Republish {
  return deadLetterWith(delivery, originHeaders(delivery), reason, redactUrls(error), options);
}

/**
 * The dead letter of a copy amqplib refused to encode (its headers are over 64 KiB, or hold a
 * value amqplib cannot encode): the same body with only meterflow's headers, which always encode.
 */
function bareDeadLetter(r: Republish, error: unknown, options: Options): Republish {
  const origin = originHeaders(r.delivery);
  const bare = {
    [HEADERS.originalExchange]: origin[HEADERS.originalExchange],
    [HEADERS.originalRoutingKey]: origin[HEADERS.originalRoutingKey],
    [HEADERS.originalQueue]: origin[HEADERS.originalQueue],
  };
  return deadLetterWith(r.delivery, bare, 'republish_refused', redactUrls(String(error)).slice(0, 1000), options);
}

/** To the dead-letter exchange, routed by the first hop's routing key (in `headers`). */
function deadLetterWith(
  delivery: Delivery,
  headers: Record<string, unknown>,
  reason: string,
  error: string,
  options: Options,
): Republish {
  const all: Record<string, unknown> = { ...headers, [HEADERS.reason]: reason, [HEADERS.error]: error };
  return {
    delivery,
    exchange: options.deadLetter.exchange,
    routingKey: all[HEADERS.originalRoutingKey] as string,
    options: { headers: all, persistent: true, contentType: delivery.contentType },
  };
}

/** A copy that no retry can publish (see the confirm publisher's `amqp_publish_invalid`). */
function refused(err: unknown): boolean {
  return err instanceof MeterflowError && err.code === 'amqp_publish_invalid';
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
 * broker confirmed their copy, and given back to their queue (after the settler's backoff) when
 * that publish failed. A copy amqplib refuses to encode is dead-lettered with meterflow's headers
 * only. Deliveries of a lost channel are not republished: the broker redelivers them. A delivery
 * the outcome forgot is retried rather than lost.
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
  const live = republish.filter((r) => settler.isLive(r.delivery));
  if (live.length < republish.length)
    logger.info(
      { count: republish.length - live.length },
      'not republishing deliveries of a lost channel; the broker redelivers them',
    );
  await Promise.all(live.map((r) => settle(r, options, settler, logger)));
}

async function settle(r: Republish, options: Options, settler: Settler, logger: Logger): Promise<void> {
  try {
    await publishCopy(r, options, settler, logger);
    settler.ack(r.delivery);
  } catch (err) {
    logger.warn({ queue: r.delivery.queue, error: redactUrls(String(err)) }, 'republish failed; requeueing');
    await settler.republishBackoff();
    settler.requeue(r.delivery);
  }
}

async function publishCopy(r: Republish, options: Options, settler: Settler, logger: Logger): Promise<void> {
  try {
    await settler.publish(r.delivery, r.exchange, r.routingKey, r.options);
  } catch (err) {
    if (!refused(err)) throw err;
    logger.warn(
      { queue: r.delivery.queue, error: redactUrls(String(err)) },
      'republish refused; dead-lettering the message with meterflow headers only',
    );
    const bare = bareDeadLetter(r, err, options);
    await settler.publish(bare.delivery, bare.exchange, bare.routingKey, bare.options);
  }
}
