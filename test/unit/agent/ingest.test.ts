import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import t from 'tap';
import { createIngestHandler } from '../../../src/agent/ingest.js';
import { loadPipelineFile } from '../../../src/config/index.js';
import { loadEventDefinitions, loadMeterDefinitions, NotificationConverter } from '../../../src/definitions/index.js';
import type { Delivery } from '../../../src/messaging/types.js';
import { ManualClock } from '../../../src/model/index.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createIngestMetrics } from '../../../src/observability/metrics.js';
import { PipelineManager } from '../../../src/pipeline/index.js';
import { publisherRegistry, testPublisherStore } from '../../../src/publishers/index.js';
import { defaultTransformerContext, transformerRegistry } from '../../../src/transformers/index.js';
import { tempDir } from '../../helpers/cli.js';
import { CEILOMETER_19, GOLDEN } from '../../helpers/paths.js';
import { writeCatchAllPipelines } from '../../helpers/agent-files.js';

const corpus = readFileSync(`${GOLDEN}corpus.jsonl`, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { id: string; envelope: unknown; exchange: string; routing_key: string });

const delivery = (body: string): Delivery => ({
  body: Buffer.from(body),
  queue: 'notifications.info',
  exchange: 'nova',
  routingKey: 'notifications.info',
  redelivered: false,
  headers: {},
  contentType: 'application/json',
  transport: 0,
});

function setup(t: { teardown(fn: () => void): void }, samplesUrl: string, eventsUrl: string, ackOnEventError = true) {
  const dir = tempDir(t);
  const { pipeline, eventPipeline } = writeCatchAllPipelines(dir, samplesUrl, eventsUrl);
  const registries = { transformers: transformerRegistry, publishers: publisherRegistry };
  const sample = loadPipelineFile(pipeline, 'sample', registries).config;
  const event = loadPipelineFile(eventPipeline, 'event', registries).config;
  const manager = PipelineManager.build(
    { ...(sample ? { sample } : {}), ...(event ? { event } : {}) },
    {
      transformerContext: defaultTransformerContext(),
      publisherContext: { telemetrySecret: 's', logger: silentLogger, clock: new ManualClock(0), baseDir: dir },
      logger: silentLogger,
    },
  );
  const meters = loadMeterDefinitions([`${CEILOMETER_19}meters.yaml`]).converter;
  const events = loadEventDefinitions(`${CEILOMETER_19}event_definitions.yaml`).converter;
  if (!meters || !events) throw new Error('definitions');
  const converter = new NotificationConverter(meters, events, { sampleSource: 'openstack', newId: () => 'id' });
  const registry = new Registry();
  const handler = createIngestHandler({
    converter,
    manager,
    logger: silentLogger,
    metrics: createIngestMetrics(registry),
    ackOnEventError,
  });
  return { handler, registry };
}

const byId = (id: string) => JSON.stringify(corpus.find((c) => c.id === id)?.envelope);

t.test('a batch: converted, published once per publisher, then acked; bad input dead-lettered', async (t) => {
  const name = `ingest-${process.pid}-a`;
  const { handler, registry } = setup(t, `test://${name}-s`, `test://${name}-e`);
  const batch = [
    delivery(byId('fx-03-compute.instance.exists')),
    delivery('{not json'),
    delivery('{"oslo.version": "2.0", "oslo.message": 7}'),
    delivery(byId('nova-exists-priority-notice')),
    delivery(byId('fx-16-image.upload')),
  ];
  const outcome = await handler(batch);
  t.same(
    outcome.ack.map((d) => batch.indexOf(d)),
    [3, 0, 4],
  );
  t.same(
    outcome.deadLetter.map((d) => [batch.indexOf(d.delivery), d.reason]),
    [
      [1, 'not_json'],
      [2, 'not_an_envelope'],
    ],
  );
  t.same(outcome.retry, []);
  t.equal(testPublisherStore(`${name}-s`).samples.length, 5, '4 instance samples + image.size');
  t.equal(testPublisherStore(`${name}-e`).events.length, 2);
  const metrics = await registry.metrics();
  t.match(metrics, /meterflow_dead_lettered_total\{reason="not_json"\} 1/);
  t.match(metrics, /meterflow_notifications_total\{priority="unknown"\} 1/);
  t.match(metrics, /meterflow_published_total 7/);
});

t.test('a failing sample publisher retries the whole batch; events obey ack_on_event_error', async (t) => {
  const name = `ingest-${process.pid}-b`;
  const failing = setup(t, `test://${name}-s?fail=always`, `test://${name}-e`);
  const batch = [delivery(byId('fx-03-compute.instance.exists')), delivery(byId('fx-16-image.upload'))];
  const outcome = await failing.handler(batch);
  t.same(outcome.ack, []);
  t.same(
    outcome.retry.map((r) => r.reason),
    ['publisher_failed', 'publisher_failed'],
  );
  t.equal(testPublisherStore(`${name}-e`).events.length, 2, 'the event publisher still got the batch');

  const eventsFailAck = setup(t, `test://${name}-s2`, `test://${name}-e2?fail=always`, true);
  t.equal((await eventsFailAck.handler(batch)).ack.length, 2, 'ack_on_event_error=true acks');
  const eventsFailRetry = setup(t, `test://${name}-s3`, `test://${name}-e3?fail=always`, false);
  t.equal((await eventsFailRetry.handler(batch)).retry.length, 2, 'ack_on_event_error=false retries');
});

t.test('a notification a definition fails on: other samples published, a copy dead-lettered', async (t) => {
  const name = `ingest-${process.pid}-c`;
  const { handler } = setup(t, `test://${name}-s`, `test://${name}-e`);
  const env = corpus.find((c) => c.id === 'nova-exists-bad-datetime-trait')?.envelope as { 'oslo.message': string };
  const outcome = await handler([delivery(JSON.stringify(env))]);
  t.equal(outcome.deadLetter.length, 1);
  t.equal(outcome.deadLetter[0]?.reason, 'definition_failed');
  t.match(outcome.deadLetter[0]?.error, /event trait .*Unable to parse date string/);
  t.equal(testPublisherStore(`${name}-s`).samples.length, 4, 'the samples were published');
  t.equal(testPublisherStore(`${name}-e`).events.length, 1, 'the event without the bad trait was published');
});
