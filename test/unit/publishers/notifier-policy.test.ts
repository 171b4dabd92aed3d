import t from 'tap';
import { MeterflowError } from '../../../src/errors.js';
import { ManualClock, parsePyJson } from '../../../src/model/index.js';
import type { PyJson, Sample } from '../../../src/model/index.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import type { PublisherContext } from '../../../src/publishers/index.js';
import { createNotifierPublisher, type NotifierPublisher } from '../../../src/publishers/notifier-publisher.js';
import { parsePublisherUrl } from '../../../src/publishers/url-options.js';
import { FakeConfirmPublisher } from './fake-confirm.js';
import { sample as baseSample } from '../../helpers/samples.js';

type Rec = { [key: string]: PyJson };

function setup(query: string) {
  const fake = new FakeConfirmPublisher();
  const logger = new MemoryLogger();
  const sleeps: number[] = [];
  const context: PublisherContext = {
    telemetrySecret: 's',
    logger,
    clock: new ManualClock(0),
    baseDir: '/',
    host: 'h',
    messaging: { publisherFor: () => fake },
  };
  const publisher: NotifierPublisher = createNotifierPublisher(parsePublisherUrl(`notifier://?${query}`), context, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { fake, logger, sleeps, publisher };
}

function sample(id: string): Sample {
  return baseSample({
    volume: 1,
    user_id: null,
    project_id: null,
    resource_id: 'r',
    timestamp: '2026-11-22T09:25:41.310093+00:00',
    id,
  });
}

/** The sample ids of each confirmed message, in confirm order. */
function sentIds(fake: FakeConfirmPublisher): string[][] {
  return fake.bodies().map((body) => {
    const inner = parsePyJson((parsePyJson(body) as Rec)['oslo.message'] as string) as Rec;
    return (inner.payload as Rec[]).map((p) => p.message_id as string);
  });
}

t.test('default: retries with a small growing backoff, then succeeds', async (t) => {
  const { fake, sleeps, publisher } = setup('max_retry=5');
  fake.failNext(3);
  await publisher.publishSamples([sample('a')]);
  t.same(sentIds(fake), [['a']]);
  t.equal(fake.attempts.length, 4);
  t.same(sleeps, [5, 10, 15]);
  t.match(publisher.counters, { published: 1, retries: 3, dropped: 0, queued: 0 });
});

t.test('default: after max_retry retries the batch fails with a retriable PublishError', async (t) => {
  const { fake, publisher } = setup('max_retry=2');
  fake.failNext(10);
  await t.rejects(publisher.publishSamples([sample('a'), sample('b')]), {
    name: 'PublishError',
    retriable: true,
    message: /1 message\(s\) with 2 datapoints not confirmed after 2 retries: nacked/,
  });
  t.equal(fake.attempts.length, 3);
  fake.failNext(0);
  await publisher.publishSamples([sample('c')]);
  t.same(sentIds(fake), [['c']], 'nothing was kept for later');
});

t.test('default: max_retry defaults to 100', async (t) => {
  const { fake, sleeps, publisher } = setup('');
  fake.failNext(1000);
  await t.rejects(publisher.publishSamples([sample('a')]));
  t.equal(fake.attempts.length, 101);
  t.equal(Math.max(...sleeps), 250, 'backoff is capped');
});

t.test('default: an error that cannot go away is not retried', async (t) => {
  const { fake, publisher } = setup('max_retry=5');
  fake.failError = () => new MeterflowError('publisher_closed', 'publisher is closed');
  fake.failNext(1);
  await t.rejects(publisher.publishSamples([sample('a')]), { name: 'PublishError', retriable: false });
  t.equal(fake.attempts.length, 1);
});

t.test('a failed declaration is retried like a failed publish', async (t) => {
  const { fake, publisher } = setup('max_retry=3');
  fake.failDeclarations = 1;
  await publisher.publishSamples([sample('a')]);
  t.same(sentIds(fake), [['a']]);
  t.equal(publisher.counters.retries, 1);
});

t.test('queue: a failed batch is kept and resent first, in order', async (t) => {
  const { fake, logger, publisher } = setup('policy=queue');
  let down = true;
  fake.failWhen = () => down;
  await publisher.publishSamples([sample('a')]);
  await publisher.publishSamples([sample('b'), sample('c')]);
  t.equal(fake.published.length, 0);
  t.equal(fake.attempts.length, 1 + 1 + 2 + 2, 'one retry per call (oslo retry=1), the queue resent each time');
  t.match(publisher.counters, { queued: 3, queuedMessages: 2, dropped: 0 });
  t.match(logger.records.at(-1), { level: 'warn', msg: 'failed to publish 3 datapoints, queueing them' });
  down = false;
  await publisher.publishSamples([sample('d')]);
  t.same(sentIds(fake), [['a'], ['b', 'c'], ['d']]);
  t.match(publisher.counters, { queued: 0, queuedMessages: 0, published: 3 });
});

t.test('queue: one failure is absorbed by the single retry', async (t) => {
  const { fake, publisher } = setup('policy=queue');
  fake.failNext(1);
  await publisher.publishSamples([sample('a')]);
  t.same(sentIds(fake), [['a']]);
  t.equal(publisher.counters.queued, 0);
});

t.test('queue: beyond max_queue_length the oldest messages are dropped and counted', async (t) => {
  const { fake, logger, publisher } = setup('policy=queue&max_queue_length=2');
  let down = true;
  fake.failWhen = () => down;
  await publisher.publishSamples([sample('a1'), sample('a2')]);
  await publisher.publishSamples([sample('b')]);
  await publisher.publishSamples([sample('c')]);
  t.match(publisher.counters, { queuedMessages: 2, queued: 2, droppedMessages: 1, dropped: 2 });
  t.ok(logger.records.some((r) => /dropped the 1 oldest/.test(r.msg)));
  down = false;
  await publisher.publishSamples([sample('d')]);
  t.same(sentIds(fake), [['b'], ['c'], ['d']]);
});

t.test('queue: max_queue_length=0 is unbounded', async (t) => {
  const { fake, publisher } = setup('policy=queue&max_queue_length=0');
  fake.failWhen = () => true;
  for (let i = 0; i < 5; i++) await publisher.publishSamples([sample(String(i))]);
  t.match(publisher.counters, { queuedMessages: 5, dropped: 0 });
});

t.test('queue: only the messages that failed are kept', async (t) => {
  const { fake, publisher } = setup('policy=queue&per_meter_topic=1');
  fake.failWhen = (m) => m.body.includes('metering.cpu');
  await publisher.publishSamples([sample('a')]);
  t.equal(fake.published.length, 1);
  t.match(publisher.counters, { queuedMessages: 1, queued: 1 });
  fake.failWhen = undefined;
  await publisher.publishSamples([]);
  t.match(publisher.counters, { queuedMessages: 0 }, 'an empty batch sends nothing new but flushes the queue');
  await publisher.publishSamples([sample('b')]);
  t.same(sentIds(fake), [['a'], ['a'], ['b'], ['b']]);
});

t.test('queue: close warns about what is left', async (t) => {
  const { fake, logger, publisher } = setup('policy=queue');
  fake.failWhen = () => true;
  await publisher.publishSamples([sample('a')]);
  await publisher.close();
  t.match(logger.records.at(-1), { level: 'warn', msg: 'closing with 1 queued datapoints unsent' });
  t.equal(fake.closed, 1);
});

t.test('drop: a failed batch is dropped, counted and warned about', async (t) => {
  const { fake, logger, publisher } = setup('policy=drop');
  fake.failNext(2);
  await publisher.publishSamples([sample('a'), sample('b')]);
  t.match(publisher.counters, { dropped: 2, droppedMessages: 1, queued: 0 });
  t.match(logger.records.at(-1), { level: 'warn', msg: 'failed to publish 2 datapoints, dropping them' });
  await publisher.publishSamples([sample('c')]);
  t.same(sentIds(fake), [['c']], 'the dropped batch is not resent');
  fake.failNext(1);
  await publisher.publishSamples([sample('d')]);
  t.same(sentIds(fake), [['c'], ['d']], 'one failure is absorbed by the retry');
});

t.test('concurrent calls are sent in call order', async (t) => {
  const { fake, publisher } = setup('');
  fake.failNext(1);
  await Promise.all([publisher.publishSamples([sample('a')]), publisher.publishSamples([sample('b')])]);
  t.same(sentIds(fake), [['a'], ['b']]);
});

t.test('a batch that cannot be serialised fails without retries', async (t) => {
  const { fake, publisher } = setup('');
  const bad = { ...sample('a'), resource_metadata: { x: Symbol('x') as unknown as PyJson } };
  await t.rejects(publisher.publishSamples([bad]), { name: 'PublishError', retriable: false, message: /serialise/ });
  t.equal(fake.attempts.length, 0);
});
