import t from 'tap';
import { createBatchListener } from '../../../src/messaging/listener.js';
import { HEADERS } from '../../../src/messaging/types.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { privateVhost, type Tap, rawChannel, requireBroker, waitFor } from '../../helpers/broker.js';
import { listenerOptions, Recorder, startListener, topology, transport } from './fixtures.js';

if (await requireBroker(t)) {
  const { url } = await privateVhost(t);

  /** Drain a queue with basic.get until `count` messages were read. */
  async function readAll(t: Tap, queue: string, count: number) {
    const { ch } = await rawChannel(t, url);
    const got: Awaited<ReturnType<typeof ch.get>>[] = [];
    await waitFor(`${count} messages in ${queue}`, async () => {
      const m = await ch.get(queue, { noAck: true });
      if (m) got.push(m);
      return got.length >= count;
    });
    return got.filter((m) => m !== false);
  }

  t.test('retry with attempts and backoff, then dead-letter after maxRetries', async (t) => {
    const options = listenerOptions({ topology: topology(false, ['info']), maxRetries: 2, batchTimeout: 0.01 });
    const backoffs: number[] = [];
    options.retryBackoffMs = (attempt) => {
      backoffs.push(attempt);
      return 20 * attempt;
    };
    const recorder = new Recorder();
    recorder.decide = (batch) => ({
      ack: [],
      retry: batch.map((delivery) => ({ delivery, reason: 'publisher_down' })),
      deadLetter: [],
    });
    await startListener(t, [transport(t, url)], options, recorder);
    const queue = options.topology.queues[0]!;
    const exchange = options.topology.exchanges[1]!;
    const publisher = transport(t, url).publisher();
    await publisher.publish(exchange, queue.routingKey, Buffer.from('{"x":1}'), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });

    const [dead] = await readAll(t, options.deadLetter.queue, 1);
    t.equal(recorder.deliveries.length, 3, 'first delivery + 2 retries');
    t.same(
      recorder.deliveries.map((d) => d.queue),
      [queue.name, queue.name, queue.name],
      'each retry came back to its queue',
    );
    t.same(
      recorder.deliveries.map((d) => d.headers[HEADERS.attempts] ?? 0),
      [0, 1, 2],
    );
    t.same(backoffs, [1, 2], 'retryBackoffMs asked per attempt');
    t.equal(dead!.content.toString(), '{"x":1}', 'body unchanged');
    t.match(dead!.properties, { contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 2 });
    t.match(dead!.properties.headers, {
      [HEADERS.reason]: 'retries_exhausted',
      [HEADERS.error]: /publisher_down/,
      [HEADERS.attempts]: 2,
      [HEADERS.originalExchange]: exchange,
      [HEADERS.originalRoutingKey]: queue.routingKey,
      [HEADERS.originalQueue]: queue.name,
    });
    t.equal(dead!.fields.routingKey, queue.routingKey, 'dead letters keep the original routing key');
  });

  t.test('dead-letter at once with reason and error; the rest acked', async (t) => {
    const options = listenerOptions({ topology: topology(false, ['info']), batchSize: 2, batchTimeout: 5 });
    const recorder = new Recorder();
    recorder.decide = (batch) => ({
      ack: batch.filter((d) => d.body.toString() === 'good'),
      retry: [],
      deadLetter: batch
        .filter((d) => d.body.toString() !== 'good')
        .map((delivery) => ({ delivery, reason: 'not_json', error: 'Unexpected token b in amqp://u:secret@h' })),
    });
    await startListener(t, [transport(t, url)], options, recorder);
    const queue = options.topology.queues[0]!;
    const publisher = transport(t, url).publisher();
    await publisher.publish(options.topology.exchanges[0]!, queue.routingKey, Buffer.from('bad'), {
      headers: { mine: 'kept' },
    });
    await publisher.publish(options.topology.exchanges[0]!, queue.routingKey, Buffer.from('good'));
    const [dead] = await readAll(t, options.deadLetter.queue, 1);
    t.equal(dead!.content.toString(), 'bad');
    t.match(dead!.properties.headers, {
      [HEADERS.reason]: 'not_json',
      mine: 'kept',
      [HEADERS.originalQueue]: queue.name,
    });
    t.notMatch(String(dead!.properties.headers?.[HEADERS.error]), /secret/, 'credentials never copied into headers');
    const { ch } = await rawChannel(t, url);
    await waitFor('source queue drained', async () => (await ch.checkQueue(queue.name)).messageCount === 0);
    t.equal(recorder.batches.length, 1);
  });

  t.test('a handler that throws: the whole batch is retried', async (t) => {
    const options = listenerOptions({
      topology: topology(false, ['info']),
      batchSize: 3,
      batchTimeout: 5,
      maxRetries: 5,
    });
    const recorder = new Recorder();
    let calls = 0;
    recorder.decide = (batch) => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return { ack: [...batch], retry: [], deadLetter: [] };
    };
    await startListener(t, [transport(t, url)], options, recorder);
    const queue = options.topology.queues[0]!;
    const publisher = transport(t, url).publisher();
    for (const b of ['a', 'b', 'c'])
      await publisher.publish(options.topology.exchanges[0]!, queue.routingKey, Buffer.from(b));
    await waitFor('the retried batch', () => recorder.batches.length === 2);
    t.same(recorder.batches[1]!.map((d) => d.body.toString()).sort(), ['a', 'b', 'c']);
    t.ok(
      recorder.batches[1]!.every(
        (d) => d.headers[HEADERS.attempts] === 1 && d.headers[HEADERS.reason] === 'handler_error',
      ),
    );
  });

  t.test('multiple acks never cover a lower delivery still waiting for its retry confirm', async (t) => {
    const options = listenerOptions({ topology: topology(false, ['info']), batchSize: 5, batchTimeout: 0.01 });
    const queue = options.topology.queues[0]!;
    const exchange = options.topology.exchanges[0]!;
    const publisher = transport(t, url).publisher();
    const { ch } = await rawChannel(t, url);
    await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
    await ch.assertQueue(queue.name, { durable: false, autoDelete: false, exclusive: false });
    await ch.bindQueue(queue.name, exchange, queue.routingKey);
    // Queued before the listener starts: one delivery stream, tags 1..10 in body order.
    for (let i = 1; i <= 10; i++) await publisher.publish(exchange, queue.routingKey, Buffer.from(`m${i}`));
    const recorder = new Recorder();
    recorder.decide = (batch) => {
      // The lowest delivery of the first batch is retried: the acks of m2..m5 (and of the next
      // batch) go out while it is unacked, so none of them may be a multiple ack reaching it.
      const first = batch.find((d) => d.body.toString() === 'm1' && !d.headers[HEADERS.attempts]);
      return {
        ack: batch.filter((d) => d !== first),
        retry: first ? [{ delivery: first, reason: 'publisher_down' }] : [],
        deadLetter: [],
      };
    };
    const logger = new MemoryLogger();
    const tr = transport(t, url, logger);
    const listener = createBatchListener([tr], options, logger);
    await listener.start(recorder.handler);
    await waitFor('m1 back from the retry queue', () => recorder.deliveries.length === 11);
    await new Promise((r) => setTimeout(r, 100));
    await listener.stop();
    t.same(
      recorder.bodies(),
      ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm1'],
      'every message once, the retried one twice',
    );
    t.same(
      recorder.batches.slice(0, 2).map((b) => b.length),
      [5, 5],
    );
    t.notOk(
      logger.records.some((r) => /channel error|PRECONDITION/.test(`${r.msg} ${String(r.error)}`)),
      'no double ack, no unknown delivery tag',
    );
    t.equal((await ch.checkQueue(queue.name)).messageCount, 0, 'everything acked, nothing requeued at stop');
    t.equal((await ch.checkQueue(options.retry.queue)).messageCount, 0);
  });
}
