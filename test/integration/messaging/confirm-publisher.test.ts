import t from 'tap';
import { MeterflowError } from '../../../src/errors.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { privateVhost, type Tap, rawChannel, requireBroker, unique, waitFor } from '../../helpers/broker.js';
import { transport } from './fixtures.js';

if (await requireBroker(t)) {
  const { url } = await privateVhost(t);

  async function setup(t: Tap, maxInFlight?: number) {
    const publisher = transport(t, url).publisher({ maxInFlight });
    const exchange = unique('x');
    const queue = unique('q');
    await publisher.assertExchange(exchange, { durable: false });
    await publisher.assertQueue(queue, { durable: false, bindings: [{ exchange, routingKey: queue }] });
    const { ch } = await rawChannel(t, url);
    return { publisher, exchange, queue, ch };
  }

  t.test('confirmed publishes arrive with their properties', async (t) => {
    const { publisher, exchange, queue, ch } = await setup(t);
    await publisher.publish(exchange, queue, Buffer.from('hello'), {
      headers: { h: 1 },
      contentType: 'application/json',
    });
    const m = await ch.get(queue, { noAck: true });
    t.ok(m);
    if (m) t.match(m.properties, { headers: { h: 1 }, contentType: 'application/json', deliveryMode: 2 });
    await publisher.assertExchange(exchange, { durable: false });
    t.pass('declarations are cached (idempotent)');
  });

  t.test('a deleted queue: the mandatory publish is unroutable until it is declared again', async (t) => {
    const { publisher, queue, ch } = await setup(t);
    await publisher.assertQueue(`${queue}-d`, { durable: true });
    await ch.deleteQueue(`${queue}-d`);
    const err = await publisher
      .publish('', `${queue}-d`, Buffer.from('x'), { mandatory: true })
      .catch((e: unknown) => e);
    t.match(err, { code: 'amqp_unroutable', retriable: true });
    await publisher.assertQueue(`${queue}-d`, { durable: true });
    const still = await publisher
      .publish('', `${queue}-d`, Buffer.from('x'), { mandatory: true })
      .catch((e: unknown) => e);
    t.match(still, { code: 'amqp_unroutable' }, 'a cached declaration does not run again');
    await publisher.assertQueue(`${queue}-d`, { durable: true, again: true });
    await publisher.publish('', `${queue}-d`, Buffer.from('y'), { mandatory: true });
    const m = await ch.get(`${queue}-d`, { noAck: true });
    t.equal(m && m.content.toString(), 'y', 'routed once declared again');
    await ch.deleteQueue(`${queue}-d`);
  });

  t.test('a nack rejects the publish with a retriable error', async (t) => {
    const { publisher, exchange, ch } = await setup(t);
    const full = unique('full');
    await ch.assertQueue(full, { arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await ch.bindQueue(full, exchange, full);
    await publisher.publish(exchange, full, Buffer.from('1'));
    const err = await publisher.publish(exchange, full, Buffer.from('2')).catch((e: unknown) => e);
    t.type(err, MeterflowError);
    t.match(err, { code: 'amqp_nacked', retriable: true });
  });

  t.test('in-flight publishes are bounded; extra publishes wait', async (t) => {
    const { publisher, exchange, queue, ch } = await setup(t, 2);
    let max = 0;
    const sends = Array.from({ length: 30 }, (_, i) => {
      const p = publisher.publish(exchange, queue, Buffer.from(String(i))).then(() => {
        max = Math.max(max, publisher.inFlight);
      });
      max = Math.max(max, publisher.inFlight);
      return p;
    });
    await Promise.all(sends);
    t.ok(max <= 2, `never more than 2 in flight (saw ${max})`);
    t.equal((await ch.checkQueue(queue)).messageCount, 30, 'all confirmed and delivered');
  });

  t.test('mandatory: an unroutable message is rejected', async (t) => {
    const { publisher, exchange, queue } = await setup(t);
    const err = await publisher
      .publish(exchange, 'nobody', Buffer.from('x'), { mandatory: true })
      .catch((e: unknown) => e);
    t.match(err, { code: 'amqp_unroutable' });
    await publisher.publish(exchange, queue, Buffer.from('x'), { mandatory: true });
    t.pass('a routable mandatory publish is confirmed');
  });

  t.test('a channel closed by a channel error is rebuilt with its declarations', async (t) => {
    const { publisher, exchange, queue, ch } = await setup(t);
    const err = await publisher.publish(unique('missing'), 'k', Buffer.from('x')).catch((e: unknown) => e);
    t.match(err, { code: 'amqp_unconfirmed', retriable: true, message: /NOT_FOUND/ });
    await ch.deleteQueue(queue);
    await ch.deleteExchange(exchange);
    await publisher.publish(exchange, queue, Buffer.from('after'), { mandatory: true });
    t.equal((await ch.checkQueue(queue)).messageCount, 1, 'new channel, exchange and queue declared again');
  });

  t.test('inequivalent declarations fail clearly; close() waits for confirms, then refuses', async (t) => {
    const { publisher, exchange, queue } = await setup(t);
    await t.rejects(publisher.assertExchange(exchange, { durable: true }), { code: 'amqp_declare_failed' });
    await publisher.publish(exchange, queue, Buffer.from('still works'));
    await publisher.close();
    await t.rejects(publisher.publish(exchange, queue, Buffer.from('x')), { code: 'publisher_closed' });
  });

  t.test('credentials never reach logs or errors', async (t) => {
    const logger = new MemoryLogger();
    const base = /^[a-z]+:\/\/[^/]*@([^/]*)/.exec(url)![1];
    const tr = transport(t, `amqp://guest:s3cr3t-pw@${base}/x`, logger);
    tr.connection().catch(() => undefined);
    await waitFor('a failed connect logged', () => logger.records.some((r) => r.msg === 'AMQP connect failed'));
    await tr.close();
    const text = JSON.stringify(logger.records) + tr.description;
    t.notMatch(text, /s3cr3t-pw/);
    t.match(tr.description, /\*\*\*@/);
  });
}
