import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { type Logger, redactUrls } from '../observability/logger.js';
import { AckWindow, type Tracked } from './ack-window.js';
import { declareExchanges, declareListenerTopology, declareQueue } from './topology.js';
import type { AmqpTransport } from './transport.js';
import type { Delivery, ListenerOptions } from './types.js';

/**
 * A message as received: the `Delivery` handed to the handler (one object per message, no side
 * table), with the channel that must ack it and its ack state kept private to the messaging layer.
 */
export class Received implements Delivery, Tracked {
  readonly body: Buffer;
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly contentType: string | undefined;
  readonly #msg: ConsumeMessage;
  readonly #channel: Channel;
  #state = 0;

  constructor(
    msg: ConsumeMessage,
    readonly queue: string,
    channel: Channel,
    readonly transport: number,
  ) {
    this.body = msg.content;
    this.exchange = msg.fields.exchange;
    this.routingKey = msg.fields.routingKey;
    this.redelivered = msg.fields.redelivered;
    this.headers = (msg.properties.headers as Record<string, unknown> | undefined) ?? {};
    this.contentType = msg.properties.contentType as string | undefined;
    this.#msg = msg;
    this.#channel = channel;
  }

  get msg(): ConsumeMessage {
    return this.#msg;
  }

  get channel(): Channel {
    return this.#channel;
  }

  get state(): number {
    return this.#state;
  }

  set state(value: number) {
    this.#state = value;
  }

  /** `delivery` if it is one of ours (a handler could hand back a copy: that one is ignored). */
  static of(delivery: Delivery): Received | undefined {
    return typeof delivery === 'object' && delivery !== null && #msg in delivery ? (delivery as Received) : undefined;
  }
}

const REBUILD_MS = 100;
const REBUILD_MAX_MS = 5000;

/**
 * The consuming side of one transport: one channel, `basic.qos(prefetch, global=false)`, one
 * consumer per queue, manual ack. It rebuilds itself on a new connection (broker restart), after
 * a channel error on a live connection (amqplib does not), and re-declares and re-consumes a
 * queue whose consumer the server cancelled (queue deleted).
 */
export class ConsumerSession {
  private channel: Channel | undefined;
  /** The current channel's unacked deliveries, for `multiple=true` acks. */
  private readonly unacked = new AckWindow<Received>();
  private readonly consumerTags = new Map<string, string>();
  private stopping = false;
  private unhook: (() => void) | undefined;
  private rebuildMs = REBUILD_MS;
  private ready: { resolve: () => void; reject: (err: Error) => void; promise: Promise<void> };

  constructor(
    private readonly transport: AmqpTransport,
    private readonly index: number,
    private readonly options: ListenerOptions,
    private readonly logger: Logger,
    private readonly onMessage: (received: Received) => void,
    private readonly onChannelLost: (channel: Channel) => void,
  ) {
    let resolve = () => {};
    let reject = (_err: Error) => {};
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // nobody may be waiting any more when it is cancelled
    this.ready = { resolve, reject, promise };
  }

  /** Resolves once consumers run (the transport retries connecting until then). */
  start(): Promise<void> {
    this.unhook = this.transport.onConnect((conn) => void this.setup(conn));
    this.transport.connection().catch(() => undefined);
    return this.ready.promise;
  }

  /** Whether `received` came on the current channel (one of a dead channel will be redelivered). */
  isLive(received: Received): boolean {
    return this.channel === received.channel;
  }

  /** Ack, or drop silently when the channel died: the broker redelivers (at-least-once). */
  ack(received: Received): void {
    if (this.channel !== received.channel) return;
    this.unacked.done(received);
    try {
      received.channel.ack(received.msg);
    } catch {
      // Channel closing: same as dead.
    }
  }

  /**
   * Ack many (of this transport) at once: the part that is a contiguous run from the channel's
   * lowest unacked delivery with one `multiple=true` ack, the rest one by one. Deliveries of a
   * dead channel are dropped, as in `ack`.
   */
  ackMany(received: readonly Received[]): void {
    const channel = this.channel;
    if (!channel) return;
    const plan = this.unacked.settle(received.filter((r) => r.channel === channel));
    try {
      if (plan.upTo) channel.ack(plan.upTo.msg, plan.covered > 1);
      for (const r of plan.singles) channel.ack(r.msg);
    } catch {
      // Channel closing: same as dead.
    }
  }

  nack(received: Received, requeue: boolean): void {
    if (this.channel !== received.channel) return;
    this.unacked.done(received);
    try {
      received.channel.nack(received.msg, false, requeue);
    } catch {
      // Channel closing: the broker requeues it anyway.
    }
  }

  /** Stop deliveries; the channel stays open so the in-flight batch can still be acked. */
  async cancel(): Promise<void> {
    this.stopping = true;
    this.ready.reject(new Error('consumer cancelled before it started'));
    this.unhook?.();
    const channel = this.channel;
    if (!channel) return;
    for (const tag of this.consumerTags.values()) await channel.cancel(tag).catch(() => undefined);
    this.consumerTags.clear();
  }

  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    this.unacked.reset();
    await channel?.close().catch(() => undefined);
  }

  private async setup(conn: ChannelModel): Promise<void> {
    if (this.stopping || !this.transport.isCurrent(conn)) return;
    let channel: Channel | undefined;
    try {
      channel = await conn.createChannel();
      const ch = channel;
      if (this.channel || this.stopping) {
        // Another setup won the race (a reconnect hook and a rebuild timer both fired).
        await ch.close().catch(() => undefined);
        return;
      }
      ch.on('error', (err: unknown) => this.logger.warn({ error: redactUrls(String(err)) }, 'consumer channel error'));
      ch.on('close', () => this.onClose(ch));
      this.channel = ch;
      this.unacked.reset();
      await ch.prefetch(this.options.prefetch, false);
      await declareListenerTopology(ch, this.options);
      for (const queue of this.options.topology.queues) await this.consume(ch, queue.name);
      this.rebuildMs = REBUILD_MS;
      this.ready.resolve();
      this.logger.info({ queues: this.consumerTags.size }, 'consuming');
    } catch (err) {
      // A failed declaration closes the channel; onClose schedules the next attempt.
      this.logger.warn({ error: redactUrls(String(err)) }, 'consumer setup failed');
      if (channel && this.channel === channel) await channel.close().catch(() => undefined);
      else if (!channel) this.scheduleRebuild();
    }
  }

  private async consume(channel: Channel, queue: string): Promise<void> {
    const { consumerTag } = await channel.consume(
      queue,
      (msg) => {
        if (msg) {
          const received = new Received(msg, queue, channel, this.index);
          if (this.channel === channel) this.unacked.track(received);
          this.onMessage(received);
        } else void this.onCancelled(channel, queue);
      },
      { noAck: false, exclusive: this.options.exclusive === true },
    );
    this.consumerTags.set(queue, consumerTag);
  }

  /** The server cancelled the consumer (queue deleted): declare the queue again and consume it. */
  private async onCancelled(channel: Channel, queue: string): Promise<void> {
    this.consumerTags.delete(queue);
    if (this.stopping || this.channel !== channel) return;
    this.logger.warn({ queue }, 'consumer cancelled by the broker; re-declaring the queue');
    const spec = this.options.topology.queues.find((q) => q.name === queue)!;
    try {
      await declareExchanges(channel, this.options.topology);
      await declareQueue(channel, this.options.topology, spec);
      await this.consume(channel, queue);
    } catch (err) {
      this.logger.warn({ queue, error: redactUrls(String(err)) }, 're-consuming failed; rebuilding the channel');
      await channel.close().catch(() => undefined);
    }
  }

  private onClose(channel: Channel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.unacked.reset();
    this.consumerTags.clear();
    this.onChannelLost(channel);
    this.scheduleRebuild();
  }

  /**
   * Rebuild on the live connection after a backoff. The connection's own 'close' follows its
   * channels' in the same tick, so the check runs later; while disconnected, the transport's
   * reconnect hook does the rebuild instead.
   */
  private scheduleRebuild(): void {
    if (this.stopping) return;
    const wait = this.rebuildMs;
    this.rebuildMs = Math.min(this.rebuildMs * 2, REBUILD_MAX_MS);
    setTimeout(() => {
      if (this.stopping || this.channel || !this.transport.connected) return;
      this.transport.connection().then(
        (conn) => this.setup(conn),
        () => undefined,
      );
    }, wait).unref();
  }
}
