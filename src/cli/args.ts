import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { ConfigFlags } from '../agent/index.js';

/** Flags naming the configuration files, shared by every command. */
export const FILE_FLAGS = {
  'config-file': { type: 'string' },
  pipeline: { type: 'string' },
  'event-pipeline': { type: 'string' },
  meters: { type: 'string', multiple: true },
  'event-definitions': { type: 'string' },
} as const;

export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function configFlags(values: Record<string, unknown>): ConfigFlags {
  const flags: ConfigFlags = {};
  if (typeof values['config-file'] === 'string') flags.configFile = values['config-file'];
  if (typeof values.pipeline === 'string') flags.pipeline = values.pipeline;
  if (typeof values['event-pipeline'] === 'string') flags.eventPipeline = values['event-pipeline'];
  if (Array.isArray(values.meters)) flags.meters = values.meters as string[];
  if (typeof values['event-definitions'] === 'string') flags.eventDefinitions = values['event-definitions'];
  return flags;
}

export const FILE_FLAGS_HELP = `  --config-file F         agent options (YAML); default: built-in defaults
  --pipeline F            pipeline.yaml (default: [DEFAULT] pipeline_cfg_file, else the packaged one)
  --event-pipeline F      event_pipeline.yaml
  --meters F|DIR          meter definitions file or directory; repeatable, later ones override
  --event-definitions F   event_definitions.yaml`;
