import { readFileSync } from 'node:fs';
import t from 'tap';
import { ConfigError } from '../../../src/errors.js';
import { osloPublishOptions } from '../../../src/messaging/oslo-envelope.js';
import type { Event } from '../../../src/model/event.js';
import { ManualClock, parsePyJson, sampleFromRecord } from '../../../src/model/index.js';
import type { PyJson, Sample } from '../../../src/model/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPublisher, type PublisherContext, publisherRegistry } from '../../../src/publishers/index.js';
import { createNotifierPublisher } from '../../../src/publishers/notifier-publisher.js';
import { parsePublisherUrl } from '../../../src/publishers/url-options.js';
import { SHARED } from '../../helpers/paths.js';
import { FakeConfirmPublisher } from './fake-confirm.js';
import { sample as baseSample } from '../../helpers/samples.js';

type Rec = { [key: string]: PyJson };
const SECRET = 'change this for valid signing';

function setup(options: Partial<PublisherContext> = {}) {
  const fake = new FakeConfirmPublisher();
  const urls: (string | null)[] = [];
  const context: PublisherContext = {
    telemetrySecret: SECRET,
    logger: silentLogger,
    clock: new ManualClock(Date.UTC(2026, 10, 22, 9, 6, 16, 78)),
    baseDir: '/',
    host: 'anchor-host',
    messaging: {
      publisherFor(url) {
        urls.push(url);
        return fake;
      },
    },
    ...options,
  };
  return { fake, urls, context };
}

function inner(body: Buffer): Rec {
  return parsePyJson((parsePyJson(body.toString('utf8')) as Rec)['oslo.message'] as string) as Rec;
}

export function sample(name: string, id: string, resource = 'r1'): Sample {
  return baseSample({
    name,
    type: 'gauge',
    unit: 'B',
    volume: 1,
    resource_id: resource,
    timestamp: '2026-11-22T09:25:41.310093+00:00',
    id,
  });
}

t.test('samples are published byte for byte as the captured Ceilometer message', async (t) => {
  const captures = JSON.parse(readFileSync(`${SHARED}fixtures/wire/metering-sample.json`, 'utf8')) as {
    body_raw: string;
  }[];
  for (const capture of captures) {
    const { fake, urls, context } = setup();
    const captured = inner(Buffer.from(capture.body_raw));
    const samples = (captured.payload as Rec[]).map((r) => sampleFromRecord(r, { source: 'x', newId: () => 'n' }));
    const publisher = createPublisher('notifier://', context);
    await publisher.publishSamples(samples);
    t.same(urls, [null], "the agent's transport");
    t.equal(fake.published.length, 1, 'one message for the batch');
    const [message] = fake.published;
    t.equal(message?.exchange, 'ceilometer');
    t.equal(message?.routingKey, 'metering.sample');
    t.same(message?.options, osloPublishOptions());
    const ours = inner(message?.body as Buffer);
    t.equal(ours.timestamp, '2026-11-22 09:06:16.078000', 'timestamp from the injected clock');
    t.same(Object.keys(ours), [
      'message_id',
      'publisher_id',
      'event_type',
      'priority',
      'payload',
      'timestamp',
      '_unique_id',
    ]);
    const expected = capture.body_raw
      .replace(captured.message_id as string, ours.message_id as string)
      .replace(captured.timestamp as string, ours.timestamp as string)
      .replace(captured._unique_id as string, ours._unique_id as string);
    t.equal(message?.body.toString('utf8'), expected);
    t.same(fake.declarations, [
      { kind: 'exchange', name: 'ceilometer', durable: false, type: 'topic' },
      {
        kind: 'queue',
        name: 'metering.sample',
        durable: false,
        bindings: [{ exchange: 'ceilometer', routingKey: 'metering.sample' }],
      },
    ]);
  }
});

t.test('every topic= gets each message; event type stays metering_topic', async (t) => {
  const { fake, context } = setup({ notifierTopics: { metering: 'meters', event: 'evts' } });
  const publisher = createPublisher('notifier://?topic=a&topic=b&durable=true', context);
  await publisher.publishSamples([sample('cpu', '1')]);
  await publisher.publishSamples([sample('cpu', '2')]);
  t.same(
    fake.published.map((m) => [m.routingKey, inner(m.body).event_type]),
    [
      ['a.sample', 'meters'],
      ['b.sample', 'meters'],
      ['a.sample', 'meters'],
      ['b.sample', 'meters'],
    ],
  );
  t.same(
    fake.declarations.map((d) => [d.kind, d.name, d.durable]),
    [
      ['exchange', 'ceilometer', true],
      ['exchange', 'ceilometer', true],
      ['queue', 'a.sample', true],
      ['queue', 'b.sample', true],
    ],
    'declared once per topic',
  );
});

t.test('per_meter_topic adds one message per meter, sorted by name', async (t) => {
  const { fake, context } = setup();
  const publisher = createPublisher('notifier://?per_meter_topic=1', context);
  await publisher.publishSamples([sample('memory', 'm1'), sample('cpu', 'c1'), sample('memory', 'm2', 'r2')]);
  const sent = fake.published.map((m) => {
    const msg = inner(m.body);
    return [m.routingKey, msg.event_type, (msg.payload as Rec[]).map((p) => p.message_id)];
  });
  t.same(sent, [
    ['metering.sample', 'metering', ['m1', 'c1', 'm2']],
    ['metering.sample', 'metering.cpu', ['c1']],
    ['metering.sample', 'metering.memory', ['m1', 'm2']],
  ]);
  const off = setup();
  await createPublisher('notifier://?per_meter_topic=0', off.context).publishSamples([sample('cpu', 'c1')]);
  t.equal(off.fake.published.length, 1);
});

t.test('events go to topic event with serialised events', async (t) => {
  const { fake, context } = setup();
  const publisher = createPublisher('notifier://', context);
  const event: Event = {
    message_id: 'e1',
    event_type: 'compute.instance.create.end',
    generated: '2026-11-22T12:18:10.632511',
    traits: [{ name: 'host', dtype: 1, value: 'h' }],
    raw: {},
  };
  await publisher.publishEvents([event]);
  await publisher.publishEvents([]);
  await publisher.publishSamples([]);
  t.equal(fake.published.length, 1, 'empty batches send nothing');
  const [message] = fake.published;
  t.equal(message?.routingKey, 'event.sample');
  const msg = inner(message?.body as Buffer);
  t.match(msg, { publisher_id: 'telemetry.publisher.anchor-host', event_type: 'event', priority: 'SAMPLE' });
  t.same((msg.payload as Rec[])[0]?.traits, [['host', 1, 'h']]);
  t.match((msg.payload as Rec[])[0]?.message_signature, /^[0-9a-f]{64}$/);
});

t.test('a broker in the URL gets its own transport; the target hides credentials', async (t) => {
  const { urls, context } = setup();
  const publisher = createPublisher('notifier://user:secret@rabbit-2:5673/vh?topic=x', context);
  t.same(urls, ['rabbit://user:secret@rabbit-2:5673/vh']);
  t.equal(publisher.target, 'notifier://user:***@rabbit-2:5673/vh?topic=x');
  t.notMatch(publisher.target, /secret/);
});

t.test('without a broker (replay) create throws a clear error', async (t) => {
  const { context } = setup();
  const { messaging: _ignored, ...offline } = context;
  t.throws(() => createPublisher('notifier://', offline), ConfigError);
  t.throws(() => createPublisher('notifier://', offline), /no broker/);
});

t.test('registered by scheme; host defaults to the machine name', async (t) => {
  t.ok(publisherRegistry.has('notifier'));
  const { fake, context } = setup();
  const { host: _ignored, ...noHost } = context;
  await createNotifierPublisher(parsePublisherUrl('notifier://'), noHost).publishSamples([sample('cpu', '1')]);
  t.match(inner(fake.published[0]?.body as Buffer).publisher_id, /^telemetry\.publisher\.\S+$/);
});

t.test('close closes the confirm publisher once; later publishes reject', async (t) => {
  const { fake, context } = setup();
  const publisher = createPublisher('notifier://', context);
  const pending = publisher.publishSamples([sample('cpu', '1')]);
  const closing = publisher.close();
  await pending;
  await closing;
  await publisher.close();
  t.equal(fake.closed, 1);
  t.equal(fake.published.length, 1, 'the publish before close finished');
  await t.rejects(publisher.publishSamples([sample('cpu', '2')]), { name: 'PublishError', retriable: false });
});
