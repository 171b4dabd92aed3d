import { pipelineName } from '../../src/config/index.js';
import type { PipelineConfig, PipelineKind } from '../../src/config/index.js';

export interface SinkSpec {
  name: string;
  transformers?: { name: string; parameters?: Record<string, unknown> }[];
  publishers: string[];
}

/** A PipelineConfig built by hand (what loadPipelineFile returns for a valid file). */
export function pipelineConfig(
  kind: PipelineKind,
  sources: { name: string; patterns: string[]; sinks: string[] }[],
  sinks: SinkSpec[],
): PipelineConfig {
  return {
    file: `${kind}.yaml`,
    kind,
    sources: sources.map((s) => ({ ...s, line: 0 })),
    sinks: sinks.map((s) => ({
      name: s.name,
      transformers: (s.transformers ?? []).map((tr) => ({ name: tr.name, parameters: tr.parameters ?? {}, line: 0 })),
      publishers: s.publishers.map((url) => ({ url, line: 0 })),
      line: 0,
    })),
    pipelines: sources.flatMap((s) =>
      s.sinks.map((sink) => ({ name: pipelineName(kind, s.name, sink), source: s.name, sink })),
    ),
  };
}
