import { EventEmitter } from 'node:events';
import type { ChannelModel } from 'amqplib';
import t from 'tap';
import { AmqpConfirmPublisher } from '../../../src/messaging/confirm-publisher.js';
import { MemoryLogger } from '../../../src/observability/logger.js';

type Confirm = (err: unknown) => void;

/**
 * The part of amqplib's ConfirmChannel the publisher touches: `publish` queues the confirm
 * callback in `unconfirmed` first, as amqplib does, then throws what `throws` returns (if any).
 */
class FakeChannel extends EventEmitter {
  unconfirmed: unknown[] = [];
  closed = 0;
  throws: (() => Error) | undefined;
  /** Stand-in for an amqplib whose window is no longer this array. */
  hideWindow = false;

  publish(_exchange: string, _key: string, _body: Buffer, _options: unknown, cb: Confirm): boolean {
    if (!this.hideWindow) this.unconfirmed.push(cb);
    const error = this.throws?.();
    if (error) throw error;
    return true;
  }

  async close(): Promise<void> {
    this.closed += 1;
    for (const cb of this.unconfirmed.splice(0)) (cb as Confirm)(new Error('channel closed'));
    this.emit('close');
  }

  async waitForConfirms(): Promise<void> {}
}

function setup() {
  const channels: FakeChannel[] = [];
  const model = {
    createConfirmChannel: async () => {
      const ch = new FakeChannel();
      channels.push(ch);
      return ch;
    },
  } as unknown as ChannelModel;
  const logger = new MemoryLogger();
  const publisher = new AmqpConfirmPublisher({ connection: async () => model }, logger, 10);
  return { publisher, channels, logger };
}

const outcome = (p: Promise<void>) =>
  p.then(
    () => 'confirmed',
    (e: { code?: string; retriable?: boolean }) => `${e.code} retriable=${e.retriable}`,
  );

t.test('a synchronous throw takes its confirm callback out of the window again', async (t) => {
  const { publisher, channels } = setup();
  await publisher.declareWith('none', async () => undefined);
  const ch = channels[0]!;
  const first = publisher.publish('x', 'k', Buffer.from('1'));
  await new Promise(setImmediate);
  t.equal(ch.unconfirmed.length, 1);
  ch.throws = () => new TypeError('Unknown type to encode: bigint');
  t.equal(await outcome(publisher.publish('x', 'k', Buffer.from('2'))), 'amqp_publish_invalid retriable=false');
  t.equal(ch.unconfirmed.length, 1, "only the first publish's callback is left");
  t.equal(ch.closed, 0, 'the channel stays');
  (ch.unconfirmed.shift() as Confirm)(null);
  t.equal(await outcome(first), 'confirmed');
});

t.test('a channel that is closing: the publish fails retriably', async (t) => {
  const { publisher, channels } = setup();
  await publisher.declareWith('none', async () => undefined);
  const ch = channels[0]!;
  ch.throws = () => Object.assign(new Error('Channel closing'), { name: 'IllegalOperationError' });
  t.equal(await outcome(publisher.publish('x', 'k', Buffer.from('1'))), 'amqp_unconfirmed retriable=true');
  t.same(ch.unconfirmed, []);
});

t.test('a window that does not look like amqplib 0.10’s: the channel is closed instead', async (t) => {
  const { publisher, channels, logger } = setup();
  await publisher.declareWith('none', async () => undefined);
  const ch = channels[0]!;
  const first = publisher.publish('x', 'k', Buffer.from('1'));
  await new Promise(setImmediate);
  ch.hideWindow = true;
  ch.throws = () => new TypeError('Unknown type to encode: bigint');
  t.equal(await outcome(publisher.publish('x', 'k', Buffer.from('2'))), 'amqp_publish_invalid retriable=false');
  t.equal(ch.closed, 1, 'closed');
  t.equal(await outcome(first), 'amqp_unconfirmed retriable=true', 'the publish in flight fails, retriably');
  t.ok(logger.records.some((r) => /closing the publisher channel/.test(r.msg)));
  ch.hideWindow = false;
  ch.throws = undefined;
  const next = publisher.publish('x', 'k', Buffer.from('3'));
  await new Promise(setImmediate);
  t.equal(channels.length, 2, 'the next publish opens a new channel');
  (channels[1]!.unconfirmed.shift() as Confirm)(null);
  t.equal(await outcome(next), 'confirmed');
});

t.test('declareWith runs once per key, and again on every new channel', async (t) => {
  const { publisher, channels } = setup();
  let runs = 0;
  const declare = async () => {
    runs += 1;
  };
  await publisher.declareWith('k', declare);
  await publisher.declareWith('k', declare);
  t.equal(runs, 1, 'cached');
  await channels[0]!.close();
  const p = publisher.publish('x', 'k', Buffer.from('1'));
  await new Promise(setImmediate);
  t.equal(runs, 2, 'replayed on the new channel');
  (channels[1]!.unconfirmed.shift() as Confirm)(null);
  await p;
});
