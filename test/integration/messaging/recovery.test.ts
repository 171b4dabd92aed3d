import t from 'tap';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { listQueues, privateVhost, rabbitmqctl, rawChannel, requireBroker, waitFor } from '../../helpers/broker.js';
import { listenerOptions, Recorder, startListener, topology, transport } from './fixtures.js';

if (await requireBroker(t)) {
  const { vhost, url } = await privateVhost(t);

  t.test('listener channel killed by a channel error (double ack) is rebuilt', async (t) => {
    const options = listenerOptions({ topology: topology(false, ['info']), batchSize: 1, batchTimeout: 0.01 });
    const queue = options.topology.queues[0]!;
    const recorder = new Recorder();
    // The first outcome names its delivery twice: the second basic.ack is PRECONDITION_FAILED.
    recorder.decide = (batch) => ({
      ack: recorder.batches.length === 1 ? [...batch, ...batch] : [...batch],
      retry: [],
      deadLetter: [],
    });
    const logger = new MemoryLogger();
    await startListener(t, [transport(t, url)], options, recorder, logger);
    const publisher = transport(t, url).publisher();
    await publisher.publish(options.topology.exchanges[0]!, queue.routingKey, Buffer.from('one'));
    await waitFor('the channel error', () => logger.records.some((r) => /PRECONDITION_FAILED/.test(String(r.error))));
    await publisher.publish(options.topology.exchanges[0]!, queue.routingKey, Buffer.from('two'));
    await waitFor('consumed on the rebuilt channel', () => recorder.bodies().includes('two'));
    const { ch } = await rawChannel(t, url);
    await waitFor('all acked', async () => (await ch.checkQueue(queue.name)).messageCount === 0);
    t.same([...new Set(recorder.bodies())].sort(), ['one', 'two']);
  });

  t.test('consumer cancelled by the server (queue deleted): re-declared and consumed again', async (t) => {
    const options = listenerOptions({ topology: topology(false, ['info', 'error']), batchSize: 1, batchTimeout: 0.01 });
    const [info, error] = options.topology.queues;
    const { recorder } = await startListener(t, [transport(t, url)], options);
    const { ch } = await rawChannel(t, url);
    await ch.deleteQueue(info!.name);
    // Polled with rabbitmqctl: checkQueue on a missing queue would kill the test's channel.
    await waitFor('queue re-declared with a consumer', async () => {
      const q = (await listQueues(vhost)).find((x) => x.name === info!.name);
      return q?.consumers === 1;
    });
    t.equal((await ch.checkQueue(error!.name)).consumerCount, 1, 'the other consumer was left alone');
    for (const x of options.topology.exchanges) ch.publish(x, info!.routingKey, Buffer.from(`to-${x}`));
    await waitFor('consumed from the re-created queue', () => recorder.deliveries.length === 2);
    t.same(
      recorder.deliveries.map((d) => d.queue),
      [info!.name, info!.name],
      'bindings re-created on every exchange',
    );
  });

  t.test('connection closed by the broker: reconnect and consume again', async (t) => {
    const options = listenerOptions({ topology: topology(false, ['info']), batchSize: 1, batchTimeout: 0.01 });
    const queue = options.topology.queues[0]!;
    const logs = new MemoryLogger();
    const tr = transport(t, url, logs);
    const { recorder } = await startListener(t, [tr], options);
    // Only the connections of this file's private vhost are closed.
    await rabbitmqctl(['-q', 'close_all_connections', '-p', vhost, 'test: forced close']);
    const connects = () => logs.records.filter((r) => r.msg === 'AMQP connected').length;
    await waitFor('reconnected', () => connects() === 2 && tr.connected, 20_000);
    t.ok(logs.records.some((r) => /connection lost/.test(r.msg)));
    const { ch } = await rawChannel(t, url);
    await waitFor('consumer back', async () => (await ch.checkQueue(queue.name)).consumerCount === 1, 20_000);
    ch.publish(options.topology.exchanges[0]!, queue.routingKey, Buffer.from('after'));
    await waitFor('consumed after reconnect', () => recorder.bodies().includes('after'));
    t.pass();
  });
}
