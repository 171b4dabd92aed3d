import t from 'tap';
import { PublishError } from '../../../src/errors.js';
import type { Event } from '../../../src/model/event.js';
import type { Sample } from '../../../src/model/sample.js';
import { ManualClock } from '../../../src/model/clock.js';
import { silentLogger } from '../../../src/observability/logger.js';
import {
  createPublisher,
  type PublisherContext,
  testPublisherStore,
  validatePublisherUrl,
} from '../../../src/publishers/index.js';
import { sample as baseSample } from '../../helpers/samples.js';

const context: PublisherContext = {
  telemetrySecret: 's',
  logger: silentLogger,
  clock: new ManualClock(0),
  baseDir: '/',
};

let counter = 0;
/** Store names are process-wide: every test uses its own. */
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

function sample(id: string): Sample {
  return baseSample({ volume: 1, user_id: null, project_id: null, timestamp: '2026-11-22T09:25:41.310093+00:00', id });
}

const event: Event = {
  message_id: 'm1',
  event_type: 'compute.instance.create.end',
  generated: '2026-11-22T12:18:10.632511',
  traits: [],
  raw: {},
};

t.test('publishers with the same name share one store', async (t) => {
  const name = uniqueName('shared');
  const a = createPublisher(`test://${name}`, context);
  const b = createPublisher(`test://${name}`, context);
  const other = createPublisher(`test://${uniqueName('other')}`, context);
  await a.publishSamples([sample('1'), sample('2')]);
  await b.publishSamples([sample('3')]);
  await b.publishEvents([event]);
  const store = testPublisherStore(name);
  t.same(
    store.samples.map((s) => s.id),
    ['1', '2', '3'],
  );
  t.same(store.events, [event]);
  t.equal(a.target, `test://${name}`);
  store.clear();
  t.same(store.samples, []);
  t.same(store.events, []);
  await a.publishSamples([sample('4')]);
  t.same(
    testPublisherStore(name).samples.map((s) => s.id),
    ['4'],
    'clear keeps the store usable and shared',
  );
  await other.close();
});

t.test('a bare `test` is the unnamed store', async (t) => {
  const publisher = createPublisher('test', context);
  t.equal(publisher.target, 'test://');
  testPublisherStore('').clear();
  await publisher.publishEvents([event]);
  t.equal(testPublisherStore('').events.length, 1);
  testPublisherStore('').clear();
});

t.test('fail=N fails the next N calls with a retriable PublishError', async (t) => {
  const name = uniqueName('fail2');
  const publisher = createPublisher(`test://${name}?fail=2`, context);
  const first = await publisher.publishSamples([sample('1')]).catch((e: unknown) => e);
  t.type(first, PublishError);
  t.equal((first as PublishError).retriable, true);
  t.equal((first as PublishError).publisher, `test://${name}?fail=2`);
  await t.rejects(publisher.publishEvents([event]), { code: 'publish_failed', retriable: true });
  await publisher.publishSamples([sample('3')]);
  await publisher.publishEvents([event]);
  const store = testPublisherStore(name);
  t.same(
    store.samples.map((s) => s.id),
    ['3'],
    'failed batches are not stored',
  );
  t.equal(store.events.length, 1);
});

t.test('fail=always never takes anything, and does not stop other publishers', async (t) => {
  const good = uniqueName('good');
  const bad = uniqueName('bad');
  const publishers = [
    createPublisher(`test://${bad}?fail=always`, context),
    createPublisher(`test://${good}`, context),
  ];
  for (let i = 0; i < 3; i++) {
    const results = await Promise.allSettled(publishers.map((p) => p.publishSamples([sample(String(i))])));
    t.same(
      results.map((r) => r.status),
      ['rejected', 'fulfilled'],
    );
  }
  t.equal(testPublisherStore(bad).samples.length, 0);
  t.equal(testPublisherStore(good).samples.length, 3);
});

t.test('fail=0 never fails', async (t) => {
  const name = uniqueName('fail0');
  await createPublisher(`test://${name}?fail=0`, context).publishSamples([sample('1')]);
  t.equal(testPublisherStore(name).samples.length, 1);
});

t.test('a closed test publisher refuses batches (not retriable)', async (t) => {
  const publisher = createPublisher(`test://${uniqueName('closed')}`, context);
  await publisher.close();
  await t.rejects(publisher.publishSamples([sample('1')]), { code: 'publish_failed', retriable: false });
});

t.test('options are validated', async (t) => {
  t.same(validatePublisherUrl('test://x?fail=always'), []);
  t.same(validatePublisherUrl('test://x?fail=sometimes'), [
    { message: "fail must be 'always' or a count, got 'sometimes'" },
  ]);
  t.same(validatePublisherUrl('test://x?retry=1'), [{ message: "unknown option 'retry' (known options: fail)" }]);
  t.throws(() => createPublisher('test://x?fail=-1', context), { code: 'config_invalid' });
});
