import { checkKeys, isMapping, IssueList, typeName } from './issue-list.js';
import { checkSinks, declaredSinkNames } from './pipeline-sinks.js';
import { checkSources } from './pipeline-sources.js';
import type { PipelineKind, PipelineLoadResult, PipelineRef, PipelineRegistries } from './pipeline-types.js';
import { loadYaml } from './yaml-source.js';

/**
 * Loads `pipeline.yaml` (`kind: 'sample'`) or `event_pipeline.yaml` (`kind: 'event'`):
 * parse, validate the whole file collecting every problem of spec §2.2/§3 with its line, and
 * only then build the config. An invalid file yields no config at all, never half of one.
 */
export function loadPipelineFile(file: string, kind: PipelineKind, registries: PipelineRegistries): PipelineLoadResult {
  const source = loadYaml(file);
  if (source.issues.length > 0) return { issues: source.issues, warnings: [] };
  const issues = new IssueList(file, source.locate);
  const warnings = new IssueList(file, source.locate);
  const root = source.value;
  if (!isMapping(root)) {
    const message = root === null ? 'Both sources & sinks are required' : `must be a mapping, not ${typeName(root)}`;
    issues.add([], message);
    return { issues: issues.issues, warnings: [] };
  }
  checkKeys(issues, root, [], ['sources', 'sinks']);
  if (!('sources' in root) || !('sinks' in root)) issues.add([], 'Both sources & sinks are required');
  const sources = 'sources' in root ? checkSources(issues, root.sources, kind, declaredSinkNames(root.sinks)) : [];
  const sinks = 'sinks' in root ? checkSinks(issues, warnings, root.sinks, kind, registries) : [];
  const pipelines = pipelineRefs(issues, root.sources, kind);
  if (issues.size > 0) return { issues: issues.issues, warnings: warnings.issues };
  return { config: { file, kind, sources, sinks, pipelines }, issues: [], warnings: warnings.issues };
}

/** Spec §2.3: `source` when both names are equal, else `source:sink`; events add `event:`. */
export function pipelineName(kind: PipelineKind, source: string, sink: string): string {
  const base = source === sink ? source : `${source}:${sink}`;
  return kind === 'event' ? `event:${base}` : base;
}

/**
 * One pipeline per (source, sink) in file order. Works on the raw list so that duplicate names
 * are reported even when other parts of the file are wrong.
 */
function pipelineRefs(issues: IssueList, rawSources: unknown, kind: PipelineKind): PipelineRef[] {
  const out: PipelineRef[] = [];
  if (!Array.isArray(rawSources)) return out;
  const seen = new Set<string>();
  rawSources.forEach((raw, index) => {
    if (!isMapping(raw) || typeof raw.name !== 'string' || !Array.isArray(raw.sinks)) return;
    const source = raw.name;
    raw.sinks.forEach((sink: unknown, sinkIndex: number) => {
      if (typeof sink !== 'string') return;
      const name = pipelineName(kind, source, sink);
      if (seen.has(name)) {
        issues.add(['sources', index, 'sinks', sinkIndex], duplicateMessage(name));
        return;
      }
      seen.add(name);
      out.push({ name, source, sink });
    });
  });
  return out;
}

function duplicateMessage(name: string): string {
  return `Duplicate pipeline name: ${name}. Ensure pipeline names are unique. (name is the source and sink names combined)`;
}
