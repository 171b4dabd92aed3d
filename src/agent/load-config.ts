import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAgentOptions, loadPipelineFile } from '../config/index.js';
import type { AgentOptions, PipelineConfig } from '../config/index.js';
import { loadEventDefinitions, loadMeterDefinitions } from '../definitions/index.js';
import type { EventConverter, MeterConverter } from '../definitions/index.js';
import type { ConfigIssue } from '../errors.js';
import { fromEpochMicros, isoformat, systemClock } from '../model/index.js';
import type { Clock } from '../model/index.js';
import { publisherRegistry } from '../publishers/index.js';
import { transformerRegistry } from '../transformers/index.js';

/** The package root: the nearest ancestor with a package.json (from `src/` or `dist/src/`). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The configuration files meterflow ships (`config/` of the package). */
export const PACKAGED_CONFIG_DIR = resolve(packageRoot(), 'config');

/** Command-line overrides of the file options (`--pipeline`, `--meters`, ...). */
export interface ConfigFlags {
  configFile?: string;
  pipeline?: string;
  eventPipeline?: string;
  meters?: readonly string[];
  eventDefinitions?: string;
}

export interface LoadedConfig {
  /** Absent only when the options themselves are invalid (see `issues`). */
  options?: AgentOptions;
  files?: { pipeline: string; eventPipeline: string; meters: string[]; eventDefinitions: string };
  pipelines: { sample?: PipelineConfig; event?: PipelineConfig };
  meters?: MeterConverter;
  events?: EventConverter;
  issues: ConfigIssue[];
  warnings: ConfigIssue[];
}

/**
 * Where a definition file comes from: the flag, else the options file, else (like Ceilometer's
 * packaged fallback) meterflow's own `config/` when the configured file does not exist and
 * still has the default name (an option naming another file must exist).
 */
function pick(flag: string | undefined, configured: string, packaged: string): string {
  if (flag !== undefined) return resolve(flag);
  if (existsSync(configured) || basename(configured) !== packaged) return configured;
  return resolve(PACKAGED_CONFIG_DIR, packaged);
}

/** Read options and all four Ceilometer files, collecting every issue before anything starts. */
export function loadConfig(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
  clock: Clock = systemClock,
): LoadedConfig {
  const loadedOptions = loadAgentOptions({ ...(flags.configFile ? { file: resolve(flags.configFile) } : {}), env });
  const issues: ConfigIssue[] = [...loadedOptions.issues];
  const warnings: ConfigIssue[] = [...loadedOptions.warnings];
  const options = loadedOptions.options;
  if (!options) return { pipelines: {}, issues, warnings };
  const files = {
    pipeline: pick(flags.pipeline, options.DEFAULT.pipeline_cfg_file, 'pipeline.yaml'),
    eventPipeline: pick(flags.eventPipeline, options.DEFAULT.event_pipeline_cfg_file, 'event_pipeline.yaml'),
    meters: flags.meters?.length
      ? flags.meters.map((m) => resolve(m))
      : options.meter.meter_definitions_dirs.map((m) => pick(undefined, m, 'meters.yaml')),
    eventDefinitions: pick(flags.eventDefinitions, options.event.definitions_cfg_file, 'event_definitions.yaml'),
  };
  const registries = { transformers: transformerRegistry, publishers: publisherRegistry };
  const wanted = new Set(options.notification.pipelines);
  const pipelines: LoadedConfig['pipelines'] = {};
  const result: LoadedConfig = { options, files, pipelines, issues, warnings };
  if (wanted.has('meter')) {
    const sample = loadPipelineFile(files.pipeline, 'sample', registries);
    issues.push(...sample.issues);
    warnings.push(...sample.warnings);
    if (sample.config) pipelines.sample = sample.config;
    const meters = loadMeterDefinitions(files.meters, {
      sampleSource: options.DEFAULT.sample_source,
      now: () => isoformat(fromEpochMicros(clock.now() * 1000, 0)),
    });
    issues.push(...meters.issues);
    if (meters.converter) result.meters = meters.converter;
  }
  if (wanted.has('event')) {
    const event = loadPipelineFile(files.eventPipeline, 'event', registries);
    issues.push(...event.issues);
    warnings.push(...event.warnings);
    if (event.config) pipelines.event = event.config;
    const events = loadEventDefinitions(files.eventDefinitions, {
      dropUnmatched: options.event.drop_unmatched_notifications,
      storeRaw: options.event.store_raw,
      now: () => isoformat(fromEpochMicros(clock.now() * 1000, null)),
    });
    issues.push(...events.issues);
    if (events.converter) result.events = events.converter;
  }
  return result;
}
