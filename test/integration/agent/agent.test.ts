/** The agent in-process on the real RabbitMQ: start, consume, publish, stop with nothing left unacked. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import t from 'tap';
import { Agent, DEAD_LETTER, listenerOptions, loadConfig, retryBackoffMs } from '../../../src/agent/index.js';
import { dumpsPyJson } from '../../../src/model/index.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { testPublisherStore } from '../../../src/publishers/index.js';
import { listQueues, privateVhost, requireBroker, unique, waitFor } from '../../helpers/broker.js';
import { tempDir } from '../../helpers/cli.js';
import { CEILOMETER_19 } from '../../helpers/paths.js';
import { freePort } from '../../helpers/ports.js';
import { writeCatchAllPipelines } from '../../helpers/agent-files.js';

t.test('listener options follow oslo and Ceilometer options', async (t) => {
  const config = loadConfig({}, {});
  const options = listenerOptions(config.options!);
  t.equal(options.topology.queues.length, 7, 'notifications.<priority> for the 7 priorities');
  t.same(options.topology.queues[2], { name: 'notifications.info', routingKey: 'notifications.info' });
  t.equal(options.topology.exchanges.length, 15);
  t.equal(options.prefetch, 100);
  t.equal(options.batchSize, 100);
  t.same([1, 2, 3, 8].map(retryBackoffMs), [1000, 2000, 4000, 60_000]);
});

t.test('start, consume a notification, stop', async (t) => {
  if (!(await requireBroker(t))) return;
  const { url, vhost } = await privateVhost(t);
  const dir = tempDir(t);
  const store = unique('agent');
  writeCatchAllPipelines(dir, `test://${store}`, `test://${store}`);
  const file = join(dir, 'meterflow.yaml');
  writeFileSync(
    file,
    `DEFAULT: {transport_url: '${url}'}\nnotification: {batch_size: 5, batch_timeout: 0.05}\nmeter: {meter_definitions_dirs: ['${CEILOMETER_19}meters.yaml']}\nevent: {definitions_cfg_file: '${CEILOMETER_19}event_definitions.yaml'}\n`,
  );
  const config = loadConfig({ configFile: file }, {});
  t.same(config.issues, []);
  const logger = new MemoryLogger();
  const agent = await Agent.start(config, { logger });
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  const inner = {
    message_id: 'a6b1c3d0-1111-4222-8333-944445555666',
    publisher_id: 'image.localhost',
    event_type: 'image.upload',
    priority: 'INFO',
    payload: { id: 'img-1', owner: 'p1', size: 42 },
    timestamp: '2026-11-22 10:00:00.000000',
    _unique_id: '0f0e0d0c0b0a',
    _context_user_id: 'u1',
  };
  ch.publish(
    'glance',
    'notifications.info',
    Buffer.from(dumpsPyJson({ 'oslo.version': '2.0', 'oslo.message': dumpsPyJson(inner) })),
  );
  ch.publish('glance', 'notifications.info', Buffer.from('not json at all'));
  await ch.waitForConfirms();
  await conn.close();
  const deadline = Date.now() + 20_000;
  while (testPublisherStore(store).samples.length < 1 || testPublisherStore(store).events.length < 1) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the sample');
    await new Promise((r) => setTimeout(r, 20));
  }
  await agent.stop();
  const sample = testPublisherStore(store).samples[0];
  t.equal(sample?.name, 'image.size');
  t.equal(sample?.volume, 42);
  t.equal(sample?.user_id, 'u1', 'context fallback');
  const metrics = await agent.registry.metrics();
  t.match(metrics, /meterflow_notifications_total\{priority="info"\} 1/);
  t.match(metrics, /meterflow_transformer_evictions_total 0/);
  const queues = await listQueues(vhost);
  t.equal(queues.find((q) => q.name === 'notifications.info')?.messages, 0);
  t.equal(queues.find((q) => q.name === DEAD_LETTER.queue)?.messages, 1, 'the garbage was dead-lettered');
  t.notMatch(JSON.stringify(logger.records), /guest:guest/, 'no credentials in logs');
});

t.test('a start still waiting for RabbitMQ is aborted by its signal, before or while connecting', async (t) => {
  const dir = tempDir(t);
  const store = unique('agent-abort');
  writeCatchAllPipelines(dir, `test://${store}`, `test://${store}`);
  const file = join(dir, 'meterflow.yaml');
  // Nothing listens on a port that was just free on loopback: every connect is refused.
  writeFileSync(
    file,
    `DEFAULT: {transport_url: 'amqp://guest:guest@127.0.0.1:${await freePort()}/'}\nmeter: {meter_definitions_dirs: ['${CEILOMETER_19}meters.yaml']}\nevent: {definitions_cfg_file: '${CEILOMETER_19}event_definitions.yaml'}\n`,
  );
  const config = loadConfig({ configFile: file }, {});
  t.same(config.issues, []);

  const logger = new MemoryLogger();
  const aborting = new AbortController();
  const starting = Agent.start(config, { logger, signal: aborting.signal });
  await waitFor('a refused connect', () => logger.records.some((r) => r.msg === 'AMQP connect failed'), 20_000);
  aborting.abort();
  await t.rejects(starting, { name: 'AbortError' }, 'the start rejects with the abort');
  // That nothing is left open (the process ends) is what stop-while-connecting.test.ts proves.

  const before = new AbortController();
  before.abort();
  await t.rejects(Agent.start(config, { logger: new MemoryLogger(), signal: before.signal }), { name: 'AbortError' });
});
