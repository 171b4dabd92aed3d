import { PatternMatcher } from './matching.js';
import type { EventSink, SampleSink, SinkReport } from './sink.js';
import type { Event, Sample } from '../model/index.js';

/** A (source, sink) pair of pipeline.yaml: the source filters by meter name. */
export class SamplePipeline {
  private readonly matcher: PatternMatcher;

  constructor(
    readonly name: string,
    readonly sourceName: string,
    patterns: readonly string[],
    readonly sink: SampleSink,
  ) {
    this.matcher = new PatternMatcher(patterns);
  }

  supports(sample: Sample): boolean {
    return this.matcher.matches(sample.name);
  }

  async publish(samples: readonly Sample[]): Promise<SinkReport> {
    return this.sink.publish(samples.filter((s) => this.matcher.matches(s.name)));
  }

  async flush(): Promise<SinkReport> {
    return this.sink.flush();
  }

  /** The samples this source accepts, through the sink's transformers (no publishing). */
  process(samples: readonly Sample[], report: SinkReport): Sample[] {
    const accepted = samples.filter((s) => this.matcher.matches(s.name));
    return accepted.length === 0 ? [] : this.sink.process(accepted, report);
  }

  /** Flush the sink's transformers (no publishing). */
  drain(report: SinkReport): Sample[] {
    return this.sink.drain(report);
  }
}

/** A (source, sink) pair of event_pipeline.yaml: the source filters by event type. */
export class EventPipeline {
  private readonly matcher: PatternMatcher;

  constructor(
    readonly name: string,
    readonly sourceName: string,
    patterns: readonly string[],
    readonly sink: EventSink,
  ) {
    this.matcher = new PatternMatcher(patterns);
  }

  supports(event: Event): boolean {
    return this.matcher.matches(event.event_type);
  }

  async publish(events: readonly Event[]): Promise<SinkReport> {
    return this.sink.publish(this.accepted(events));
  }

  accepted(events: readonly Event[]): Event[] {
    return events.filter((e) => this.matcher.matches(e.event_type));
  }
}
