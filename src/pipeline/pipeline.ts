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
    const accepted = events.filter((e) => this.matcher.matches(e.event_type));
    return this.sink.publish(accepted);
  }
}
