import t from 'tap';
import { createBatchListener } from '../../../src/messaging/listener.js';
import { type BatchOutcome, type Delivery, HEADERS } from '../../../src/messaging/types.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { privateVhost, rabbitmqctl, rawChannel, requireBroker, waitFor } from '../../helpers/broker.js';
import { gate, listenerOptions, Recorder, topology, transport } from './fixtures.js';

/**
 * The consumer channel dies while a batch is in the handler. The broker redelivers the batch
 * (at-least-once for the batch in flight); a retry or dead-letter copy of a delivery of the dead
 * channel would make the message exist twice.
 */
if (await requireBroker(t)) {
  const { vhost, url } = await privateVhost(t);

  const outcomes: { kind: string; decide: (batch: readonly Delivery[]) => BatchOutcome }[] = [
    {
      kind: 'retry',
      decide: (batch) => ({
        ack: [],
        retry: batch.map((delivery) => ({ delivery, reason: 'publisher_failed' })),
        deadLetter: [],
      }),
    },
    {
      kind: 'dead letter',
      decide: (batch) => ({
        ack: [],
        retry: [],
        deadLetter: batch.map((delivery) => ({ delivery, reason: 'not_json', error: 'bad' })),
      }),
    },
  ];

  for (const { kind, decide } of outcomes) {
    t.test(`no ${kind} copy of a delivery whose channel died in the handler`, async (t) => {
      // A long retry delay: a retry copy would still be in the retry queue when the test looks.
      const options = listenerOptions({
        topology: topology(false, ['info']),
        batchSize: 1,
        batchTimeout: 0,
        retryBackoffMs: () => 600_000,
      });
      const queue = options.topology.queues[0]!;
      const exchange = options.topology.exchanges[0]!;
      const { ch } = await rawChannel(t, url);
      await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
      await ch.assertQueue(queue.name, { durable: false, autoDelete: false, exclusive: false });
      await ch.bindQueue(queue.name, exchange, queue.routingKey);
      ch.publish(exchange, queue.routingKey, Buffer.from('m'));

      const recorder = new Recorder();
      const held = gate();
      recorder.decide = async (batch) => {
        if (recorder.batches.length > 1) return { ack: [...batch], retry: [], deadLetter: [] };
        await held.wait; // the first delivery: a slow handler whose channel dies meanwhile
        return decide(batch);
      };
      const logs = new MemoryLogger();
      const listener = createBatchListener([transport(t, url, logs)], options, logs);
      let stopped = false;
      t.teardown(() => (stopped ? undefined : listener.stop()));
      await listener.start(recorder.handler);
      await waitFor('the first delivery in the handler', () => recorder.batches.length === 1);

      // A network blip: the broker drops the connection; the listener reconnects, m is redelivered.
      await rabbitmqctl(['-q', 'close_all_connections', '-p', vhost, 'test: forced close']);
      await waitFor('consuming again', () => logs.records.filter((r) => r.msg === 'consuming').length === 2);
      held.open();
      await waitFor('the redelivered original handled', () => recorder.batches.length === 2);
      // stop() waits for every outcome to settle: any copy has been confirmed by then.
      await listener.stop();
      stopped = true;
      const { ch: check } = await rawChannel(t, url); // the blip closed `ch` too

      t.same(recorder.bodies(), ['m', 'm'], 'the first delivery and its redelivery');
      t.notOk(
        recorder.deliveries.some((d) => d.headers[HEADERS.attempts] !== undefined),
        'no retry copy came back',
      );
      t.equal((await check.checkQueue(options.retry.queue)).messageCount, 0, 'no retry copy waits');
      t.equal((await check.checkQueue(options.deadLetter.queue)).messageCount, 0, 'no dead letter');
      t.equal((await check.checkQueue(queue.name)).messageCount, 0, 'the redelivered original was acked');
      t.ok(
        logs.records.some((r) => /not republishing deliveries of a lost channel/.test(r.msg)),
        'the skipped republish is logged',
      );
    });
  }
}
