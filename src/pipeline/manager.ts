import { EventPipeline, SamplePipeline } from './pipeline.js';
import { EventSink, emptyReport, mergeReport, SampleSink } from './sink.js';
import type { SinkReport } from './sink.js';
import type { PipelineConfig, SinkConfig } from '../config/index.js';
import type { Event, Sample } from '../model/index.js';
import type { Logger } from '../observability/logger.js';
import { createPublisher } from '../publishers/index.js';
import type { Publisher, PublisherContext } from '../publishers/index.js';
import { transformerRegistry } from '../transformers/index.js';
import type { Transformer, TransformerContext } from '../transformers/index.js';

export interface PipelineManagerOptions {
  transformerContext: TransformerContext;
  publisherContext: PublisherContext;
  logger: Logger;
  /**
   * Send everything that reaches a sample (or event) sink's publishers here instead
   * (`meterflow replay --output`).
   */
  overrides?: { samples?: Publisher; events?: Publisher };
}

/** The outcome of publishing one batch through every pipeline (and flushing them). */
export interface BatchReport extends SinkReport {
  /** Per pipeline name. */
  pipelines: Map<string, SinkReport>;
}

/**
 * All sample and event pipelines of one agent, built from validated pipeline files
 * (Ceilometer's pipeline managers plus the publish context).
 */
export class PipelineManager {
  private readonly publishers = new Map<string, Publisher>();

  private constructor(
    readonly samplePipelines: readonly SamplePipeline[],
    readonly eventPipelines: readonly EventPipeline[],
    publishers: Map<string, Publisher>,
  ) {
    this.publishers = publishers;
  }

  static build(
    files: { sample?: PipelineConfig; event?: PipelineConfig },
    options: PipelineManagerOptions,
  ): PipelineManager {
    const cache = new Map<string, Publisher>();
    const publisherFor = (url: string): Publisher => {
      let publisher = cache.get(url);
      if (!publisher) {
        publisher = createPublisher(url, options.publisherContext);
        cache.set(url, publisher);
      }
      return publisher;
    };
    const publishersOf = (sink: SinkConfig, override: Publisher | undefined): Publisher[] =>
      override ? [override] : sink.publishers.map((p) => publisherFor(p.url));

    const samples = (files.sample?.pipelines ?? []).map((ref) => {
      const { source, sink } = resolve(files.sample as PipelineConfig, ref.source, ref.sink);
      const transformers = sink.transformers.map((t) => createTransformer(t.name, t.parameters, options, ref.name));
      const sampleSink = new SampleSink(
        sink.name,
        transformers,
        publishersOf(sink, options.overrides?.samples),
        options.logger,
      );
      return new SamplePipeline(ref.name, source.name, source.patterns, sampleSink);
    });
    const events = (files.event?.pipelines ?? []).map((ref) => {
      const { source, sink } = resolve(files.event as PipelineConfig, ref.source, ref.sink);
      return new EventPipeline(
        ref.name,
        source.name,
        source.patterns,
        new EventSink(sink.name, publishersOf(sink, options.overrides?.events)),
      );
    });
    return new PipelineManager(samples, events, cache);
  }

  /**
   * Ceilometer's publish context: the batch goes through every pipeline, then (unless `flush`
   * is false) every pipeline is flushed. Publisher errors are collected, never thrown.
   */
  async publishBatch(
    batch: { samples: readonly Sample[]; events: readonly Event[] },
    flush = true,
  ): Promise<BatchReport> {
    const total: BatchReport = { ...emptyReport(), pipelines: new Map() };
    const add = (name: string, report: SinkReport): void => {
      mergeReport(total, report);
      const existing = total.pipelines.get(name);
      total.pipelines.set(name, existing ? mergeReport(existing, report) : report);
    };
    if (batch.samples.length > 0) {
      for (const pipeline of this.samplePipelines) add(pipeline.name, await pipeline.publish(batch.samples));
    }
    if (batch.events.length > 0) {
      for (const pipeline of this.eventPipelines) add(pipeline.name, await pipeline.publish(batch.events));
    }
    if (flush) await this.flushInto(add);
    return total;
  }

  /** Flush every sample pipeline (transformers holding samples back release them). */
  async flush(): Promise<BatchReport> {
    const total: BatchReport = { ...emptyReport(), pipelines: new Map() };
    await this.flushInto((name, report) => {
      mergeReport(total, report);
      total.pipelines.set(name, report);
    });
    return total;
  }

  private async flushInto(add: (name: string, report: SinkReport) => void): Promise<void> {
    for (const pipeline of this.samplePipelines) add(pipeline.name, await pipeline.flush());
  }

  async close(): Promise<void> {
    await Promise.all([...this.publishers.values()].map((p) => p.close()));
  }
}

function resolve(config: PipelineConfig, sourceName: string, sinkName: string) {
  const source = config.sources.find((s) => s.name === sourceName);
  const sink = config.sinks.find((s) => s.name === sinkName);
  if (!source || !sink) throw new Error(`pipeline ${sourceName}:${sinkName} refers to a missing source or sink`);
  return { source, sink };
}

function createTransformer(
  name: string,
  parameters: Record<string, unknown>,
  options: PipelineManagerOptions,
  pipeline: string,
): Transformer {
  const spec = transformerRegistry.get(name);
  if (!spec) throw new Error(`No transformer named ${name} loaded`);
  return spec.create(parameters, {
    ...options.transformerContext,
    logger: options.logger.child({ pipeline, transformer: name }),
  });
}
