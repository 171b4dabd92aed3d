import type { Channel } from 'amqplib';
import type { Logger } from '../observability/logger.js';
import { redactUrls } from '../observability/logger.js';
import { Batcher } from './batcher.js';
import type { AmqpConfirmPublisher } from './confirm-publisher.js';
import { ConsumerSession, Received } from './consumer.js';
import { applyOutcome, retryAll, type Settler } from './outcome.js';
import { declareFailureTopology } from './topology.js';
import type { AmqpTransport } from './transport.js';
import type { BatchHandler, BatchListener, Delivery, ListenerOptions, PublishOptions } from './types.js';

const REPUBLISH_BACKOFF_MS = 1000;

/**
 * The batch listener over one or more transports (`messaging_urls`): deliveries of every queue
 * and transport feed one batcher, whose batches go to the handler one at a time.
 */
class AmqpBatchListener implements BatchListener, Settler {
  private readonly sessions: ConsumerSession[];
  private readonly publishers: AmqpConfirmPublisher[];
  private readonly batcher: Batcher<Delivery>;
  private handler: BatchHandler | undefined;
  /** Outcomes still waiting for republish confirms; the next batch does not wait for them. */
  private readonly settling = new Set<Promise<void>>();
  /** Wake-ups of the republish backoffs running now (a stop does not wait them out). */
  private readonly backoffs = new Set<() => void>();
  private stopping = false;
  private aborted = false;

  constructor(
    transports: AmqpTransport[],
    private readonly options: ListenerOptions,
    private readonly logger: Logger,
  ) {
    this.batcher = new Batcher(options, (batch) => this.handle(batch));
    this.sessions = transports.map(
      (t, i) =>
        new ConsumerSession(
          t,
          i,
          options,
          logger.child({ transport: t.description }),
          (r) => this.onReceived(r),
          (ch) => this.onChannelLost(ch),
        ),
    );
    this.publishers = transports.map((t) => t.publisher({ maxInFlight: Math.max(1, options.batchSize) }));
  }

  /** Resolves when every transport consumes (each one keeps retrying to connect until then). */
  async start(handler: BatchHandler): Promise<void> {
    this.handler = handler;
    await Promise.all(this.sessions.map((s) => s.start()));
  }

  async stop(): Promise<void> {
    // Paused first: a batch handed out while the consumers are being cancelled would be lost work.
    this.batcher.pause();
    this.stopping = true;
    await Promise.all(this.sessions.map((s) => s.cancel()));
    const rest = await this.batcher.stop();
    this.wakeBackoffs();
    await Promise.all(this.settling);
    for (const delivery of rest) this.requeue(delivery);
    await Promise.all(this.publishers.map((p) => p.close()));
    await Promise.all(this.sessions.map((s) => s.close()));
  }

  async abort(): Promise<void> {
    this.aborted = true;
    this.stopping = true;
    this.wakeBackoffs();
    this.batcher.pause();
    this.batcher.discard(() => true);
    // Closing the channels hands every unacked delivery back to the broker; a late ack is dropped.
    await Promise.all(this.sessions.map((s) => s.cancel()));
    await Promise.all(this.sessions.map((s) => s.close()));
    await Promise.all(this.publishers.map((p) => p.close()));
  }

  ack(delivery: Delivery): void {
    const r = Received.of(delivery);
    if (r) this.sessions[r.transport]?.ack(r);
  }

  ackMany(deliveries: readonly Delivery[]): void {
    const byTransport = this.sessions.map((): Received[] => []);
    for (const d of deliveries) {
      const r = Received.of(d);
      if (r) byTransport[r.transport]?.push(r);
    }
    for (let i = 0; i < byTransport.length; i++) {
      const received = byTransport[i]!;
      if (received.length > 0) this.sessions[i]!.ackMany(received);
    }
  }

  requeue(delivery: Delivery): void {
    const r = Received.of(delivery);
    if (r) this.sessions[r.transport]?.nack(r, true);
  }

  async publish(delivery: Delivery, exchange: string, routingKey: string, options: PublishOptions): Promise<void> {
    const r = Received.of(delivery)!;
    const publisher = this.publishers[r.transport]!;
    // Replayed on every new publisher channel: a publish to a failure exchange deleted meanwhile
    // kills the channel (NOT_FOUND), and the next attempt's channel declares it again.
    await publisher.declareWith('failure-topology', (ch) => declareFailureTopology(ch, this.options));
    const contentEncoding = r.msg.properties.contentEncoding as string | undefined;
    return publisher.publish(exchange, routingKey, delivery.body, { contentEncoding, ...options });
  }

  isLive(delivery: Delivery): boolean {
    const r = Received.of(delivery);
    return r !== undefined && this.sessions[r.transport]?.isLive(r) === true;
  }

  republishBackoff(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.backoffs.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.options.republishBackoffMs ?? REPUBLISH_BACKOFF_MS);
      this.backoffs.add(wake);
    });
  }

  private wakeBackoffs(): void {
    for (const wake of [...this.backoffs]) wake();
  }

  // Callbacks of the sessions and the batcher: not `private` only because biome does not see their
  // use inside the constructor's arrows (the class itself is not exported).
  onReceived(r: Received): void {
    this.batcher.push(r);
  }

  /** Buffered deliveries of a dead channel will be redelivered: handing them out would duplicate. */
  onChannelLost(channel: Channel): void {
    const dropped = this.batcher.discard((d) => Received.of(d)?.channel === channel);
    if (dropped.length > 0)
      this.logger.info({ count: dropped.length }, 'dropped buffered deliveries of a lost channel');
  }

  async handle(batch: Delivery[]): Promise<void> {
    let outcome: Awaited<ReturnType<BatchHandler>>;
    try {
      outcome = await this.handler!(batch);
    } catch (err) {
      this.logger.warn(
        { size: batch.length, error: redactUrls(String(err)) },
        'batch handler failed; retrying the batch',
      );
      outcome = retryAll(batch, 'handler_error');
    }
    if (this.aborted) return; // the channels are gone: the broker redelivers the whole batch
    // Acks happen at once inside applyOutcome; retries and dead letters are acked only after the
    // broker confirmed their copy. That wait (a disk sync for durable queues) must not stall the
    // next batch, so it is tracked instead of awaited; unacked deliveries keep their prefetch slot.
    const settled = applyOutcome(batch, outcome, this.options, this, this.logger).catch((err: unknown) => {
      this.logger.error({ error: redactUrls(String(err)) }, 'settling a batch outcome failed');
    });
    this.settling.add(settled);
    void settled.finally(() => this.settling.delete(settled));
  }
}

/** A batch listener consuming the topology's queues on every transport (see `BatchListener`). */
export function createBatchListener(
  transports: AmqpTransport[],
  options: ListenerOptions,
  logger: Logger,
): BatchListener {
  return new AmqpBatchListener(transports, options, logger);
}
