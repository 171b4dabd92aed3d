import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
