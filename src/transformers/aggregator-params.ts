import type { Logger } from '../observability/logger.js';
import { type ConversionOptions, parseConversion } from './conversion-params.js';
import { checkKeys, type Issue, numberValue, type Params, type Parsed } from './validate-params.js';

export type MergePolicy = 'first' | 'last' | 'drop';
export type MergedField = 'project_id' | 'user_id' | 'resource_metadata';

/** Parsed `aggregator` parameters (spec §4.7). */
export interface AggregatorOptions {
  conversion: ConversionOptions;
  /** Flush once this many samples (all groups together) are held. Default 1 when no retention. */
  size: number | undefined;
  /** Flush once the window's first sample timestamp is older than this (seconds). */
  retentionTime: number | undefined;
  /** Output timestamp: of the first (default) or the last sample of a group. */
  timestamp: 'first' | 'last';
  /** Merged attributes and their policies, in Ceilometer's order. */
  merged: [MergedField, MergePolicy][];
  /** Unmerged attributes: part of the group key. */
  keyAttributes: ('project_id' | 'user_id')[];
}

const KNOWN = ['size', 'retention_time', 'project_id', 'user_id', 'resource_metadata', 'timestamp', 'source', 'target'];

/** Python `int(value)` for what YAML gives; undefined when it would raise. */
function pyInt(value: unknown): number | undefined {
  if (typeof value === 'string' && /^\s*[+-]?\d(?:_?\d)*\s*$/.test(value)) return Number(value.replaceAll('_', ''));
  const n = numberValue(value);
  return n !== undefined && Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** Python `float(value)` for what YAML gives; undefined when it would raise. */
function pyFloatParam(value: unknown): number | undefined {
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return numberValue(value);
}

function policy(name: MergedField, value: unknown, droppable: boolean, logger: Logger): MergePolicy {
  if (value === 'first' || value === 'last' || (droppable && value === 'drop')) return value;
  logger.warn({ parameter: name, value }, `${name} is unknown (${String(value)}), using last`);
  return 'last';
}

export function parseAggregator(params: Params, logger: Logger): Parsed<AggregatorOptions> {
  const issues: Issue[] = [];
  checkKeys(params, KNOWN, '', issues);
  const conversion = parseConversion(params, issues);
  const size = params.size ? pyInt(params.size) : undefined;
  if (params.size && size === undefined) issues.push({ path: 'size', message: 'must be an integer' });
  const retentionTime = params.retention_time ? pyFloatParam(params.retention_time) : undefined;
  if (params.retention_time && retentionTime === undefined) {
    issues.push({ path: 'retention_time', message: 'must be a number of seconds' });
  }
  const merged: [MergedField, MergePolicy][] = [];
  const keyAttributes: ('project_id' | 'user_id')[] = [];
  for (const field of ['project_id', 'user_id'] as const) {
    if (params[field]) merged.push([field, policy(field, params[field], false, logger)]);
    else keyAttributes.push(field);
  }
  merged.push(['resource_metadata', policy('resource_metadata', params.resource_metadata ?? 'last', true, logger)]);
  return {
    options: {
      conversion,
      size: size || retentionTime ? size : 1,
      retentionTime,
      timestamp: params.timestamp === 'last' ? 'last' : 'first',
      merged,
      keyAttributes,
    },
    issues,
  };
}
