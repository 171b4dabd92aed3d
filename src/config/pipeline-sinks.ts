import type { TransformerSpec } from '../transformers/types.js';
import { checkKeys, isMapping, type IssueList, type Mapping, typeName } from './issue-list.js';
import { checkPublishers } from './pipeline-publishers.js';
import { checkDuplicateNames, checkName } from './pipeline-sources.js';
import type { PipelineKind, PipelineRegistries, SinkConfig, TransformerConfig } from './pipeline-types.js';
import { joinPath, type PathSegment, parsePath, pathToString } from './yaml-source.js';

/** Validates `sinks:` whole. Unknown publisher schemes go to `warnings`, not `issues`. */
export function checkSinks(
  issues: IssueList,
  warnings: IssueList,
  value: unknown,
  kind: PipelineKind,
  registries: PipelineRegistries,
): SinkConfig[] {
  if (!Array.isArray(value)) {
    issues.add(['sinks'], `must be a list of sinks, not ${typeName(value)}`);
    return [];
  }
  checkDuplicateNames(issues, value, 'sinks', 'sink');
  const out: SinkConfig[] = [];
  value.forEach((raw, index) => {
    const sink = checkSink(issues, warnings, raw, ['sinks', index], kind, registries);
    if (sink !== undefined) out.push(sink);
  });
  return out;
}

/** The sink names a source may reference, taken before validation so dangling checks run too. */
export function declaredSinkNames(value: unknown): Set<string> {
  const names = new Set<string>();
  if (!Array.isArray(value)) return names;
  for (const sink of value) if (isMapping(sink) && typeof sink.name === 'string') names.add(sink.name);
  return names;
}

function checkSink(
  issues: IssueList,
  warnings: IssueList,
  raw: unknown,
  path: readonly PathSegment[],
  kind: PipelineKind,
  registries: PipelineRegistries,
): SinkConfig | undefined {
  if (!isMapping(raw)) {
    issues.add(path, `must be a mapping, not ${typeName(raw)}`);
    return undefined;
  }
  const before = issues.size;
  checkKeys(issues, raw, path, ['name', 'transformers', 'publishers']);
  const name = checkName(issues, raw, path);
  const transformers =
    kind === 'event'
      ? checkNoTransformers(issues, raw.transformers, [...path, 'transformers'])
      : checkTransformers(issues, raw.transformers, [...path, 'transformers'], registries.transformers);
  const publishers = checkPublishers(issues, warnings, raw, path, registries.publishers);
  if (issues.size > before || name === undefined) return undefined;
  return { name, transformers, publishers, line: issues.locateLine(path) };
}

/** Queens passes event pipelines an empty transformer registry; say so instead of "not loaded". */
function checkNoTransformers(issues: IssueList, value: unknown, path: readonly PathSegment[]): TransformerConfig[] {
  if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
    issues.add(path, 'event pipelines do not support transformers');
  }
  return [];
}

function checkTransformers(
  issues: IssueList,
  value: unknown,
  path: readonly PathSegment[],
  registry: ReadonlyMap<string, TransformerSpec>,
): TransformerConfig[] {
  // `transformers:` with nothing after it (Newton's meter_sink) means none.
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.add(path, `must be a list of transformers, not ${typeName(value)}`);
    return [];
  }
  const out: TransformerConfig[] = [];
  value.forEach((raw, index) => {
    const transformer = checkTransformer(issues, raw, [...path, index], registry);
    if (transformer !== undefined) out.push(transformer);
  });
  return out;
}

function checkTransformer(
  issues: IssueList,
  raw: unknown,
  path: readonly PathSegment[],
  registry: ReadonlyMap<string, TransformerSpec>,
): TransformerConfig | undefined {
  if (!isMapping(raw)) {
    issues.add(path, `must be a mapping, not ${typeName(raw)}`);
    return undefined;
  }
  const before = issues.size;
  checkKeys(issues, raw, path, ['name', 'parameters']);
  const name = checkName(issues, raw, path);
  const parameters = checkParameters(issues, raw.parameters, [...path, 'parameters']);
  const spec = name === undefined ? undefined : registry.get(name);
  if (name !== undefined && spec === undefined) {
    const known = [...registry.keys()].sort().join(', ');
    issues.add([...path, 'name'], `No transformer named ${name} loaded (known: ${known})`);
  }
  if (spec !== undefined && parameters !== undefined) runSpecValidation(issues, spec, parameters, path);
  if (issues.size > before || name === undefined || parameters === undefined) return undefined;
  return { name, parameters, line: issues.locateLine(path) };
}

/**
 * A missing `parameters` key is `{}`: Ceilometer crashed on it with a bare KeyError
 * (known-problems #53) although every transformer has defaults. `parameters: null` is `{}` too.
 */
function checkParameters(issues: IssueList, value: unknown, path: readonly PathSegment[]): Mapping | undefined {
  if (value === undefined || value === null) return {};
  if (isMapping(value)) return value;
  issues.add(path, `must be a mapping, not ${typeName(value)}`);
  return undefined;
}

/** The spec's issues carry paths relative to `parameters`; anchor them in this file. */
function runSpecValidation(
  issues: IssueList,
  spec: TransformerSpec,
  parameters: Mapping,
  path: readonly PathSegment[],
) {
  const base = [...path, 'parameters'];
  let found: ReturnType<TransformerSpec['validate']>;
  try {
    found = spec.validate(parameters);
  } catch (err) {
    // A validator bug must still end as a located config error, not a crash at startup.
    found = [{ path: '', message: `cannot validate parameters: ${err instanceof Error ? err.message : String(err)}` }];
  }
  for (const issue of found) {
    issues.addAt([...base, ...parsePath(issue.path)], joinPath(pathToString(base), issue.path), issue.message);
  }
}
