import { EventPipeline, SamplePipeline } from './pipeline.js';
import { EventSink, emptyReport, SampleSink } from './sink.js';
import type { SinkReport } from './sink.js';
import type { PipelineConfig, SinkConfig } from '../config/index.js';
import type { Event, Sample } from '../model/index.js';
import type { Logger } from '../observability/logger.js';
import { createPublisher, redactUrl } from '../publishers/index.js';
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
  /**
   * Publishers that cannot be created here (e.g. `notifier://` in an offline `replay`) are
   * skipped with a warning instead of failing the build. Default false.
   */
  skipUnavailablePublishers?: boolean;
}

/** The outcome of publishing one batch through every pipeline (and flushing them). */
export interface BatchReport extends SinkReport {
  /** Per pipeline name. */
  pipelines: Map<string, SinkReport>;
}

/** What one publish context receives. */
export interface PublishGroup {
  samples: readonly Sample[];
  events: readonly Event[];
}

const NONE: ReadonlySet<string> = new Set();

function sendSamples(publisher: Publisher, items: Sample[], groups: (readonly Sample[])[]): Promise<void> {
  return publisher.publishSampleGroups ? publisher.publishSampleGroups(groups) : publisher.publishSamples(items);
}

function reportFor(total: BatchReport, pipeline: string): SinkReport {
  let report = total.pipelines.get(pipeline);
  if (!report) {
    report = emptyReport();
    total.pipelines.set(pipeline, report);
  }
  return report;
}

/**
 * Items waiting for their publishers: one list per publisher in production order, remembering
 * which pipeline contributed how many, so results can be reported per pipeline.
 */
class Outbox<T> {
  private readonly queues = new Map<
    Publisher,
    { items: T[]; groups: (readonly T[])[]; perPipeline: Map<string, number> }
  >();

  /** One add = one (publish context, sink) output, Ceilometer's unit of publisher call. */
  add(publishers: readonly Publisher[], pipeline: string, items: readonly T[]): void {
    if (items.length === 0) return;
    for (const publisher of publishers) {
      let queue = this.queues.get(publisher);
      if (!queue) {
        queue = { items: [], groups: [], perPipeline: new Map() };
        this.queues.set(publisher, queue);
      }
      for (const item of items) queue.items.push(item);
      queue.groups.push(items);
      queue.perPipeline.set(pipeline, (queue.perPipeline.get(pipeline) ?? 0) + items.length);
    }
  }

  /** One call per publisher; a failure is recorded and the next publisher still gets its share. */
  async send(
    call: (publisher: Publisher, items: T[], groups: (readonly T[])[]) => Promise<void>,
    total: BatchReport,
  ): Promise<void> {
    for (const [publisher, queue] of this.queues) {
      try {
        await call(publisher, queue.items, queue.groups);
        total.published += queue.items.length;
        for (const [name, n] of queue.perPipeline) reportFor(total, name).published += n;
      } catch (err) {
        const failure = { publisher: publisher.target, error: err as Error };
        total.publishErrors.push(failure);
        for (const name of queue.perPipeline.keys()) reportFor(total, name).publishErrors.push(failure);
      }
    }
  }
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
    private readonly makeTransformers: (pipeline: string) => Transformer[],
  ) {
    this.publishers = publishers;
  }

  static build(
    files: { sample?: PipelineConfig; event?: PipelineConfig },
    options: PipelineManagerOptions,
  ): PipelineManager {
    const cache = new Map<string, Publisher | null>();
    const publisherFor = (url: string): Publisher | null => {
      if (cache.has(url)) return cache.get(url) ?? null;
      let publisher: Publisher | null = null;
      try {
        publisher = createPublisher(url, options.publisherContext);
      } catch (err) {
        if (!options.skipUnavailablePublishers) throw err;
        options.logger.warn({ publisher: redactUrl(url) }, `publisher skipped: ${(err as Error).message}`);
      }
      cache.set(url, publisher);
      return publisher;
    };
    const publishersOf = (sink: SinkConfig, override: Publisher | undefined): Publisher[] =>
      override ? [override] : sink.publishers.map((p) => publisherFor(p.url)).filter((p): p is Publisher => p !== null);

    const makeTransformers = (pipeline: string): Transformer[] => {
      const ref = (files.sample?.pipelines ?? []).find((r) => r.name === pipeline);
      if (!ref) throw new Error(`no sample pipeline named ${pipeline}`);
      const { sink } = resolve(files.sample as PipelineConfig, ref.source, ref.sink);
      return sink.transformers.map((t) => createTransformer(t.name, t.parameters, options, ref.name));
    };
    const samples = (files.sample?.pipelines ?? []).map((ref) => {
      const { source, sink } = resolve(files.sample as PipelineConfig, ref.source, ref.sink);
      const transformers = makeTransformers(ref.name);
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
    return new PipelineManager(
      samples,
      events,
      new Map([...cache].filter((e): e is [string, Publisher] => e[1] !== null)),
      makeTransformers,
    );
  }

  /**
   * A new sink for `pipeline` with fresh transformers (empty state) and the pipeline's shared
   * publishers: the partitioned agent keeps one per (pipeline, partition).
   */
  freshSink(pipeline: string): SampleSink {
    const found = this.samplePipelines.find((p) => p.name === pipeline);
    if (!found) throw new Error(`no sample pipeline named ${pipeline}`);
    const { sink } = found;
    return new SampleSink(sink.name, this.makeTransformers(pipeline), sink.publishers, sink.logger);
  }

  /**
   * Ceilometer's publish context for one batch: it goes through every pipeline, then (unless
   * `flush` is false) every pipeline is flushed. Publisher errors are collected, never thrown.
   */
  async publishBatch(batch: PublishGroup, flush = true): Promise<BatchReport> {
    return this.publishGroups([batch], flush);
  }

  /**
   * Several publish contexts in a row (Ceilometer opens one per notification), with the
   * publishing done once at the end: each publisher receives, in one call, everything the groups
   * produced for it, in the order Ceilometer would have published it. Transformer state
   * advances group by group exactly as with separate contexts.
   */
  async publishGroups(
    groups: readonly PublishGroup[],
    flush = true,
    skip: ReadonlySet<string> = NONE,
  ): Promise<BatchReport> {
    const total: BatchReport = { ...emptyReport(), pipelines: new Map() };
    const samples = new Outbox<Sample>();
    const events = new Outbox<Event>();
    const pipelines = skip.size === 0 ? this.samplePipelines : this.samplePipelines.filter((p) => !skip.has(p.name));
    for (const group of groups) {
      if (group.samples.length > 0) {
        for (const pipeline of pipelines) {
          samples.add(
            pipeline.sink.publishers,
            pipeline.name,
            pipeline.process(group.samples, reportFor(total, pipeline.name)),
          );
        }
      }
      if (group.events.length > 0) {
        for (const pipeline of this.eventPipelines)
          events.add(pipeline.sink.publishers, pipeline.name, pipeline.accepted(group.events));
      }
      if (flush) this.drainInto(samples, total, pipelines);
    }
    await samples.send(sendSamples, total);
    await events.send(
      (p, items, grouped) => (p.publishEventGroups ? p.publishEventGroups(grouped) : p.publishEvents(items)),
      total,
    );
    return total;
  }

  /** Flush every sample pipeline (transformers holding samples back release them). */
  async flush(): Promise<BatchReport> {
    const total: BatchReport = { ...emptyReport(), pipelines: new Map() };
    const samples = new Outbox<Sample>();
    this.drainInto(samples, total);
    await samples.send(sendSamples, total);
    return total;
  }

  private drainInto(outbox: Outbox<Sample>, total: BatchReport, pipelines = this.samplePipelines): void {
    for (const pipeline of pipelines) {
      outbox.add(pipeline.sink.publishers, pipeline.name, pipeline.drain(reportFor(total, pipeline.name)));
    }
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
