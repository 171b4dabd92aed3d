import { Registry } from 'prom-client';
import t from 'tap';
import { MeterflowError } from '../../../../src/errors.js';
import { createIngestHandler } from '../../../../src/agent/ingest.js';
import { decodeSamples, PARTITION_CONTENT_TYPE } from '../../../../src/agent/partitioned/codec.js';
import { createPartitionedMetrics } from '../../../../src/agent/partitioned/metrics.js';
import { StageOne } from '../../../../src/agent/partitioned/stage-one.js';
import type { Conversion, NotificationConverter } from '../../../../src/definitions/index.js';
import type { Event, Sample } from '../../../../src/model/index.js';
import { silentLogger } from '../../../../src/observability/logger.js';
import { createIngestMetrics } from '../../../../src/observability/metrics.js';
import { partitionQueue, route } from '../../../../src/partitioning/index.js';
import type { PipelineManager } from '../../../../src/pipeline/index.js';
import { testPublisherStore } from '../../../../src/publishers/index.js';
import { FakeConfirmPublisher } from '../../publishers/fake-confirm.js';
import { buildManager, cpu, delivery, PLAIN, RATE, SECRET, sample } from './fixtures.js';

const PREFIX = 'mf';
const P = 4;
const KEYS = ['resource_id'];

function setup(t: { teardown(fn: () => void): void }) {
  const built = buildManager(t);
  const publisher = new FakeConfirmPublisher();
  const registry = new Registry();
  const ratePipeline = built.manager.samplePipelines.find((p) => p.name === RATE)!;
  const stageOne = new StageOne({
    manager: built.manager,
    partitioned: [{ pipeline: ratePipeline, keys: KEYS }],
    partitions: P,
    prefix: PREFIX,
    publisher,
    telemetrySecret: SECRET,
    metrics: createPartitionedMetrics(registry),
  });
  return { ...built, publisher, registry, stageOne };
}

const queueOf = (s: Sample) => partitionQueue(PREFIX, RATE, route(s, KEYS, P));

/** What stage 1 should send: samples by queue, in arrival order, queues in first-use order. */
function expectedByQueue(samples: readonly Sample[]): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const s of samples) {
    if (s.name !== 'cpu') continue;
    const list = out.get(queueOf(s)) ?? [];
    list.push(s);
    out.set(queueOf(s), list);
  }
  return out;
}

function event(type: string): Event {
  return { message_id: `e-${type}`, event_type: type, generated: '2026-01-01T00:00:00', traits: [], raw: {} };
}

t.test('partitioned samples: one signed message per partition queue, in arrival order', async (t) => {
  const { stageOne, publisher, registry } = setup(t);
  const first = Array.from({ length: 12 }, (_, i) => cpu(`r${i}`, 100 * i, 0));
  const second = [cpu('r3', 400, 60), sample({ name: 'memory', resource_id: 'r3' }), cpu('r0', 50, 60)];
  const report = await stageOne.publishGroups([
    { samples: first, events: [] },
    { samples: second, events: [] },
  ]);

  const expected = expectedByQueue([...first, ...second]);
  t.ok(expected.size > 1, 'the resources spread over several partitions');
  t.equal(publisher.published.length, expected.size, 'one message per queue for the whole call');
  t.same(
    publisher.published.map((m) => m.routingKey).sort(),
    [...expected.keys()].sort(),
    'queues are <prefix>-pipe-<pipeline>-<route(sample, keys, P)>',
  );
  for (const m of publisher.published) {
    t.equal(m.exchange, '', `${m.routingKey}: through the default exchange`);
    t.same(decodeSamples(m.body, SECRET), expected.get(m.routingKey), `${m.routingKey}: its samples, in order`);
    t.same(
      m.options,
      { persistent: true, contentType: PARTITION_CONTENT_TYPE, mandatory: true },
      'persistent, application/x-ndjson, mandatory',
    );
  }
  t.equal(PARTITION_CONTENT_TYPE, 'application/x-ndjson');
  t.ok(
    publisher.published.every((m) => m.routingKey.startsWith(`${PREFIX}-pipe-${RATE}-`)),
    'named after the pipeline',
  );

  const routed = first.length + 2;
  t.equal(report.pipelines.get(RATE)?.published, routed, 'routed samples count as published for the pipeline');
  t.same(report.pipelines.get(RATE)?.publishErrors, []);
  t.same(report.publishErrors, []);
  t.match(
    await registry.metrics(),
    new RegExp(`meterflow_partition_samples_routed_total\\{pipeline="${RATE}"\\} ${routed}\\n`),
  );
});

t.test('pipelines without transformers and events are published in place, not routed', async (t) => {
  const { stageOne, publisher, manager, rate, plain, events } = setup(t);
  const samples = [cpu('r1', 100, 0), sample({ name: 'memory' }), cpu('r1', 160, 60)];
  const report = await stageOne.publishGroups([{ samples, events: [event('compute.instance.create.end')] }]);

  t.same(
    testPublisherStore(plain).samples.map((s) => s.id),
    samples.map((s) => s.id),
    'the stateless pipeline got every sample, untouched',
  );
  t.same(testPublisherStore(rate).samples, [], "the stateful pipeline's own publishers got nothing here");
  t.same(
    testPublisherStore(events).events.map((e) => e.event_type),
    ['compute.instance.create.end'],
    'events go through the event pipelines',
  );
  t.equal(report.pipelines.get(PLAIN)?.published, 3);
  t.equal(report.pipelines.get(RATE)?.published, 2);
  t.equal(report.published, 3 + 2 + 1, 'in place + routed + events');
  const routed = publisher.published.flatMap((m) => decodeSamples(m.body, SECRET));
  t.same(
    routed.map((s) => s.id),
    [samples[0]!.id, samples[2]!.id],
    'only what the partitioned source accepts is routed, raw (before any transformer)',
  );
  t.equal(stageOne.samplePipelines, manager.samplePipelines, 'the pipelines are the manager’s');
  t.equal(stageOne.eventPipelines.length, 1);
});

t.test('in-place publishing skips the partitioned pipelines (manager.publishGroups with the skip set)', async (t) => {
  const { manager } = buildManager(t);
  const calls: { flush: boolean; skip: string[] }[] = [];
  const spy = {
    samplePipelines: manager.samplePipelines,
    eventPipelines: manager.eventPipelines,
    publishGroups: (groups, flush = true, skip = new Set<string>()) => {
      calls.push({ flush, skip: [...skip] });
      return manager.publishGroups(groups, flush, skip);
    },
  } as Pick<PipelineManager, 'publishGroups' | 'samplePipelines' | 'eventPipelines'>;
  const stageOne = new StageOne({
    manager: spy as PipelineManager,
    partitioned: [{ pipeline: manager.samplePipelines.find((p) => p.name === RATE)!, keys: KEYS }],
    partitions: P,
    prefix: PREFIX,
    publisher: new FakeConfirmPublisher(),
    telemetrySecret: SECRET,
    metrics: createPartitionedMetrics(new Registry()),
  });
  await stageOne.publishGroups([{ samples: [cpu('r1', 1, 0)], events: [] }]);
  await stageOne.publishGroups([{ samples: [cpu('r1', 2, 60)], events: [] }], false);
  t.same(calls, [
    { flush: true, skip: [RATE] },
    { flush: false, skip: [RATE] },
  ]);
});

t.test('a failed publish is that pipeline’s publisher error; the other queues still get theirs', async (t) => {
  const { stageOne, publisher, registry } = setup(t);
  const samples = Array.from({ length: 12 }, (_, i) => cpu(`r${i}`, i, 0));
  const expected = expectedByQueue(samples);
  const [failing] = [...expected.keys()];
  publisher.failWhen = (m) => m.routingKey === failing;
  const report = await stageOne.publishGroups([{ samples, events: [] }]);

  const rateReport = report.pipelines.get(RATE)!;
  t.equal(rateReport.publishErrors.length, 1);
  t.equal(rateReport.publishErrors[0]?.publisher, `partition queue ${failing}`);
  t.match(rateReport.publishErrors[0]?.error.message, /nacked/);
  t.same(report.publishErrors, rateReport.publishErrors, 'also in the batch totals');
  t.same(report.pipelines.get(PLAIN)?.publishErrors, [], 'the in-place pipeline is not affected');
  const sent = samples.length - expected.get(failing!)!.length;
  t.equal(rateReport.published, sent, 'only confirmed samples count');
  t.same(publisher.published.map((m) => m.routingKey).sort(), [...expected.keys()].filter((q) => q !== failing).sort());
  t.match(await registry.metrics(), new RegExp(`routed_total\\{pipeline="${RATE}"\\} ${sent}\\n`));
});

t.test('a sample that cannot be written fails its queue like a refused publish; the rest go', async (t) => {
  const { stageOne, publisher } = setup(t);
  const good = Array.from({ length: 12 }, (_, i) => cpu(`r${i}`, i, 0));
  const bad = cpu('r0', 5, 60);
  bad.resource_metadata = { f: (() => 1) as unknown as Sample['volume'] };
  const report = await stageOne.publishGroups([{ samples: [...good, bad], events: [] }]);
  const rateReport = report.pipelines.get(RATE)!;
  t.equal(rateReport.publishErrors.length, 1);
  t.equal(rateReport.publishErrors[0]?.publisher, `partition queue ${queueOf(bad)}`);
  t.same(
    publisher.published.map((m) => m.routingKey).sort(),
    [...expectedByQueue(good).keys()].filter((q) => q !== queueOf(bad)).sort(),
  );
});

t.test('an unroutable publish (the queue was deleted) declares that queue again', async (t) => {
  const { stageOne, publisher } = setup(t);
  const samples = [cpu('r1', 1, 0)];
  const [queue] = [...expectedByQueue(samples).keys()];
  publisher.failWhen = (m) => m.routingKey === queue;
  publisher.failError = () =>
    new MeterflowError('amqp_unroutable', `publish to /${queue} was not routed to any queue`, { retriable: true });
  const before = publisher.declarations.length;
  const report = await stageOne.publishGroups([{ samples, events: [] }]);
  t.equal(report.publishErrors.length, 1, 'still a failure: the notification is retried');
  t.same(
    publisher.declarations.slice(before).map((d) => [d.kind, d.name]),
    [['queue', queue]],
    'declared again for the retry',
  );
  publisher.failWhen = undefined;
  t.same((await stageOne.publishGroups([{ samples, events: [] }])).publishErrors, [], 'the retry goes through');
  publisher.failWhen = (m) => m.routingKey === queue;
  publisher.failError = () => new MeterflowError('amqp_nacked', 'nacked by the broker', { retriable: true });
  const declared = publisher.declarations.length;
  await stageOne.publishGroups([{ samples, events: [] }]);
  t.equal(publisher.declarations.length, declared, 'a nack does not redeclare');
});

t.test('the ingest handler retries the notifications when a partition publish failed', async (t) => {
  const { stageOne, publisher, plain } = setup(t);
  const conversion = (samples: Sample[]): Conversion => ({
    samples,
    sampleOrigins: samples.map(() => 'cpu'),
    event: null,
    eventDefinition: null,
    dropped: [],
    failures: [],
    traitErrors: [],
    warnings: [],
    unknownPriority: false,
  });
  const queued = [conversion([cpu('r1', 1, 0)]), conversion([cpu('r2', 2, 0), sample({ name: 'memory' })])];
  const converter = { convert: () => queued.shift()! } as unknown as NotificationConverter;
  const handler = createIngestHandler({
    converter,
    manager: stageOne,
    logger: silentLogger,
    metrics: createIngestMetrics(new Registry()),
    ackOnEventError: true,
  });
  publisher.failNext(1);
  const body = Buffer.from(JSON.stringify({ event_type: 'compute.metrics.update', priority: 'info', payload: {} }));
  const batch = [delivery(body, 'notifications.info'), delivery(body, 'notifications.info')];
  const outcome = await handler(batch);
  t.same(outcome.ack, []);
  t.same(
    outcome.retry.map((r) => [batch.indexOf(r.delivery), r.reason]),
    [
      [0, 'publisher_failed'],
      [1, 'publisher_failed'],
    ],
  );
  t.equal(testPublisherStore(plain).samples.length, 3, 'the in-place pipeline published meanwhile');
});

t.test('declareQueues: P durable queues per partitioned pipeline, idempotent', async (t) => {
  const { stageOne, publisher } = setup(t);
  await stageOne.declareQueues();
  const names = Array.from({ length: P }, (_, p) => `${PREFIX}-pipe-${RATE}-${p}`);
  t.same(
    publisher.declarations,
    names.map((name) => ({ kind: 'queue', name, durable: true, bindings: [] })),
  );
  await stageOne.declareQueues();
  t.equal(publisher.declarations.length, 2 * P, 'declaring again is harmless (the broker makes it a no-op)');

  const none = new StageOne({
    manager: buildManager(t).manager,
    partitioned: [],
    partitions: P,
    prefix: PREFIX,
    publisher,
    telemetrySecret: SECRET,
    metrics: createPartitionedMetrics(new Registry()),
  });
  await none.declareQueues();
  t.equal(publisher.declarations.length, 2 * P, 'no partitioned pipeline, no queue');
});

t.test('a failed declaration rejects declareQueues', async (t) => {
  const { stageOne, publisher } = setup(t);
  publisher.failDeclarations = 1;
  await t.rejects(stageOne.declareQueues(), /declaring mf-pipe-.*-0 failed/);
});
