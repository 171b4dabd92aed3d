/** Where `meterflow emit` sends messages: RabbitMQ (with confirms) or JSON lines (`--dry-run`). */
import type { Writable } from 'node:stream';
import { osloPublishOptions } from '../messaging/oslo-envelope.js';
import type { ConfirmPublisher } from '../messaging/types.js';
import type { EmitMessage } from './message.js';

export interface EmitSink {
  /** Resolves when the message is safe (confirmed by the broker, or written). */
  send(message: EmitMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * Publishes like oslo's notifier: declares the topic exchange and the queue named after the
 * routing key (`notifications.info`) bound to it, so messages wait for a consumer that does not
 * exist yet, then publishes with the AMQP properties oslo sets and waits for the confirm.
 */
export class AmqpEmitSink implements EmitSink {
  private readonly declared = new Map<string, Promise<void>>();

  constructor(
    private readonly publisher: ConfirmPublisher,
    private readonly durable = false,
  ) {}

  async send(message: EmitMessage): Promise<void> {
    await this.declare(message.exchange, message.routingKey);
    await this.publisher.publish(message.exchange, message.routingKey, message.body, osloPublishOptions());
  }

  close(): Promise<void> {
    return this.publisher.close();
  }

  private declare(exchange: string, routingKey: string): Promise<void> {
    const key = `${exchange}\u0000${routingKey}`;
    let done = this.declared.get(key);
    if (done === undefined) {
      const durable = this.durable;
      done = this.publisher
        .assertExchange(exchange, { durable, type: 'topic' })
        .then(() => this.publisher.assertQueue(routingKey, { durable, bindings: [{ exchange, routingKey }] }));
      done.catch(() => this.declared.delete(key));
      this.declared.set(key, done);
    }
    return done;
  }
}

/**
 * `--dry-run`: one line per message, the AMQP body (the oslo envelope) as it would be published;
 * `meterflow replay --input -` reads these lines. Waits for the stream to drain when it is full.
 */
export class LineEmitSink implements EmitSink {
  private broken = false;
  private draining: Promise<void> | undefined;

  /** `onBroken`: the reader went away (`emit --dry-run | head`); nothing more can be written. */
  constructor(
    private readonly out: Writable,
    onBroken?: () => void,
  ) {
    out.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      this.broken = true;
      onBroken?.();
    });
  }

  async send(message: EmitMessage): Promise<void> {
    // One waiter on a full stream; the others queue behind it, so lines keep their order.
    while (this.draining) await this.draining;
    if (this.broken) return;
    if (this.out.write(`${message.body.toString('utf8')}\n`)) return;
    this.draining = new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done).off('error', done);
        this.draining = undefined;
        resolve();
      };
      this.out.on('drain', done).on('error', done);
    });
  }

  async close(): Promise<void> {}
}
