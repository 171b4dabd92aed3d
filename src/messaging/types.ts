import type { Logger } from '../observability/logger.js';

/**
 * The messaging layer's contract. The rest of meterflow talks to RabbitMQ only through these
 * narrow interfaces, so the agent's logic can be tested with in-memory fakes.
 */

/** One message taken from a queue. */
export interface Delivery {
  readonly body: Buffer;
  readonly queue: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  /** AMQP application headers (`{}` when none). */
  readonly headers: Readonly<Record<string, unknown>>;
  readonly contentType: string | undefined;
  /** Which transport (index into the configured URLs) it came from. */
  readonly transport: number;
}

/** What the handler decided for each delivery of a batch. Every delivery must appear once. */
export interface BatchOutcome {
  /** Done: acknowledge. */
  ack: Delivery[];
  /** Failed for a reason that may go away (a publisher was down): try again later, bounded. */
  retry: { delivery: Delivery; reason: string }[];
  /** Can never succeed (not JSON, not an envelope, ...): to the dead-letter queue at once. */
  deadLetter: { delivery: Delivery; reason: string; error: string }[];
  /**
   * Not done, and order matters (partition queues): give back to the queue at once
   * (`basic.nack` with requeue), where it keeps its place. Unbounded: the handler decides when.
   */
  requeue?: Delivery[];
}

export type BatchHandler = (batch: readonly Delivery[]) => Promise<BatchOutcome>;

/** Options of a publish with publisher confirms. */
export interface PublishOptions {
  headers?: Record<string, unknown>;
  /** Default true (delivery_mode 2). */
  persistent?: boolean;
  contentType?: string;
  contentEncoding?: string;
  /** Per-message TTL in ms (used for delayed retries). */
  expirationMs?: number;
  /** Reject the publish when no queue takes the message (`mandatory`). Default false. */
  mandatory?: boolean;
}

/**
 * Publishing with publisher confirms: the promise resolves when the broker confirmed the
 * message, rejects (with a retriable MeterflowError) when it nacked it or the connection died
 * before the confirm. In-flight messages are bounded; `publish` waits when the bound is reached.
 */
export interface ConfirmPublisher {
  publish(exchange: string, routingKey: string, body: Buffer, options?: PublishOptions): Promise<void>;
  /** Declare a topic exchange (idempotent, cached). */
  assertExchange(name: string, options: { durable: boolean; type?: 'topic' | 'direct' | 'fanout' }): Promise<void>;
  /** Declare a queue and bind it (idempotent, cached), like oslo's publisher does. */
  assertQueue(
    name: string,
    options: {
      durable: boolean;
      bindings?: { exchange: string; routingKey: string }[];
      /** Declare again even if declared before (the queue was deleted meanwhile). */
      again?: boolean;
    },
  ): Promise<void>;
  close(): Promise<void>;
}

/** TLS options (`amqps://` URLs, oslo's `[oslo_messaging_rabbit] ssl*`). */
export interface TlsOptions {
  /** CA bundle file. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Verify the broker certificate. Default true. */
  verify?: boolean;
  /**
   * Speak TLS to every host even when the URL does not ask for it (`rabbit://` with oslo's
   * `[oslo_messaging_rabbit] ssl = true`). Without it only `amqps://` / `?ssl=1` URLs use TLS
   * (and then with these files).
   */
  enabled?: boolean;
}

export interface TransportOptions {
  /** `rabbit://`, `amqp://` or `amqps://` URLs (oslo's `transport_url` syntax; several hosts → failover). */
  url: string;
  tls?: TlsOptions;
  logger: Logger;
  /** Connection name shown in the RabbitMQ management UI. */
  name?: string;
  /** Reconnect backoff, ms. Defaults 100 → 5000. */
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  /** AMQP heartbeat, seconds. Default 30. */
  heartbeat?: number;
}

/** Queue and binding declarations of the notification listener (oslo's topology). */
export interface ListenerTopology {
  /** Topic exchanges (`nova`, `glance`, ...): type topic, durable = `amqp_durable_queues`, auto_delete false. */
  exchanges: string[];
  /** Queues `<topic>.<priority>` (or the pool name), each bound to every exchange with `<topic>.<priority>`. */
  queues: { name: string; routingKey: string }[];
  durable: boolean;
}

export interface ListenerOptions {
  topology: ListenerTopology;
  /** `basic.qos` prefetch per consumer (0 = unlimited). */
  prefetch: number;
  batchSize: number;
  /** Seconds to wait for a partial batch, counted from its first message. */
  batchTimeout: number;
  /** Retries of a retriable failure before dead-lettering, and their backoff. */
  maxRetries: number;
  retryBackoffMs: (attempt: number) => number;
  /** Names of the dead-letter exchange/queue and the retry exchange/queue. */
  deadLetter: { exchange: string; queue: string };
  retry: { exchange: string; queue: string };
  /**
   * Pause before a delivery whose retry or dead-letter copy could not be published goes back to
   * its queue, ms (the broker hands it straight back: a lasting failure must not be a hot loop).
   * Default 1000.
   */
  republishBackoffMs?: number;
  /**
   * Consume with the AMQP `exclusive` flag: the broker refuses any other consumer on the queue
   * while this one lives (partition queues; a refused consume is retried with backoff).
   */
  exclusive?: boolean;
}

/**
 * Consumes the topology's queues on one or more transports, hands batches to the handler one
 * at a time, and applies the outcome: ack; retry (republished with a delay and an attempt
 * counter, then acked; dead-lettered after `maxRetries`); dead-letter (published to the
 * dead-letter exchange with the reason in headers, confirmed, then acked). Survives broker
 * restarts, channel errors and consumer cancellation.
 */
export interface BatchListener {
  start(handler: BatchHandler): Promise<void>;
  /** Stop consuming, let the in-flight batch finish and settle, close. */
  stop(): Promise<void>;
  /**
   * Stop at once: close the channels without waiting for the in-flight batch, so the broker
   * requeues every unacked delivery; the in-flight batch's outcome is then ignored.
   */
  abort(): Promise<void>;
}

/** Header names meterflow puts on dead-lettered and retried messages. */
export const HEADERS = {
  reason: 'x-meterflow-reason',
  error: 'x-meterflow-error',
  attempts: 'x-meterflow-attempts',
  originalExchange: 'x-meterflow-original-exchange',
  originalRoutingKey: 'x-meterflow-original-routing-key',
  originalQueue: 'x-meterflow-original-queue',
} as const;
