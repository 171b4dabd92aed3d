import t from 'tap';
import { HEADERS } from '../../../src/messaging/types.js';
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
}
