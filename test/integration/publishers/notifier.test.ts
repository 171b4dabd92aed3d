import t from 'tap';
import { AmqpTransport } from '../../../src/messaging/transport.js';
import { ManualClock, parsePyJson, type PyJson, type Sample } from '../../../src/model/index.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { createPublisher, type PublisherContext } from '../../../src/publishers/index.js';
import {
  listBindings,
  listExchanges,
  listQueues,
  privateVhost,
  rawChannel,
  requireBroker,
} from '../../helpers/broker.js';
import { sample as baseSample } from '../../helpers/samples.js';

type Rec = { [key: string]: PyJson };

function sample(name: string, id: string): Sample {
  const fields = { type: 'gauge', unit: 'B', volume: 1, resource_id: 'r', resource_metadata: { host: 'h' } } as const;
  return baseSample({ ...fields, name, timestamp: '2026-11-22T09:25:41.310093+00:00', id });
}

if (await requireBroker(t)) {
  const { vhost, url } = await privateVhost(t);
  const logger = new MemoryLogger();
  const transports: AmqpTransport[] = [];
  const transportFor = (u: string) => {
    const tr = new AmqpTransport({
      url: u,
      logger,
      reconnectInitialMs: 50,
      reconnectMaxMs: 500,
      name: 'notifier-test',
    });
    transports.push(tr);
    return tr;
  };
  t.teardown(() => Promise.all(transports.map((tr) => tr.close())));
  const main = transportFor(url);
  const urls: (string | null)[] = [];
  const context: PublisherContext = {
    telemetrySecret: 'change this for valid signing',
    logger,
    clock: new ManualClock(Date.UTC(2026, 10, 22, 9, 0, 0)),
    baseDir: '/',
    host: 'it-host',
    messaging: {
      publisherFor(u) {
        urls.push(u);
        return u === null ? main.publisher() : transportFor(u).publisher();
      },
    },
  };

  t.test('samples land in metering.sample on exchange ceilometer, as Ceilometer publishes them', async (t) => {
    const publisher = createPublisher('notifier://', context);
    t.teardown(() => publisher.close());
    await publisher.publishSamples([sample('cpu', 'a'), sample('memory', 'b')]);

    const exchange = (await listExchanges(vhost)).find((x) => x.name === 'ceilometer');
    t.match(exchange, { type: 'topic', durable: false, auto_delete: false });
    const queue = (await listQueues(vhost)).find((q) => q.name === 'metering.sample');
    t.match(queue, { durable: false, auto_delete: false, arguments: {}, messages: 1 }, 'kept before any consumer');
    const binding = (await listBindings(vhost)).find((b) => b.source_name === 'ceilometer');
    t.match(binding, { destination_name: 'metering.sample', routing_key: 'metering.sample' });

    const { ch } = await rawChannel(t, url);
    const got = await ch.get('metering.sample', { noAck: true });
    if (!got) throw new Error('no message');
    t.match(got.fields, { exchange: 'ceilometer', routingKey: 'metering.sample' });
    t.match(got.properties, {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      headers: {},
      messageId: undefined,
      timestamp: undefined,
    });
    const inner = parsePyJson((parsePyJson(got.content.toString()) as Rec)['oslo.message'] as string) as Rec;
    t.match(inner, {
      publisher_id: 'telemetry.publisher.it-host',
      event_type: 'metering',
      priority: 'SAMPLE',
      timestamp: '2026-11-22 09:00:00.000000',
    });
    t.same(
      (inner.payload as Rec[]).map((p) => p.counter_name),
      ['cpu', 'memory'],
    );
  });

  t.test('topics, per-meter messages, events', async (t) => {
    const publisher = createPublisher('notifier://?topic=it_a&per_meter_topic=1', context);
    t.teardown(() => publisher.close());
    await publisher.publishSamples([sample('cpu', 'a'), sample('memory', 'b')]);
    await publisher.publishEvents([
      { message_id: 'e', event_type: 'x.y', generated: '2026-11-22T12:18:10.632511', traits: [], raw: {} },
    ]);
    const queue = (await listQueues(vhost)).find((q) => q.name === 'it_a.sample');
    t.match(queue, { durable: false, messages: 4 }, 'all + cpu + memory + the event');
    const { ch } = await rawChannel(t, url);
    const types: string[] = [];
    for (let i = 0; i < 4; i++) {
      const got = await ch.get('it_a.sample', { noAck: true });
      if (got)
        types.push(
          (parsePyJson((parsePyJson(got.content.toString()) as Rec)['oslo.message'] as string) as Rec)
            .event_type as string,
        );
    }
    t.same(types, ['metering', 'metering.cpu', 'metering.memory', 'event']);
  });

  t.test('durable=true declares durable; a flag mismatch fails at once, not after 100 retries', async (t) => {
    const other = await privateVhost(t);
    const tr = transportFor(other.url);
    const durableContext = { ...context, messaging: { publisherFor: () => tr.publisher() } };
    const publisher = createPublisher('notifier://?durable=true', durableContext);
    t.teardown(() => publisher.close());
    await publisher.publishSamples([sample('cpu', 'a')]);
    t.match(
      (await listExchanges(other.vhost)).find((x) => x.name === 'ceilometer'),
      { durable: true },
    );
    t.match(
      (await listQueues(other.vhost)).find((q) => q.name === 'metering.sample'),
      { durable: true, messages: 1 },
    );
    const mismatch = createPublisher('notifier://?topic=other', {
      ...durableContext,
      messaging: { publisherFor: () => tr.publisher() },
    });
    t.teardown(() => mismatch.close());
    const started = Date.now();
    await t.rejects(mismatch.publishSamples([sample('cpu', 'b')]), {
      name: 'PublishError',
      retriable: false,
      message: /PRECONDITION_FAILED/,
    });
    t.ok(Date.now() - started < 5000, 'no retry loop');
  });

  t.test('a broker in the URL gets its own connection', async (t) => {
    const base = url.replace(/^amqp:/, 'notifier:');
    const publisher = createPublisher(`${base}?topic=it_b`, context);
    t.teardown(() => publisher.close());
    t.match(urls.at(-1), /^rabbit:\/\//);
    await publisher.publishSamples([sample('cpu', 'c')]);
    t.match(
      (await listQueues(vhost)).find((q) => q.name === 'it_b.sample'),
      { messages: 1 },
    );
  });

  // An unreachable broker makes publishes wait for the transport's reconnect; when the transport
  // gives up (closed), the batch fails with a retriable error so the agent requeues it.
  t.test('default policy: a transport that gives up fails the batch with a retriable error', async (t) => {
    const dead = transportFor('amqp://guest:guest@127.0.0.1:1');
    const publisher = createPublisher('notifier://?max_retry=1', {
      ...context,
      messaging: { publisherFor: () => dead.publisher() },
    });
    const failing = publisher.publishSamples([sample('cpu', 'd')]);
    setTimeout(() => void dead.close(), 300);
    await t.rejects(failing, {
      name: 'PublishError',
      retriable: true,
      message: /not confirmed after 1 retries: .*is closed/,
    });
  });
}
