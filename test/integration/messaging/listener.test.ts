import t from 'tap';
import {
  listBindings,
  listExchanges,
  listQueues,
  privateVhost,
  rawChannel,
  requireBroker,
  waitFor,
} from '../../helpers/broker.js';
import { gate, listenerOptions, Recorder, startListener, topology, transport } from './fixtures.js';

if (await requireBroker(t)) {
  const { vhost, url } = await privateVhost(t);

  t.test('declares the topology exactly as oslo.messaging does', async (t) => {
    const options = listenerOptions({ topology: topology(false, ['audit', 'info', 'sample']) });
    await startListener(t, [transport(t, url)], options);
    const { exchanges: xs, queues: qs } = options.topology;

    const exchanges = (await listExchanges(vhost)).filter((x) => xs.includes(String(x.name)));
    t.same(
      exchanges.map((x) => [x.type, x.durable, x.auto_delete]),
      xs.map(() => ['topic', false, false]),
      'topic exchanges, durable per amqp_durable_queues, never auto-deleted',
    );
    const queues = (await listQueues(vhost)).filter((q) => qs.some((s) => s.name === q.name));
    t.equal(queues.length, 3);
    for (const q of queues)
      t.same([q.durable, q.auto_delete, q.arguments, q.consumers], [false, false, {}, 1], `${q.name}`);
    const bindings = (await listBindings(vhost)).filter((b) => xs.includes(String(b.source_name)));
    t.same(
      bindings.map((b) => `${b.source_name}>${b.destination_name}:${b.routing_key}`).sort(),
      xs.flatMap((x) => qs.map((q) => `${x}>${q.name}:${q.routingKey}`)).sort(),
      'each queue bound to each exchange with its own name',
    );
    const failure = await listQueues(vhost);
    const retryQueue = failure.find((q) => q.name === options.retry.queue);
    t.same(
      retryQueue?.arguments,
      { 'x-dead-letter-exchange': '' },
      'retries dead-letter back via the default exchange',
    );
    t.same(failure.find((q) => q.name === options.deadLetter.queue)?.durable, true, 'durable dead-letter queue');
  });

  t.test('accepts queues a real OpenStack service declared first', async (t) => {
    const options = listenerOptions({ topology: topology(false, ['info']) });
    const { ch } = await rawChannel(t, url);
    await ch.assertQueue(options.topology.queues[0]!.name, { durable: false, autoDelete: false });
    await startListener(t, [transport(t, url)], options);
    t.pass('no PRECONDITION_FAILED: flags and arguments are equivalent');
  });

  t.test('batches by size, then by timeout counted from the first message', async (t) => {
    const options = listenerOptions({ batchSize: 4, batchTimeout: 0.3 });
    const { recorder } = await startListener(t, [transport(t, url)], options);
    const publisher = transport(t, url).publisher();
    const [info, error] = options.topology.queues;
    const sends = [0, 1, 2, 3, 4, 5].map((i) =>
      publisher.publish(options.topology.exchanges[i % 2]!, (i < 3 ? info : error)!.routingKey, Buffer.from(`m${i}`)),
    );
    await Promise.all(sends);
    const firstAt = Date.now();
    await waitFor('two batches', () => recorder.batches.length === 2);
    t.same(
      recorder.batches.map((b) => b.length),
      [4, 2],
      'a full batch at once, the rest when the timeout ran out',
    );
    t.ok(Date.now() - firstAt >= 250, 'the partial batch waited for batch_timeout');
    t.same(recorder.bodies().sort(), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'], 'collected across queues and exchanges');
    const d = recorder.deliveries.find((x) => x.body.toString() === 'm4')!;
    t.match(d, {
      queue: error!.name,
      routingKey: error!.routingKey,
      exchange: options.topology.exchanges[0],
      transport: 0,
    });
  });

  t.test('prefetch bounds unacked deliveries; batches go one at a time; acked after the outcome', async (t) => {
    const options = listenerOptions({
      topology: topology(false, ['info']),
      prefetch: 3,
      batchSize: 10,
      batchTimeout: 0.05,
    });
    const queue = options.topology.queues[0]!;
    const hold = gate();
    let concurrent = 0;
    let maxConcurrent = 0;
    const recorder = new Recorder();
    recorder.decide = async (batch) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await hold.wait;
      concurrent -= 1;
      return { ack: [...batch], retry: [], deadLetter: [] };
    };
    await startListener(t, [transport(t, url)], options, recorder);
    const publisher = transport(t, url).publisher();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        publisher.publish(options.topology.exchanges[0]!, queue.routingKey, Buffer.from(`p${i}`)),
      ),
    );

    await waitFor('the first batch', () => recorder.batches.length === 1);
    const held = await waitFor('queue stats', async () => {
      const q = (await listQueues(vhost)).find((x) => x.name === queue.name);
      return q && Number(q.messages) === 8 ? q : undefined;
    });
    t.equal(held.messages, 8, 'nothing acked while the handler works');
    t.equal(recorder.batches[0]!.length, 3, 'only `prefetch` deliveries were sent to the consumer');
    hold.open();
    await waitFor('all eight', () => recorder.deliveries.length === 8);
    t.equal(maxConcurrent, 1, 'strictly one batch at a time');
    await waitFor(
      'queue empty',
      async () => Number((await listQueues(vhost)).find((x) => x.name === queue.name)?.messages) === 0,
    );
    t.pass('every message acked after its outcome');
  });

  t.test('stop: in-flight batch settles, buffered deliveries go back to the queue', async (t) => {
    const options = listenerOptions({
      topology: topology(false, ['info']),
      prefetch: 10,
      batchSize: 2,
      batchTimeout: 0.05,
    });
    const queue = options.topology.queues[0]!;
    const hold = gate();
    const recorder = new Recorder();
    recorder.decide = async (batch) => {
      await hold.wait;
      return { ack: [...batch], retry: [], deadLetter: [] };
    };
    const { listener } = await startListener(t, [transport(t, url)], options, recorder);
    const publisher = transport(t, url).publisher();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        publisher.publish(options.topology.exchanges[0]!, queue.routingKey, Buffer.from(`s${i}`)),
      ),
    );
    await waitFor('the first batch', () => recorder.batches.length === 1);
    const stopped = listener.stop();
    hold.open();
    await stopped;
    t.equal(recorder.batches.length, 1, 'no batch handed out after stop');
    const q = await waitFor('requeued', async () => {
      const x = (await listQueues(vhost)).find((y) => y.name === queue.name);
      return x && Number(x.messages) === 4 && Number(x.consumers) === 0 ? x : undefined;
    });
    t.equal(q.messages, 4, 'the in-flight 2 acked, the other 4 back in the queue');
  });
}
