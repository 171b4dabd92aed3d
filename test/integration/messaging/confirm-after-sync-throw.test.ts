import t from 'tap';
import { privateVhost, rawChannel, requireBroker, unique } from '../../helpers/broker.js';
import { transport } from './fixtures.js';

/**
 * amqplib's ConfirmChannel.publish queues the confirm callback before it encodes the message. A
 * publish that amqplib refuses synchronously (nothing is sent) must not leave that callback in the
 * channel's confirm window: every later confirm would settle the publish made before it (a nack
 * reported as success, and close() waiting for a confirm that never comes).
 */
if (await requireBroker(t)) {
  const { url } = await privateVhost(t);

  /** How `p` ended within `ms` ('pending' if it did not): a deadline, not a sleep. */
  function within(p: Promise<unknown>, ms = 5000): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`pending after ${ms} ms`), ms);
    });
    const ended = p.then(
      () => 'confirmed',
      (e: { code?: string }) => `rejected ${e.code}`,
    );
    return Promise.race([ended, late]).finally(() => clearTimeout(timer));
  }

  const refusals: { what: string; routingKey: string; headers: Record<string, unknown> }[] = [
    // Refused by meterflow before amqplib sees them.
    { what: 'a routing key over 255 bytes', routingKey: 'k'.repeat(300), headers: {} },
    { what: 'headers over amqplib’s 64 KiB', routingKey: 'k', headers: { big: 'x'.repeat(70_000) } },
    // Thrown by amqplib's encoder, after it queued the confirm callback.
    { what: 'a header amqplib cannot encode', routingKey: 'k', headers: { n: 1n } },
  ];

  for (const { what, routingKey, headers } of refusals) {
    t.test(`after a publish refused for ${what}, confirms settle their own publish`, async (t) => {
      const tr = transport(t, url);
      const publisher = tr.publisher();
      const exchange = unique('x');
      const ok = unique('ok');
      const full = unique('full');
      await publisher.assertExchange(exchange, { durable: false });
      await publisher.assertQueue(ok, { durable: false, bindings: [{ exchange, routingKey: ok }] });
      const { ch } = await rawChannel(t, url);
      // Every publish routed to `full` is nacked by the broker.
      await ch.assertQueue(full, {
        autoDelete: false,
        arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' },
      });
      await ch.bindQueue(full, exchange, full);

      const refused = publisher.publish(exchange, routingKey, Buffer.from('bad'), { headers });
      t.equal(await within(refused), 'rejected amqp_publish_invalid', 'refused, and not retriable');
      t.match(await refused.catch((e: unknown) => e), { retriable: false });

      const nacked = publisher.publish(exchange, full, Buffer.from('nack me'));
      const acked = publisher.publish(exchange, ok, Buffer.from('ack me'));
      t.equal(await within(nacked), 'rejected amqp_nacked', 'the nacked publish is rejected');
      t.equal(await within(acked), 'confirmed', 'the acked publish resolves');
      t.equal(await within(publisher.close()), 'confirmed', 'close() waits for no stray confirm');
      const m = await ch.get(ok, { noAck: true });
      if (!m) throw new Error('the queue is empty');
      t.equal(m.content.toString(), 'ack me');
    });
  }
}
