import { MeterflowError } from '../../../src/errors.js';
import type { ConfirmPublisher, PublishOptions } from '../../../src/messaging/types.js';

export interface PublishedMessage {
  exchange: string;
  routingKey: string;
  body: Buffer;
  options: PublishOptions | undefined;
}

export type Declaration =
  | { kind: 'exchange'; name: string; durable: boolean; type: string }
  | { kind: 'queue'; name: string; durable: boolean; bindings: { exchange: string; routingKey: string }[] };

/**
 * In-memory ConfirmPublisher: records confirmed messages and declarations in call order.
 * `failNext(n)` makes the next n publishes reject with a retriable error (as a nack would);
 * `failWhen` rejects every publish it matches; `failDeclarations` rejects declarations.
 */
export class FakeConfirmPublisher implements ConfirmPublisher {
  readonly published: PublishedMessage[] = [];
  readonly attempts: PublishedMessage[] = [];
  readonly declarations: Declaration[] = [];
  failuresLeft = 0;
  failWhen: ((m: PublishedMessage) => boolean) | undefined;
  failDeclarations = 0;
  failError: () => Error = () => new MeterflowError('amqp_nacked', 'nacked by the broker', { retriable: true });
  closed = 0;

  failNext(n: number): this {
    this.failuresLeft = n;
    return this;
  }

  async publish(exchange: string, routingKey: string, body: Buffer, options?: PublishOptions): Promise<void> {
    const message = { exchange, routingKey, body, options };
    this.attempts.push(message);
    if (this.closed > 0) throw new MeterflowError('publisher_closed', 'publisher is closed');
    await Promise.resolve();
    if (this.failuresLeft > 0 || this.failWhen?.(message)) {
      this.failuresLeft = Math.max(0, this.failuresLeft - 1);
      throw this.failError();
    }
    this.published.push(message);
  }

  async assertExchange(
    name: string,
    options: { durable: boolean; type?: 'topic' | 'direct' | 'fanout' },
  ): Promise<void> {
    await this.declare({ kind: 'exchange', name, durable: options.durable, type: options.type ?? 'topic' });
  }

  async assertQueue(
    name: string,
    options: { durable: boolean; bindings?: { exchange: string; routingKey: string }[] },
  ): Promise<void> {
    await this.declare({ kind: 'queue', name, durable: options.durable, bindings: options.bindings ?? [] });
  }

  async close(): Promise<void> {
    this.closed += 1;
  }

  /** Bodies of the confirmed messages as text. */
  bodies(): string[] {
    return this.published.map((m) => m.body.toString('utf8'));
  }

  private async declare(declaration: Declaration): Promise<void> {
    if (this.failDeclarations > 0) {
      this.failDeclarations -= 1;
      throw new MeterflowError('amqp_declare_failed', `declaring ${declaration.name} failed`);
    }
    this.declarations.push(declaration);
  }
}
