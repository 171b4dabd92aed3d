import type { Channel, ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { MeterflowError } from '../errors.js';
import { type Logger, redactUrls } from '../observability/logger.js';
import { checkPublishable } from './publish-limits.js';
import type { ConfirmPublisher, PublishOptions } from './types.js';

/** Where the publisher gets its connection from (the transport; narrow to keep them decoupled). */
export interface ConnectionSource {
  /** The live connection, or the next one. */
  connection(): Promise<ChannelModel>;
}

type Declaration = (channel: Channel) => Promise<unknown>;

/** A mandatory publish waiting for its confirm; `returned` is set by a basic.return. */
interface Mandatory {
  exchange: string;
  routingKey: string;
  body: Buffer;
  returned: boolean;
}

function properties(options: PublishOptions): Options.Publish {
  return {
    headers: options.headers ?? {},
    persistent: options.persistent ?? true,
    contentType: options.contentType,
    contentEncoding: options.contentEncoding,
    expiration: options.expirationMs === undefined ? undefined : String(Math.max(0, Math.round(options.expirationMs))),
    mandatory: options.mandatory ?? false,
  };
}

/**
 * Publisher confirms on one confirm channel of a transport. The channel is (re)opened on demand,
 * so a channel killed by a channel error or a lost connection is rebuilt by the next publish,
 * and the cached declarations are replayed on every new channel.
 */
export class AmqpConfirmPublisher implements ConfirmPublisher {
  private channel: ConfirmChannel | undefined;
  private opening: Promise<ConfirmChannel> | undefined;
  private readonly declarations = new Map<string, Declaration>();
  private readonly waiters: (() => void)[] = [];
  private mandatory: Mandatory[] = [];
  private lastCloseReason = '';
  private pending = 0;
  private closed = false;

  constructor(
    private readonly transport: ConnectionSource,
    private readonly logger: Logger,
    private readonly maxInFlight: number,
  ) {}

  /** Publishes sent and not yet confirmed or rejected. */
  get inFlight(): number {
    return this.pending;
  }

  async publish(exchange: string, routingKey: string, body: Buffer, options: PublishOptions = {}): Promise<void> {
    checkPublishable(exchange, routingKey, options.headers);
    await this.acquire();
    try {
      const channel = await this.open();
      await this.send(channel, exchange, routingKey, body, options);
    } finally {
      this.release();
    }
  }

  assertExchange(name: string, options: { durable: boolean; type?: 'topic' | 'direct' | 'fanout' }): Promise<void> {
    const type = options.type ?? 'topic';
    return this.declareWith(`exchange:${name}:${type}:${options.durable}`, (ch) =>
      ch.assertExchange(name, type, { durable: options.durable, autoDelete: false }),
    );
  }

  assertQueue(
    name: string,
    options: { durable: boolean; bindings?: { exchange: string; routingKey: string }[]; again?: boolean },
  ): Promise<void> {
    const bindings = options.bindings ?? [];
    const key = `queue:${name}:${options.durable}:${bindings.map((b) => `${b.exchange}/${b.routingKey}`).join(',')}`;
    if (options.again) this.declarations.delete(key);
    return this.declareWith(key, async (ch) => {
      await ch.assertQueue(name, { durable: options.durable, autoDelete: false });
      for (const b of bindings) await ch.bindQueue(name, b.exchange, b.routingKey);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
    const channel = this.channel;
    this.channel = undefined;
    if (!channel) return;
    await channel.waitForConfirms().catch(() => undefined);
    await channel.close().catch(() => undefined);
  }

  /**
   * Run `declaration` on the channel, and again on every channel opened later, so what it
   * declares is back after a broker restart or a deletion (a publish to a deleted exchange kills
   * the channel). Cached by `key`: a second call with the same key does nothing.
   */
  async declareWith(key: string, declaration: Declaration): Promise<void> {
    if (this.declarations.has(key)) return;
    const channel = await this.open();
    try {
      await declaration(channel);
      this.declarations.set(key, declaration);
    } catch (err) {
      throw new MeterflowError('amqp_declare_failed', `declaring ${key} failed: ${redactUrls(String(err))}`, {
        cause: err,
      });
    }
  }

  private open(): Promise<ConfirmChannel> {
    if (this.closed) return Promise.reject(new MeterflowError('publisher_closed', 'publisher is closed'));
    if (this.channel) return Promise.resolve(this.channel);
    this.opening ??= this.createChannel().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async createChannel(): Promise<ConfirmChannel> {
    const conn = await this.transport.connection();
    const channel = await conn.createConfirmChannel();
    channel.on('error', (err: unknown) => {
      this.lastCloseReason = redactUrls(String(err instanceof Error ? err.message : err));
      this.logger.warn({ error: this.lastCloseReason }, 'publisher channel closed by the broker; it will be rebuilt');
    });
    channel.on('return', (msg: Message) => this.onReturn(msg));
    channel.on('close', () => {
      if (this.channel === channel) this.channel = undefined;
    });
    // Replayed on every new channel: after a broker restart non-durable declarations are gone.
    for (const declaration of this.declarations.values()) await declaration(channel);
    this.lastCloseReason = '';
    this.channel = channel;
    return channel;
  }

  private send(channel: ConfirmChannel, exchange: string, routingKey: string, body: Buffer, options: PublishOptions) {
    const entry: Mandatory | undefined = options.mandatory
      ? { exchange, routingKey, body, returned: false }
      : undefined;
    if (entry) this.mandatory.push(entry);
    return new Promise<void>((resolve, reject) => {
      const settle = (err: unknown) => {
        if (entry) this.mandatory = this.mandatory.filter((m) => m !== entry);
        if (err instanceof MeterflowError) reject(err);
        else if (err) reject(this.notConfirmed(err, exchange, routingKey));
        else if (entry?.returned) reject(unroutable(exchange, routingKey));
        else resolve();
      };
      try {
        channel.publish(exchange, routingKey, body, properties(options), settle);
      } catch (err) {
        this.unsent(channel, settle);
        settle(refused(err, exchange, routingKey));
      }
    });
  }

  /**
   * amqplib's ConfirmChannel.publish queues the confirm callback before it encodes the message,
   * so after a synchronous throw (nothing was sent) the callback holds the slot of the next
   * publish's confirm, and every later confirm would settle the publish before its own. The
   * callback is the newest in the window (publish is synchronous): take it out again. Should
   * amqplib's window ever look different, close the channel instead: its in-flight publishes fail
   * as unconfirmed (retriable) rather than being settled by another message's confirm.
   */
  private unsent(channel: ConfirmChannel, settle: (err: unknown) => void): void {
    const window = (channel as unknown as { unconfirmed?: unknown }).unconfirmed;
    if (Array.isArray(window) && window.at(-1) === settle) {
      window.pop();
      return;
    }
    this.logger.warn({}, 'publish failed inside amqplib; closing the publisher channel to keep confirms in step');
    if (this.channel === channel) this.channel = undefined;
    channel.close().catch(() => undefined);
  }

  /** basic.return precedes the confirm of the same message, and returns come in publish order. */
  private onReturn(msg: Message): void {
    const { exchange, routingKey } = msg.fields;
    const entry = this.mandatory.find(
      (m) => !m.returned && m.exchange === exchange && m.routingKey === routingKey && m.body.equals(msg.content),
    );
    if (entry) entry.returned = true;
  }

  private notConfirmed(err: unknown, exchange: string, routingKey: string): MeterflowError {
    const nacked = err instanceof Error && err.message === 'message nacked';
    const why = nacked ? 'nacked by the broker' : `not confirmed: ${this.lastCloseReason || String(err)}`;
    return new MeterflowError(
      nacked ? 'amqp_nacked' : 'amqp_unconfirmed',
      `publish to ${exchange}/${routingKey} ${why}`,
      {
        retriable: true,
        cause: err,
      },
    );
  }

  private async acquire(): Promise<void> {
    while (this.pending >= this.maxInFlight && !this.closed) {
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
    if (this.closed) throw new MeterflowError('publisher_closed', 'publisher is closed');
    this.pending += 1;
  }

  private release(): void {
    this.pending -= 1;
    this.waiters.shift()?.();
  }
}

function unroutable(exchange: string, routingKey: string): MeterflowError {
  return new MeterflowError('amqp_unroutable', `publish to ${exchange}/${routingKey} was not routed to any queue`, {
    retriable: true,
  });
}

/**
 * A synchronous throw of amqplib's publish: the message could not be encoded (a header value or
 * name amqplib cannot encode), which no retry changes; or the channel is closing
 * (IllegalOperationError), which a new channel heals.
 */
function refused(err: unknown, exchange: string, routingKey: string): MeterflowError {
  const closing = err instanceof Error && err.name === 'IllegalOperationError';
  return new MeterflowError(
    closing ? 'amqp_unconfirmed' : 'amqp_publish_invalid',
    `publish to ${exchange}/${routingKey} ${closing ? 'not sent' : 'refused'}: ${redactUrls(String(err))}`,
    { retriable: closing, cause: err },
  );
}
