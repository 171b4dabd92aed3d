import t from 'tap';
import { createBatchListener } from '../../../src/messaging/listener.js';
import type { BatchListener, ListenerOptions } from '../../../src/messaging/types.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { listQueues, privateVhost, requireBroker, type Tap, unique, waitFor } from '../../helpers/broker.js';
import { gate, listenerOptions, Recorder, transport } from './fixtures.js';

if (await requireBroker(t)) {
  const { vhost, url } = await privateVhost(t);

  /** A stage-2 listener's options: one durable partition queue, consumed exclusively. */
  const partitionOptions = (queue: string): ListenerOptions =>
    listenerOptions({
      topology: { exchanges: [], queues: [{ name: queue, routingKey: queue }], durable: true },
      exclusive: true,
      batchSize: 10,
      batchTimeout: 0.05,
    });

  /** A listener on its own connection (as another worker process would have), torn down with abort. */
  function listener(t: Tap, options: ListenerOptions, logger = new MemoryLogger()): BatchListener {
    const l = createBatchListener([transport(t, url, logger)], options, logger);
    t.teardown(() => l.abort());
    return l;
  }

  const refused = (logger: MemoryLogger) =>
    logger.records.some((r) => r.msg === 'consumer setup failed' && /ACCESS_REFUSED|exclusive/i.test(String(r.error)));

  async function publish(t: Tap, queue: string, bodies: string[]): Promise<void> {
    const publisher = transport(t, url).publisher();
    await publisher.assertQueue(queue, { durable: true }); // as stage 1 declares partition queues
    for (const body of bodies) await publisher.publish('', queue, Buffer.from(body), { mandatory: true });
    await publisher.close();
  }

  const consumersOf = async (queue: string) => (await listQueues(vhost)).find((q) => q.name === queue)?.consumers;

  t.test('a second exclusive listener gets nothing while the first lives; it takes over after abort()', async (t) => {
    const queue = unique('mf-pipe-cpu-0');
    const options = partitionOptions(queue);
    const first = new Recorder();
    const a = listener(t, options);
    await a.start(first.handler);

    const second = new Recorder();
    const secondLogger = new MemoryLogger();
    const b = listener(t, options, secondLogger);
    let secondStarted = false;
    const starting = b.start(second.handler).then(() => {
      secondStarted = true;
    });
    await waitFor('the second consumer refused by the broker', () => refused(secondLogger));

    await publish(t, queue, ['m1', 'm2', 'm3', 'm4', 'm5']);
    await waitFor('the first listener got all five', () => first.deliveries.length === 5);
    t.same(first.bodies(), ['m1', 'm2', 'm3', 'm4', 'm5'], 'in queue order');
    t.same(second.deliveries, [], 'the second listener got nothing');
    t.equal(secondStarted, false, 'and its start() has not resolved');
    t.equal(await consumersOf(queue), 1, 'one consumer on the queue');

    await a.abort();
    await starting;
    t.equal(secondStarted, true, 'the second consumer started once the first was gone');
    await publish(t, queue, ['m6', 'm7']);
    await waitFor('the second listener got the new messages', () => second.deliveries.length === 2);
    t.same(second.bodies(), ['m6', 'm7']);
    t.equal(first.deliveries.length, 5, 'the aborted listener gets nothing more');
    await waitFor('queue drained', async () => {
      const q = (await listQueues(vhost)).find((x) => x.name === queue);
      return q && Number(q.messages) === 0 && Number(q.consumers) === 1 ? q : undefined;
    });
  });

  t.test(
    'abort() gives unacked in-flight deliveries back to the next consumer; a late outcome is dropped',
    async (t) => {
      const queue = unique('mf-pipe-cpu-1');
      const options = partitionOptions(queue);
      const hold = gate();
      const first = new Recorder();
      first.decide = async (batch) => {
        await hold.wait;
        return { ack: [...batch], retry: [], deadLetter: [], requeue: [] };
      };
      const a = listener(t, options);
      await a.start(first.handler);
      await publish(t, queue, ['p1', 'p2', 'p3', 'p4']);
      await waitFor('the first batch in flight', () => first.deliveries.length === 4);

      const second = new Recorder();
      const secondLogger = new MemoryLogger();
      const b = listener(t, options, secondLogger);
      const starting = b.start(second.handler);
      await waitFor('the second consumer refused by the broker', () => refused(secondLogger));
      t.same(second.deliveries, []);

      await a.abort();
      await starting;
      await waitFor('the in-flight deliveries came back', () => second.deliveries.length === 4);
      t.same(second.bodies(), ['p1', 'p2', 'p3', 'p4'], 'in their queue order');
      t.ok(
        second.deliveries.every((d) => d.redelivered),
        'marked redelivered',
      );

      hold.open(); // the aborted listener's handler finishes now: its acks must go nowhere
      await waitFor('queue drained by the second consumer', async () => {
        const q = (await listQueues(vhost)).find((x) => x.name === queue);
        return q && Number(q.messages) === 0 ? q : undefined;
      });
      t.equal(second.deliveries.length, 4, 'no delivery was seen twice by the second consumer');
    },
  );

  t.test('a requeue outcome puts the deliveries back at the head of the queue, in order', async (t) => {
    const queue = unique('mf-pipe-cpu-2');
    const options = partitionOptions(queue);
    const seen = new Recorder();
    let attempts = 0;
    seen.decide = (batch) => {
      attempts += 1;
      return attempts === 1
        ? { ack: [], retry: [], deadLetter: [], requeue: [...batch] }
        : { ack: [...batch], retry: [], deadLetter: [], requeue: [] };
    };
    await publish(t, queue, ['r1', 'r2', 'r3']);
    await listener(t, options).start(seen.handler);
    await waitFor('the batch again', () => seen.batches.length >= 2 && seen.deliveries.length >= 6);
    t.same(
      seen.batches[0]?.map((d) => d.body.toString()),
      ['r1', 'r2', 'r3'],
    );
    t.same(
      seen.batches
        .slice(1)
        .flat()
        .map((d) => d.body.toString()),
      ['r1', 'r2', 'r3'],
      'redelivered in their original order',
    );
    t.ok(
      seen.batches
        .slice(1)
        .flat()
        .every((d) => d.redelivered),
    );
    const headers = seen.batches
      .slice(1)
      .flat()
      .map((d) => d.headers);
    t.same(headers, [{}, {}, {}], 'requeued in place, not republished through the retry queue');
  });
}
