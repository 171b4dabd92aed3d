import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadPipelineFile } from '../../../src/config/index.js';
import { PublishError } from '../../../src/errors.js';
import { ManualClock } from '../../../src/model/index.js';
import type { Event, Sample } from '../../../src/model/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { PipelineManager } from '../../../src/pipeline/index.js';
import type { PipelineManagerOptions } from '../../../src/pipeline/index.js';
import { createPublisher, publisherRegistry, testPublisherStore } from '../../../src/publishers/index.js';
import type { PublisherContext } from '../../../src/publishers/index.js';
import { defaultTransformerContext, transformerRegistry } from '../../../src/transformers/index.js';
import { pipelineConfig, type SinkSpec } from '../../helpers/pipeline-config.js';

const baseDir = mkdtempSync(join(tmpdir(), 'meterflow-pipeline-manager-'));
t.teardown(() => rmSync(baseDir, { recursive: true, force: true }));

const publisherContext: PublisherContext = {
  telemetrySecret: 'secret',
  logger: silentLogger,
  clock: new ManualClock(0),
  baseDir,
};

function options(extra: Partial<PipelineManagerOptions> = {}): PipelineManagerOptions {
  return {
    transformerContext: defaultTransformerContext({ clock: new ManualClock(0) }),
    publisherContext,
    logger: silentLogger,
    ...extra,
  };
}

let counter = 0;
/** test:// stores are process-wide: every test uses its own names. */
function unique(prefix: string): string {
  counter += 1;
  return `pm-${prefix}-${process.pid}-${counter}`;
}

let ids = 0;
function sample(overrides: Partial<Sample> = {}): Sample {
  ids += 1;
  return {
    name: 'cpu',
    type: 'cumulative',
    unit: 'ns',
    volume: 10,
    user_id: 'u',
    project_id: 'p',
    resource_id: 'r1',
    timestamp: '2026-11-22T09:25:41.310093+00:00',
    resource_metadata: {},
    source: 'openstack',
    id: `s-${ids}`,
    monotonic_time: null,
    ...overrides,
  };
}

function event(eventType: string): Event {
  ids += 1;
  return {
    message_id: `e-${ids}`,
    event_type: eventType,
    generated: '2026-11-22T12:18:10.632511',
    traits: [],
    raw: {},
  };
}

const names = (samples: readonly Sample[]) => samples.map((s) => s.name);

t.test('sources filter samples by meter name; the report counts per pipeline', async (t) => {
  const a = unique('a');
  const b = unique('b');
  const manager = PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [
          { name: 'cpu_source', patterns: ['cpu*'], sinks: ['a_sink'] },
          { name: 'other', patterns: ['!cpu*'], sinks: ['b_sink'] },
        ],
        [
          { name: 'a_sink', publishers: [`test://${a}`] },
          { name: 'b_sink', publishers: [`test://${b}`] },
        ],
      ),
    },
    options(),
  );
  t.teardown(() => manager.close());
  const report = await manager.publishBatch({
    samples: [sample({ name: 'cpu' }), sample({ name: 'memory' }), sample({ name: 'cpu_util' })],
    events: [],
  });
  t.same(names(testPublisherStore(a).samples), ['cpu', 'cpu_util']);
  t.same(names(testPublisherStore(b).samples), ['memory']);
  t.equal(report.published, 3);
  t.same(report.publishErrors, []);
  t.equal(report.transformerErrors, 0);
  t.same([...report.pipelines.keys()], ['cpu_source:a_sink', 'other:b_sink']);
  t.equal(report.pipelines.get('cpu_source:a_sink')?.published, 2);
  t.equal(report.pipelines.get('other:b_sink')?.published, 1);
  t.same(
    manager.samplePipelines.map((p) => [p.name, p.sourceName, p.sink.name]),
    [
      ['cpu_source:a_sink', 'cpu_source', 'a_sink'],
      ['other:b_sink', 'other', 'b_sink'],
    ],
  );
});

t.test('a failing publisher does not stop the others; the report carries the error', async (t) => {
  const bad = unique('bad');
  const good = unique('good');
  const after = unique('after');
  const manager = PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [{ name: 's', patterns: ['*'], sinks: ['k'] }],
        [{ name: 'k', publishers: [`test://${good}`, `test://${bad}?fail=always`, `test://${after}`] }],
      ),
    },
    options(),
  );
  t.teardown(() => manager.close());
  const batch = [sample(), sample()];
  const report = await manager.publishBatch({ samples: batch, events: [] });
  t.equal(testPublisherStore(good).samples.length, 2);
  t.equal(testPublisherStore(after).samples.length, 2, 'the publisher after the failing one still ran');
  t.equal(testPublisherStore(bad).samples.length, 0);
  t.equal(report.published, 4, 'two successful publisher calls of 2 samples');
  t.equal(report.publishErrors.length, 1);
  t.equal(report.publishErrors[0]?.publisher, `test://${bad}?fail=always`);
  t.type(report.publishErrors[0]?.error, PublishError);
  t.equal(report.pipelines.get('s:k')?.publishErrors.length, 1);
});

t.test('publishers are not called with an empty list', async (t) => {
  const bad = unique('empty');
  const manager = PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [{ name: 's', patterns: ['disk.*'], sinks: ['k'] }],
        [{ name: 'k', publishers: [`test://${bad}?fail=always`] }],
      ),
    },
    options(),
  );
  t.teardown(() => manager.close());
  const report = await manager.publishBatch({ samples: [sample({ name: 'cpu' })], events: [] });
  t.same(report.publishErrors, [], 'nothing matched: the failing publisher was never called');
  t.equal(report.published, 0);
  const none = await manager.publishBatch({ samples: [], events: [] });
  t.same(none.publishErrors, []);
});

function accumulatorManager(storeName: string, sinkExtra: SinkSpec['transformers'] = []) {
  return PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [{ name: 's', patterns: ['*'], sinks: ['k'] }],
        [
          {
            name: 'k',
            transformers: [{ name: 'accumulator', parameters: { size: 2 } }, ...sinkExtra],
            publishers: [`test://${storeName}`],
          },
        ],
      ),
    },
    options(),
  );
}

t.test('accumulator size 2 holds samples until a flush finds two', async (t) => {
  const store = unique('acc');
  const manager = accumulatorManager(store);
  t.teardown(() => manager.close());
  const first = await manager.publishBatch({ samples: [sample({ id: 'x1' })], events: [] });
  t.same(testPublisherStore(store).samples, [], 'one held: the flush releases nothing');
  t.equal(first.published, 0);
  const second = await manager.publishBatch({ samples: [sample({ id: 'x2' })], events: [] });
  t.same(
    testPublisherStore(store).samples.map((s) => s.id),
    ['x1', 'x2'],
    'the flush after the second one releases both, in arrival order',
  );
  t.equal(second.published, 2);
  t.equal(second.pipelines.get('s:k')?.published, 2, 'publish and flush reports are merged per pipeline');
});

t.test('publishBatch(batch, false) does not flush; flush() does', async (t) => {
  const store = unique('noflush');
  const manager = accumulatorManager(store);
  t.teardown(() => manager.close());
  await manager.publishBatch({ samples: [sample(), sample()], events: [] }, false);
  t.same(testPublisherStore(store).samples, [], 'held, not flushed');
  const report = await manager.flush();
  t.equal(testPublisherStore(store).samples.length, 2);
  t.equal(report.published, 2);
  t.equal(report.pipelines.get('s:k')?.published, 2);
  const again = await manager.flush();
  t.equal(again.published, 0, 'nothing left');
});

t.test('a flush pushes a transformer output through the remaining transformers', async (t) => {
  const store = unique('chain');
  const manager = accumulatorManager(store, [
    { name: 'unit_conversion', parameters: { target: { name: 'cpu_ms', unit: 'ms', scale: 'volume / 1000000.0' } } },
  ]);
  t.teardown(() => manager.close());
  await manager.publishBatch({ samples: [sample({ volume: 2_000_000 }), sample({ volume: 4_000_000 })], events: [] });
  const out = testPublisherStore(store).samples;
  t.same(
    out.map((s) => [s.name, s.unit, Number(s.volume)]),
    [
      ['cpu_ms', 'ms', 2],
      ['cpu_ms', 'ms', 4],
    ],
  );
});

t.test('transformers run in order on publish (conversion, then accumulation)', async (t) => {
  const store = unique('order');
  const manager = PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [{ name: 's', patterns: ['*'], sinks: ['k'] }],
        [
          {
            name: 'k',
            transformers: [
              { name: 'unit_conversion', parameters: { target: { name: 'cpu_x2', scale: 'volume * 2' } } },
              { name: 'accumulator', parameters: { size: 2 } },
            ],
            publishers: [`test://${store}`],
          },
        ],
      ),
    },
    options(),
  );
  t.teardown(() => manager.close());
  await manager.publishBatch({ samples: [sample({ volume: 1 }), sample({ volume: 3 })], events: [] });
  t.same(
    testPublisherStore(store).samples.map((s) => [s.name, Number(s.volume)]),
    [
      ['cpu_x2', 2],
      ['cpu_x2', 6],
    ],
  );
});

t.test('two sources naming the same sink get separate transformer instances', async (t) => {
  const store = unique('shared-sink');
  const manager = PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [
          { name: 'cpu_src', patterns: ['cpu'], sinks: ['acc'] },
          { name: 'mem_src', patterns: ['memory'], sinks: ['acc'] },
        ],
        [
          {
            name: 'acc',
            transformers: [{ name: 'accumulator', parameters: { size: 2 } }],
            publishers: [`test://${store}`],
          },
        ],
      ),
    },
    options(),
  );
  t.teardown(() => manager.close());
  const [p1, p2] = manager.samplePipelines;
  t.not(p1?.sink, p2?.sink, 'one sink object per pipeline');
  t.not(p1?.sink.transformers[0], p2?.sink.transformers[0], 'one transformer per pipeline');
  t.equal(p1?.sink.publishers[0], p2?.sink.publishers[0], 'publishers with the same URL are shared');
  await manager.publishBatch({ samples: [sample({ name: 'cpu' }), sample({ name: 'memory' })], events: [] });
  t.same(testPublisherStore(store).samples, [], 'each accumulator holds one sample: nothing released');
  await manager.publishBatch({ samples: [sample({ name: 'cpu' })], events: [] });
  t.same(names(testPublisherStore(store).samples), ['cpu', 'cpu'], 'only the cpu pipeline reached its size');
});

t.test('event pipelines filter by event type and ignore samples', async (t) => {
  const compute = unique('ev-compute');
  const rest = unique('ev-rest');
  const manager = PipelineManager.build(
    {
      event: pipelineConfig(
        'event',
        [
          { name: 'compute', patterns: ['compute.*'], sinks: ['c'] },
          { name: 'rest', patterns: ['!compute.*'], sinks: ['r'] },
        ],
        [
          { name: 'c', publishers: [`test://${compute}`] },
          { name: 'r', publishers: [`test://${rest}`] },
        ],
      ),
    },
    options(),
  );
  t.teardown(() => manager.close());
  const report = await manager.publishBatch({
    samples: [sample()],
    events: [event('compute.instance.exists'), event('volume.create.end'), event('compute.instance.delete.end')],
  });
  t.same(
    testPublisherStore(compute).events.map((e) => e.event_type),
    ['compute.instance.exists', 'compute.instance.delete.end'],
  );
  t.same(
    testPublisherStore(rest).events.map((e) => e.event_type),
    ['volume.create.end'],
  );
  t.same(testPublisherStore(compute).samples, []);
  t.equal(report.published, 3);
  t.same([...report.pipelines.keys()], ['event:compute:c', 'event:rest:r']);
  t.same(
    manager.eventPipelines.map((p) => p.name),
    ['event:compute:c', 'event:rest:r'],
  );
  t.ok(manager.eventPipelines[0]?.supports(event('compute.x')));
  t.notOk(manager.eventPipelines[0]?.supports(event('image.x')));
});

t.test('a failing event publisher is reported; the others still get the events', async (t) => {
  const good = unique('ev-good');
  const bad = unique('ev-bad');
  const manager = PipelineManager.build(
    {
      event: pipelineConfig(
        'event',
        [{ name: 'e', patterns: ['*'], sinks: ['k'] }],
        [{ name: 'k', publishers: [`test://${bad}?fail=always`, `test://${good}`] }],
      ),
    },
    options(),
  );
  t.teardown(() => manager.close());
  const report = await manager.publishBatch({ samples: [], events: [event('a.b')] });
  t.equal(testPublisherStore(good).events.length, 1);
  t.equal(report.publishErrors.length, 1);
  t.equal(report.published, 1);
});

t.test('overrides replace every sink publisher', async (t) => {
  const configured = unique('configured');
  const sampleOut = unique('override-samples');
  const eventOut = unique('override-events');
  const samplesPublisher = createPublisher(`test://${sampleOut}`, publisherContext);
  const eventsPublisher = createPublisher(`test://${eventOut}`, publisherContext);
  const manager = PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [{ name: 's', patterns: ['*'], sinks: ['k', 'j'] }],
        [
          { name: 'k', publishers: [`test://${configured}`] },
          { name: 'j', publishers: [`test://${configured}`, `test://${configured}-2`] },
        ],
      ),
      event: pipelineConfig(
        'event',
        [{ name: 'e', patterns: ['*'], sinks: ['k'] }],
        [{ name: 'k', publishers: [`test://${configured}`] }],
      ),
    },
    options({ overrides: { samples: samplesPublisher, events: eventsPublisher } }),
  );
  t.teardown(async () => {
    await manager.close();
    await samplesPublisher.close();
    await eventsPublisher.close();
  });
  await manager.publishBatch({ samples: [sample()], events: [event('a.b')] });
  t.equal(testPublisherStore(sampleOut).samples.length, 2, 'one per sample pipeline');
  t.equal(testPublisherStore(eventOut).events.length, 1);
  t.same(testPublisherStore(configured).samples, []);
  t.same(testPublisherStore(configured).events, []);
  t.same(testPublisherStore(`${configured}-2`).samples, []);
  for (const p of manager.samplePipelines)
    t.equal(p.sink.publishers[0], samplesPublisher, `${p.name} sends to the override`);
  t.equal(manager.eventPipelines[0]?.sink.publishers[0], eventsPublisher);
  t.equal(
    manager.samplePipelines[1]?.sink.publishers.length,
    1,
    'even a sink with two publishers has only the override',
  );
});

t.test('close() closes the publishers it created', async (t) => {
  const store = unique('close');
  const manager = PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [{ name: 's', patterns: ['*'], sinks: ['k'] }],
        [{ name: 'k', publishers: [`test://${store}`] }],
      ),
    },
    options(),
  );
  await manager.close();
  const report = await manager.publishBatch({ samples: [sample()], events: [] });
  t.equal(report.publishErrors.length, 1, 'a closed publisher refuses the batch');
  t.match(report.publishErrors[0]?.error.message, /closed/);
  t.same(testPublisherStore(store).samples, []);
});

t.test('unknown transformer or dangling sink reference throws at build', async (t) => {
  const bad = pipelineConfig(
    'sample',
    [{ name: 's', patterns: ['*'], sinks: ['k'] }],
    [{ name: 'k', transformers: [{ name: 'nope' }], publishers: ['test://x'] }],
  );
  t.throws(() => PipelineManager.build({ sample: bad }, options()), /No transformer named nope loaded/);
  const dangling = pipelineConfig('sample', [{ name: 's', patterns: ['*'], sinks: ['missing'] }], []);
  t.throws(() => PipelineManager.build({ sample: dangling }, options()), /missing source or sink/);
});

t.test('built from files loaded with the real registries', async (t) => {
  const out = unique('file-out');
  const dir = mkdtempSync(join(tmpdir(), 'meterflow-pipeline-file-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    `sources:
  - name: meter_source
    meters: ["*", "!memory"]
    sinks: [meter_sink]
sinks:
  - name: meter_sink
    transformers:
      - name: accumulator
        parameters: {size: 2}
    publishers: ["test://${out}", "gnocchi://"]
`,
  );
  writeFileSync(
    join(dir, 'event_pipeline.yaml'),
    `sources:
  - name: event_source
    events: ["compute.*"]
    sinks: [event_sink]
sinks:
  - name: event_sink
    publishers: ["test://${out}"]
`,
  );
  const registries = { transformers: transformerRegistry, publishers: publisherRegistry };
  const sampleFile = loadPipelineFile(join(dir, 'pipeline.yaml'), 'sample', registries);
  const eventFile = loadPipelineFile(join(dir, 'event_pipeline.yaml'), 'event', registries);
  t.same(sampleFile.issues, []);
  t.same(eventFile.issues, []);
  t.equal(sampleFile.warnings.length, 1, 'the unknown gnocchi:// scheme is a warning');
  const manager = PipelineManager.build({ sample: sampleFile.config, event: eventFile.config }, options());
  t.teardown(() => manager.close());
  t.same(
    manager.samplePipelines.map((p) => p.name),
    ['meter_source:meter_sink'],
  );
  t.same(
    manager.samplePipelines[0]?.sink.publishers.map((p) => p.target),
    [`test://${out}`],
    'the unknown scheme was skipped',
  );
  await manager.publishBatch({
    samples: [sample({ name: 'cpu' }), sample({ name: 'memory' }), sample({ name: 'disk' })],
    events: [event('compute.instance.exists'), event('image.upload')],
  });
  t.same(names(testPublisherStore(out).samples), ['cpu', 'disk']);
  t.same(
    testPublisherStore(out).events.map((e) => e.event_type),
    ['compute.instance.exists'],
  );
});

t.test(
  'publishGroups: per-notification contexts, one call per publisher, groups kept for publishers that want them',
  async (t) => {
    const calls: { groups: string[][]; flat: string[][] } = { groups: [], flat: [] };
    const grouping = {
      target: 'fake://grouping',
      publishSamples: async (samples: readonly Sample[]) => {
        calls.flat.push(names(samples));
      },
      publishEvents: async () => {},
      publishSampleGroups: async (groups: readonly (readonly Sample[])[]) => {
        calls.groups.push(...groups.map(names));
      },
      close: async () => {},
    };
    const manager = PipelineManager.build(
      {
        sample: pipelineConfig(
          'sample',
          [{ name: 's', patterns: ['*'], sinks: ['k'] }],
          [{ name: 'k', publishers: ['test://unused'] }],
        ),
      },
      options({ overrides: { samples: grouping } }),
    );
    const report = await manager.publishGroups([
      { samples: [sample({ name: 'a' }), sample({ name: 'b' })], events: [] },
      { samples: [], events: [] },
      { samples: [sample({ name: 'c' })], events: [] },
    ]);
    t.same(calls.groups, [['a', 'b'], ['c']], 'one group per publish context');
    t.same(calls.flat, [], 'publishSamples not used when groups are supported');
    t.equal(report.published, 3);
  },
);
