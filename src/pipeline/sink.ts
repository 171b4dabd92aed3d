import type { Event, Sample } from '../model/index.js';
import type { Logger } from '../observability/logger.js';
import type { Publisher } from '../publishers/index.js';
import type { Transformer } from '../transformers/index.js';

/** What happened to one publish or flush call of a sink. */
export interface SinkReport {
  /** Samples (or events) handed to publishers, per publisher call that succeeded. */
  published: number;
  /** Samples a transformer failed on (logged, dropped). */
  transformerErrors: number;
  /** Publisher failures; the other publishers still ran. */
  publishErrors: { publisher: string; error: Error }[];
}

export function emptyReport(): SinkReport {
  return { published: 0, transformerErrors: 0, publishErrors: [] };
}

export function mergeReport(into: SinkReport, from: SinkReport): SinkReport {
  into.published += from.published;
  into.transformerErrors += from.transformerErrors;
  into.publishErrors.push(...from.publishErrors);
  return into;
}

/** Fan a batch out to every publisher in order; one failure does not stop the next one. */
async function fanOut(
  publishers: readonly Publisher[],
  send: (p: Publisher) => Promise<void>,
  count: number,
  report: SinkReport,
): Promise<void> {
  if (count === 0) return;
  for (const publisher of publishers) {
    try {
      await send(publisher);
      report.published += count;
    } catch (err) {
      report.publishErrors.push({ publisher: publisher.target, error: err as Error });
    }
  }
}

/**
 * A sink: a chain of transformers and a list of publishers (spec §2.5). meterflow builds one
 * sink per pipeline, so two sources sharing a sink name no longer share transformer state.
 */
export class SampleSink {
  constructor(
    readonly name: string,
    readonly transformers: readonly Transformer[],
    readonly publishers: readonly Publisher[],
    readonly logger: Logger,
  ) {}

  /** Run `samples` through transformers `from..n-1` and collect what comes out. */
  private transform(samples: readonly Sample[], from: number, report: SinkReport): Sample[] {
    if (from >= this.transformers.length) return [...samples];
    const out: Sample[] = [];
    for (const sample of samples) {
      let current: Sample | null = sample;
      for (let i = from; i < this.transformers.length && current !== null; i++) {
        try {
          current = (this.transformers[i] as Transformer).handle(current);
        } catch (err) {
          report.transformerErrors += 1;
          this.logger.warn(
            { sink: this.name, transformer: this.transformers[i]?.name, err },
            'transformer failed; sample dropped',
          );
          current = null;
        }
      }
      if (current !== null) out.push(current);
    }
    return out;
  }

  /** Ceilometer's `publish_data` without the publishing: what the transformer chain lets through. */
  process(samples: readonly Sample[], report: SinkReport): Sample[] {
    return this.transform(samples, 0, report);
  }

  /** Flush transformer i and push its output through i+1..n, for every i in order. */
  drain(report: SinkReport): Sample[] {
    const out: Sample[] = [];
    for (let i = 0; i < this.transformers.length; i++) {
      let flushed: Sample[];
      try {
        flushed = (this.transformers[i] as Transformer).flush();
      } catch (err) {
        report.transformerErrors += 1;
        this.logger.warn(
          { sink: this.name, transformer: this.transformers[i]?.name, err },
          'Error flushing transformer',
        );
        continue;
      }
      out.push(...this.transform(flushed, i + 1, report));
    }
    return out;
  }

  async publish(samples: readonly Sample[]): Promise<SinkReport> {
    const report = emptyReport();
    const out = this.process(samples, report);
    await fanOut(this.publishers, (p) => p.publishSamples(out), out.length, report);
    return report;
  }

  /**
   * One publish context (Ceilometer's): the samples through the transformers, then the flush,
   * all of it handed to each publisher in one call.
   */
  async publishContext(samples: readonly Sample[]): Promise<SinkReport> {
    const report = emptyReport();
    const out = this.process(samples, report);
    for (const sample of this.drain(report)) out.push(sample);
    await fanOut(this.publishers, (p) => p.publishSamples(out), out.length, report);
    return report;
  }

  async flush(): Promise<SinkReport> {
    const report = emptyReport();
    const out = this.drain(report);
    await fanOut(this.publishers, (p) => p.publishSamples(out), out.length, report);
    return report;
  }
}

/** Event sinks have no transformers: publish to every publisher. */
export class EventSink {
  constructor(
    readonly name: string,
    readonly publishers: readonly Publisher[],
  ) {}

  async publish(events: readonly Event[]): Promise<SinkReport> {
    const report = emptyReport();
    await fanOut(this.publishers, (p) => p.publishEvents(events), events.length, report);
    return report;
  }
}
