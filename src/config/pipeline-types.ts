import type { ConfigIssue } from '../errors.js';
import type { PublisherSpec } from '../publishers/types.js';
import type { TransformerSpec } from '../transformers/types.js';

/** `pipeline.yaml` (samples, `meters:`) or `event_pipeline.yaml` (events, `events:`). */
export type PipelineKind = 'sample' | 'event';

/** What a pipeline file may name, injected so config does not depend on the implementations. */
export interface PipelineRegistries {
  transformers: ReadonlyMap<string, TransformerSpec>;
  publishers: ReadonlyMap<string, PublisherSpec>;
}

export interface SourceConfig {
  name: string;
  /** `meters:` or `events:` patterns as written (globs, `!` exclusions). */
  patterns: string[];
  sinks: string[];
  line: number;
}

export interface TransformerConfig {
  name: string;
  /** Never null: a missing or null `parameters` is `{}`. */
  parameters: Record<string, unknown>;
  line: number;
}

export interface PublisherConfig {
  /** As written, with `://` appended to a bare scheme (`notifier` → `notifier://`). */
  url: string;
  line: number;
}

export interface SinkConfig {
  name: string;
  transformers: TransformerConfig[];
  /** Only publishers whose scheme is registered; unknown schemes were skipped with a warning. */
  publishers: PublisherConfig[];
  line: number;
}

export interface PipelineRef {
  /** `source` when source and sink names are equal, else `source:sink`; `event:` prefix for events. */
  name: string;
  source: string;
  sink: string;
}

export interface PipelineConfig {
  file: string;
  kind: PipelineKind;
  sources: SourceConfig[];
  sinks: SinkConfig[];
  /** One per (source, sink) pair, sources in file order, then each source's sinks in order. */
  pipelines: PipelineRef[];
}

export interface PipelineLoadResult {
  /** Present only when `issues` is empty. */
  config?: PipelineConfig;
  issues: ConfigIssue[];
  /** Things Ceilometer logs and carries on with (unknown publisher scheme). */
  warnings: ConfigIssue[];
}
