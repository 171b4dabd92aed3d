import t from 'tap';
import { waitFor } from '../../helpers/broker.js';
import { startPrivateBroker } from '../../helpers/private-broker.js';
import { gate, listenerOptions, Recorder, startListener, topology, transport } from './fixtures.js';

// A broker of our own on spare ports: restarting the shared one would disturb every other test.
t.test('broker restart: nothing lost, duplicates at most the in-flight batch', async (t) => {
  const broker = await startPrivateBroker();
  t.teardown(() => broker.dispose());
  const options = listenerOptions({
    topology: topology(true, ['info']),
    batchSize: 5,
    batchTimeout: 0.05,
    prefetch: 10,
  });
  const queue = options.topology.queues[0]!;
  const exchange = options.topology.exchanges[0]!;

  const inFlight = gate();
  const recorder = new Recorder();
  recorder.decide = async (batch) => {
    if (recorder.batches.length === 1) await inFlight.wait;
    return { ack: [...batch], retry: [], deadLetter: [] };
  };
  const tr = transport(t, broker.url);
  await startListener(t, [tr], options, recorder);

  const publisher = transport(t, broker.url).publisher();
  const before = Array.from({ length: 20 }, (_, i) => `before-${i}`);
  await Promise.all(before.map((b) => publisher.publish(exchange, queue.routingKey, Buffer.from(b))));
  await waitFor('the first batch in the handler', () => recorder.batches.length === 1);

  await broker.stop();
  t.notOk(tr.connected, 'the listener saw the broker go');
  inFlight.open(); // its acks hit a dead channel: dropped, the broker will redeliver those 5
  const during = publisher.publish(exchange, queue.routingKey, Buffer.from('during'));
  await broker.start();
  await during;
  t.pass('a publish made while the broker was down waited and was confirmed after the restart');

  const after = Array.from({ length: 10 }, (_, i) => `after-${i}`);
  await Promise.all(after.map((b) => publisher.publish(exchange, queue.routingKey, Buffer.from(b))));
  const expected = [...before, 'during', ...after];
  await waitFor('every message consumed', () => expected.every((b) => recorder.bodies().includes(b)), 30_000);

  const bodies = recorder.bodies();
  const duplicates = bodies.length - new Set(bodies).size;
  t.equal(new Set(bodies).size, expected.length, 'nothing lost, nothing unexpected');
  t.ok(duplicates <= options.batchSize, `duplicates (${duplicates}) at most the in-flight batch`);
  const firstBatch = new Set(recorder.batches[0]!.map((d) => d.body.toString()));
  const redelivered = recorder.deliveries
    .slice(recorder.batches[0]!.length)
    .filter((d) => firstBatch.has(d.body.toString()));
  t.ok(
    redelivered.every((d) => d.redelivered),
    'the in-flight batch came back flagged redelivered',
  );
});
