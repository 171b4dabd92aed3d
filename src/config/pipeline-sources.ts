import { checkKeys, isMapping, type IssueList, requireString, typeName } from './issue-list.js';
import type { PipelineKind, SourceConfig } from './pipeline-types.js';
import type { PathSegment } from './yaml-source.js';

/**
 * Newton's pipeline.yaml doubled as the polling definition (`interval: 600`); the notification
 * agent never used these keys, so they are accepted and ignored rather than rejected.
 */
const POLLING_ONLY_KEYS = ['interval', 'resources', 'discovery'] as const;

/** `meters` in pipeline.yaml, `events` in event_pipeline.yaml (spec §3). */
export function patternKey(kind: PipelineKind): 'meters' | 'events' {
  return kind === 'sample' ? 'meters' : 'events';
}

/** Validates `sources:` whole; `sinkNames` are the sink names declared in the same file. */
export function checkSources(
  issues: IssueList,
  value: unknown,
  kind: PipelineKind,
  sinkNames: ReadonlySet<string>,
): SourceConfig[] {
  if (!Array.isArray(value)) {
    issues.add(['sources'], `must be a list of sources, not ${typeName(value)}`);
    return [];
  }
  checkDuplicateNames(issues, value, 'sources', 'source');
  const out: SourceConfig[] = [];
  value.forEach((raw, index) => {
    const source = checkSource(issues, raw, ['sources', index], kind, sinkNames);
    if (source !== undefined) out.push(source);
  });
  return out;
}

/** Ceilometer reports each repeated occurrence: `Duplicated source names: <name>`. */
export function checkDuplicateNames(
  issues: IssueList,
  list: readonly unknown[],
  section: 'sources' | 'sinks',
  label: 'source' | 'sink',
): void {
  const seen = new Set<string>();
  list.forEach((item, index) => {
    if (!isMapping(item) || typeof item.name !== 'string') return;
    if (seen.has(item.name)) issues.add([section, index, 'name'], `Duplicated ${label} names: ${item.name}`);
    seen.add(item.name);
  });
}

function checkSource(
  issues: IssueList,
  raw: unknown,
  path: readonly PathSegment[],
  kind: PipelineKind,
  sinkNames: ReadonlySet<string>,
): SourceConfig | undefined {
  if (!isMapping(raw)) {
    issues.add(path, `must be a mapping, not ${typeName(raw)}`);
    return undefined;
  }
  const before = issues.size;
  const key = patternKey(kind);
  checkKeys(issues, raw, path, ['name', key, 'sinks'], kind === 'sample' ? POLLING_ONLY_KEYS : []);
  const name = checkName(issues, raw, path);
  const patterns = checkPatterns(issues, raw[key], [...path, key], kind, key in raw);
  const sinks = checkSourceSinks(issues, raw, path, name ?? pathLabel(path), sinkNames);
  if (issues.size > before || name === undefined) return undefined;
  return { name, patterns, sinks, line: issues.locateLine(path) };
}

/** Shared by sources and sinks: `Required field name not specified` when absent. */
export function checkName(
  issues: IssueList,
  raw: Record<string, unknown>,
  path: readonly PathSegment[],
): string | undefined {
  if (!('name' in raw)) {
    issues.add(path, 'Required field name not specified');
    return undefined;
  }
  return requireString(issues, raw.name, [...path, 'name']);
}

function pathLabel(path: readonly PathSegment[]): string {
  return `#${String(path[path.length - 1])}`;
}

function checkPatterns(
  issues: IssueList,
  value: unknown,
  path: readonly PathSegment[],
  kind: PipelineKind,
  present: boolean,
): string[] {
  const key = patternKey(kind);
  if (!present) {
    // Ceilometer 8+: SampleSource raises on the missing key, EventSource treats it as empty.
    issues.add(path.slice(0, -1), kind === 'sample' ? 'Missing meters value' : 'No events specified');
    return [];
  }
  if (value === null || (Array.isArray(value) && value.length === 0)) {
    issues.add(path, `No ${key} specified`);
    return [];
  }
  const patterns = stringList(issues, value, path);
  if (patterns === undefined) return [];
  checkClassification(issues, patterns, path, key);
  return patterns;
}

/**
 * Spec §2.2: `!x` is an exclusion, anything starting with `*` is a wildcard, the rest is
 * "included". As in Ceilometer, only the bare `*` conflicts with included names, so
 * `['cpu', 'disk.*']` and `['a', '*.bytes']` stay valid.
 */
function checkClassification(
  issues: IssueList,
  patterns: readonly string[],
  path: readonly PathSegment[],
  key: string,
) {
  const included = patterns.some((p) => !p.startsWith('!') && !p.startsWith('*'));
  const excluded = patterns.some((p) => p.startsWith('!'));
  if (included && excluded) issues.add(path, `Both included and excluded ${key} specified`);
  if (included && patterns.includes('*')) issues.add(path, `Included ${key} specified with wildcard`);
}

function checkSourceSinks(
  issues: IssueList,
  raw: Record<string, unknown>,
  path: readonly PathSegment[],
  sourceName: string,
  sinkNames: ReadonlySet<string>,
): string[] {
  if (!('sinks' in raw)) {
    issues.add(path, 'Required field sinks not specified');
    return [];
  }
  const value = raw.sinks;
  if (value === null || (Array.isArray(value) && value.length === 0)) {
    issues.add([...path, 'sinks'], `No sink defined in source ${sourceName}`);
    return [];
  }
  const sinks = stringList(issues, value, [...path, 'sinks']) ?? [];
  sinks.forEach((sink, index) => {
    if (!sinkNames.has(sink)) issues.add([...path, 'sinks', index], `Dangling sink ${sink} from source ${sourceName}`);
  });
  return sinks;
}

/** A list of non-empty strings; each bad item is its own issue. */
function stringList(issues: IssueList, value: unknown, path: readonly PathSegment[]): string[] | undefined {
  if (!Array.isArray(value)) {
    issues.add(path, `must be a list of strings, not ${typeName(value)}`);
    return undefined;
  }
  const before = issues.size;
  value.forEach((item, index) => {
    requireString(issues, item, [...path, index]);
  });
  return issues.size > before ? undefined : (value as string[]);
}
