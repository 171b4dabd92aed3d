import t from 'tap';
import type { Event, Sample } from '../../../src/model/index.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { EventPipeline, EventSink, SamplePipeline, SampleSink } from '../../../src/pipeline/index.js';
import type { Publisher } from '../../../src/publishers/index.js';
import type { Transformer, TransformerState } from '../../../src/transformers/index.js';

let ids = 0;
function sample(overrides: Partial<Sample> = {}): Sample {
  ids += 1;
  return {
    name: 'cpu',
    type: 'gauge',
    unit: 'ns',
    volume: 1,
    user_id: null,
    project_id: null,
    resource_id: 'r',
    timestamp: '2026-01-01T00:00:00+00:00',
    resource_metadata: {},
    source: 'openstack',
    id: `sink-${ids}`,
    monotonic_time: null,
    ...overrides,
  };
}

/** A publisher that records every call (and can fail). */
class RecordingPublisher implements Publisher {
  readonly calls: { kind: 'samples' | 'events'; items: unknown[] }[] = [];
  constructor(
    readonly target: string,
    private readonly fail = false,
  ) {}
  async publishSamples(samples: readonly Sample[]): Promise<void> {
    if (this.fail) throw new Error(`${this.target} down`);
    this.calls.push({ kind: 'samples', items: [...samples] });
  }
  async publishEvents(events: readonly Event[]): Promise<void> {
    if (this.fail) throw new Error(`${this.target} down`);
    this.calls.push({ kind: 'events', items: [...events] });
  }
  async close(): Promise<void> {}
}

const EMPTY_STATE: TransformerState = { kind: 'fake', entries: {} };

/** A transformer built from two functions; the rest of the contract is inert. */
function fake(handle: (s: Sample) => Sample | null, flush: () => Sample[] = () => []): Transformer {
  return {
    name: 'fake',
    groupingKeys: ['resource_id'],
    handle,
    flush,
    snapshot: () => EMPTY_STATE,
    snapshotChanges: () => EMPTY_STATE,
    restore: () => {},
  };
}

const rename = (suffix: string) => fake((s) => ({ ...s, name: `${s.name}${suffix}` }));

t.test('no transformers: the list is published as is, to every publisher in order', async (t) => {
  const a = new RecordingPublisher('a');
  const b = new RecordingPublisher('b');
  const sink = new SampleSink('k', [], [a, b], new MemoryLogger());
  const input = [sample(), sample()];
  const report = await sink.publish(input);
  t.same(a.calls, [{ kind: 'samples', items: input }]);
  t.same(b.calls, [{ kind: 'samples', items: input }]);
  t.equal(report.published, 4);
});

t.test('a transformer returning null ends the chain for that sample only', async (t) => {
  const p = new RecordingPublisher('p');
  const dropOdd = fake((s) => (Number(s.volume) % 2 === 1 ? null : s));
  const sink = new SampleSink('k', [dropOdd, rename('!')], [p], new MemoryLogger());
  await sink.publish([sample({ volume: 1 }), sample({ volume: 2 }), sample({ volume: 4 })]);
  t.same(
    (p.calls[0]?.items as Sample[]).map((s) => [s.name, s.volume]),
    [
      ['cpu!', 2],
      ['cpu!', 4],
    ],
  );
});

t.test('a throwing transformer drops that sample, counts and logs it; the others continue', async (t) => {
  const p = new RecordingPublisher('p');
  const logger = new MemoryLogger();
  const boom = fake((s) => {
    if (s.volume === 2) throw new Error('boom');
    return s;
  });
  const sink = new SampleSink('k', [boom], [p], logger);
  const report = await sink.publish([sample({ volume: 1 }), sample({ volume: 2 }), sample({ volume: 3 })]);
  t.equal(report.transformerErrors, 1);
  t.same(
    (p.calls[0]?.items as Sample[]).map((s) => s.volume),
    [1, 3],
  );
  t.equal(report.published, 2);
  t.match(logger.records, [{ level: 'warn', sink: 'k', msg: 'transformer failed; sample dropped' }]);
});

t.test('all samples dropped → publishers not called', async (t) => {
  const p = new RecordingPublisher('p');
  const sink = new SampleSink('k', [fake(() => null)], [p], new MemoryLogger());
  const report = await sink.publish([sample()]);
  t.same(p.calls, []);
  t.equal(report.published, 0);
});

t.test('flush: each transformer flushed in order, output pushed through the later ones only', async (t) => {
  const p = new RecordingPublisher('p');
  const order: string[] = [];
  const first = fake(
    (s) => s,
    () => {
      order.push('first');
      return [sample({ name: 'from-first' })];
    },
  );
  const second = fake(
    (s) => ({ ...s, name: `${s.name}+second` }),
    () => {
      order.push('second');
      return [sample({ name: 'from-second' })];
    },
  );
  const third = fake(
    (s) => ({ ...s, name: `${s.name}+third` }),
    () => {
      order.push('third');
      return [];
    },
  );
  const sink = new SampleSink('k', [first, second, third], [p], new MemoryLogger());
  const report = await sink.flush();
  t.same(order, ['first', 'second', 'third']);
  t.same(
    p.calls.map((c) => (c.items as Sample[]).map((s) => s.name)),
    [['from-first+second+third', 'from-second+third']],
    'one publisher call with what every transformer released, in flush order',
  );
  t.equal(report.published, 2);
});

t.test('a throwing flush is counted and the remaining transformers are still flushed', async (t) => {
  const p = new RecordingPublisher('p');
  const logger = new MemoryLogger();
  const broken = fake(
    (s) => s,
    () => {
      throw new Error('flush failed');
    },
  );
  const later = fake(
    (s) => s,
    () => [sample({ name: 'later' })],
  );
  const sink = new SampleSink('k', [broken, later], [p], logger);
  const report = await sink.flush();
  t.equal(report.transformerErrors, 1);
  t.same(
    p.calls.map((c) => (c.items as Sample[]).map((s) => s.name)),
    [['later']],
  );
  t.match(logger.records, [{ level: 'warn', msg: 'Error flushing transformer' }]);
});

t.test('publisher failures are collected with the target; later publishers still run', async (t) => {
  const bad = new RecordingPublisher('bad://x', true);
  const good = new RecordingPublisher('good://y');
  const sink = new SampleSink('k', [], [bad, good], new MemoryLogger());
  const report = await sink.publish([sample()]);
  t.equal(report.publishErrors.length, 1);
  t.equal(report.publishErrors[0]?.publisher, 'bad://x');
  t.equal(report.publishErrors[0]?.error.message, 'bad://x down');
  t.equal(good.calls.length, 1);
  t.equal(report.published, 1);
});

t.test('SamplePipeline filters by source patterns before the sink', async (t) => {
  const p = new RecordingPublisher('p');
  const pipeline = new SamplePipeline(
    's:k',
    's',
    ['disk.*', '!disk.read.*'],
    new SampleSink('k', [], [p], new MemoryLogger()),
  );
  await pipeline.publish([
    sample({ name: 'disk.write.bytes' }),
    sample({ name: 'disk.read.bytes' }),
    sample({ name: 'cpu' }),
  ]);
  t.same(
    (p.calls[0]?.items as Sample[]).map((s) => s.name),
    ['disk.write.bytes'],
  );
  t.ok(pipeline.supports(sample({ name: 'disk.x' })));
  t.notOk(pipeline.supports(sample({ name: 'cpu' })));
});

t.test('EventSink and EventPipeline: filtered by event type, no call when empty', async (t) => {
  const p = new RecordingPublisher('p');
  const pipeline = new EventPipeline('event:e', 'e', ['compute.*'], new EventSink('k', [p]));
  const ev = (event_type: string): Event => ({
    message_id: 'm',
    event_type,
    generated: '2026-01-01T00:00:00',
    traits: [],
    raw: {},
  });
  const none = await pipeline.publish([ev('image.upload')]);
  t.same(p.calls, []);
  t.equal(none.published, 0);
  const report = await pipeline.publish([ev('compute.a'), ev('image.b')]);
  t.same(
    p.calls.map((c) => (c.items as Event[]).map((e) => e.event_type)),
    [['compute.a']],
  );
  t.equal(report.published, 1);
});
