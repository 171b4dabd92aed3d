/**
 * What the in-process benchmarks share: an agent configuration in a directory (the given sample
 * pipeline, every event to a file, Ceilometer 19's definitions), loaded as `meterflow run` would,
 * and its PipelineManager with file publishers and no messaging; plus the ingest handler over any
 * sink (the manager itself, or the partitioned agent's stage 1).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { createIngestHandler, type IngestSink } from '../src/agent/ingest.js';
import { type LoadedConfig, loadConfig } from '../src/agent/load-config.js';
import { NotificationConverter } from '../src/definitions/index.js';
import type { BatchHandler } from '../src/messaging/types.js';
import { systemClock } from '../src/model/clock.js';
import { createLogger, type Logger } from '../src/observability/logger.js';
import { createIngestMetrics } from '../src/observability/metrics.js';
import { PipelineManager } from '../src/pipeline/index.js';
import { defaultTransformerContext } from '../src/transformers/index.js';

const CEILOMETER_19 = resolve('../shared/compat/ceilometer-19');

export interface InProcessAgent {
  config: LoadedConfig;
  secret: string;
  logger: Logger;
  manager: PipelineManager;
  /** The ingest batch handler publishing through `sink` (default: the manager). */
  handler(sink?: IngestSink): BatchHandler;
}

/** Writes the configuration into `dir` (which also holds the output files) and builds the agent's parts. */
export function inProcessAgent(dir: string, pipelineYaml: string): InProcessAgent {
  writeFileSync(join(dir, 'pipeline.yaml'), pipelineYaml);
  writeFileSync(
    join(dir, 'event_pipeline.yaml'),
    `sources: [{name: e, events: ['*'], sinks: [k]}]\nsinks: [{name: k, publishers: ['file://${dir}/events.jsonl']}]\n`,
  );
  writeFileSync(
    join(dir, 'meterflow.yaml'),
    `DEFAULT: {pipeline_cfg_file: '${dir}/pipeline.yaml', event_pipeline_cfg_file: '${dir}/event_pipeline.yaml'}\nmeter: {meter_definitions_dirs: ['${CEILOMETER_19}/meters.yaml']}\nevent: {definitions_cfg_file: '${CEILOMETER_19}/event_definitions.yaml'}\n`,
  );
  const config = loadConfig({ configFile: join(dir, 'meterflow.yaml') });
  const { options, meters } = config;
  if (!options || !meters || config.issues.length > 0) throw new Error(JSON.stringify(config.issues));
  const secret = options.publisher.telemetry_secret;
  const logger = createLogger({ level: 'error' });
  const manager = PipelineManager.build(config.pipelines, {
    transformerContext: defaultTransformerContext({
      clock: systemClock,
      logger,
      sampleSource: 'openstack',
      idleTtlMs: 3_600_000,
    }),
    publisherContext: {
      telemetrySecret: secret,
      logger,
      clock: systemClock,
      baseDir: dir,
      host: 'bench',
      notifierTopics: { metering: 'metering', event: 'event' },
      messaging: {
        publisherFor: () => {
          throw new Error('no messaging in this bench');
        },
      },
    },
    logger,
  });
  const handler = (sink: IngestSink = manager): BatchHandler =>
    createIngestHandler({
      converter: new NotificationConverter(meters, config.events ?? null, {
        sampleSource: 'openstack',
        newId: () => crypto.randomUUID(),
      }),
      manager: sink,
      logger,
      metrics: createIngestMetrics(new Registry()),
      ackOnEventError: true,
    });
  return { config, secret, logger, manager, handler };
}
