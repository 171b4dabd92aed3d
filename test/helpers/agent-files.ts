import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CEILOMETER_19 } from './paths.js';

/**
 * `pipeline.yaml` and `event_pipeline.yaml` in `dir` that send every sample to the publisher URL
 * `samples` and every event to `events`; returns their paths.
 */
export function writeCatchAllPipelines(
  dir: string,
  samples: string,
  events: string,
): { pipeline: string; eventPipeline: string } {
  const pipeline = join(dir, 'pipeline.yaml');
  const eventPipeline = join(dir, 'event_pipeline.yaml');
  writeFileSync(
    pipeline,
    `sources: [{name: s, meters: ['*'], sinks: [k]}]\nsinks: [{name: k, publishers: ['${samples}']}]\n`,
  );
  writeFileSync(
    eventPipeline,
    `sources: [{name: e, events: ['*'], sinks: [k]}]\nsinks: [{name: k, publishers: ['${events}']}]\n`,
  );
  return { pipeline, eventPipeline };
}

/**
 * A `meterflow.yaml` in `dir` for `meterflow run`: catch-all pipelines to `samples` and `events`,
 * Ceilometer 19's definitions, the transport `url`, and the given extra lines of `[DEFAULT]` and
 * `[notification]` (YAML, indented by the caller's two spaces). Returns its path.
 */
export function writeAgentConfig(
  dir: string,
  url: string,
  publishers: { samples: string; events: string },
  lines: { DEFAULT?: string[]; notification: string[] },
): string {
  const { pipeline, eventPipeline } = writeCatchAllPipelines(dir, publishers.samples, publishers.events);
  const file = join(dir, 'meterflow.yaml');
  writeFileSync(
    file,
    [
      'DEFAULT:',
      `  transport_url: ${url}`,
      `  pipeline_cfg_file: ${pipeline}`,
      `  event_pipeline_cfg_file: ${eventPipeline}`,
      ...(lines.DEFAULT ?? []).map((l) => `  ${l}`),
      'notification:',
      ...lines.notification.map((l) => `  ${l}`),
      'meter:',
      `  meter_definitions_dirs: [${CEILOMETER_19}meters.yaml]`,
      'event:',
      `  definitions_cfg_file: ${CEILOMETER_19}event_definitions.yaml`,
      '',
    ].join('\n'),
  );
  return file;
}
