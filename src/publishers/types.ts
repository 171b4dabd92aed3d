import type { ConfigIssue } from '../errors.js';
import type { Clock } from '../model/clock.js';
import type { Event } from '../model/event.js';
import type { Sample } from '../model/sample.js';
import type { ConfirmPublisher } from '../messaging/types.js';
import type { Logger } from '../observability/logger.js';

/**
 * A destination for samples and/or events, chosen by URL scheme in pipeline.yaml.
 * A rejected promise means the batch was not (fully) taken; `PublishError.retriable` says
 * whether trying again can help.
 */
export interface Publisher {
  /** The URL as configured, with credentials removed (safe to log). */
  readonly target: string;
  publishSamples(samples: readonly Sample[]): Promise<void>;
  publishEvents(events: readonly Event[]): Promise<void>;
  /**
   * Optional: several publish contexts' outputs in one call, kept apart where the wire format
   * shows the grouping (Ceilometer's `notifier://` sends one message per notification and sink).
   * Publishers without it get the concatenation through `publishSamples`/`publishEvents`.
   */
  publishSampleGroups?(groups: readonly (readonly Sample[])[]): Promise<void>;
  publishEventGroups?(groups: readonly (readonly Event[])[]): Promise<void>;
  close(): Promise<void>;
}

export interface PublisherContext {
  /** `[publisher] telemetry_secret`; empty disables signing. */
  telemetrySecret: string;
  logger: Logger;
  clock: Clock;
  /** Relative file paths in publisher URLs resolve against this directory. */
  baseDir: string;
  /** `[DEFAULT] host`, used in `publisher_id` (`telemetry.publisher.<host>`). */
  host?: string;
  /** `[publisher_notifier] metering_topic` / `event_topic` defaults of `notifier://`. */
  notifierTopics?: { metering: string; event: string };
  /**
   * Publishing to RabbitMQ for `notifier://`: the agent's transport when `url` is null, else a
   * transport for the URL's broker. Absent in offline runs (`replay`), where `notifier://`
   * cannot be created.
   */
  messaging?: { publisherFor(url: string | null): ConfirmPublisher };
}

export interface PublisherSpec {
  scheme: string;
  /** Problems with the URL (unknown options, bad values); `path` is left empty. */
  validate(url: URL): Omit<ConfigIssue, 'file' | 'line' | 'path'>[];
  create(url: URL, context: PublisherContext): Publisher;
}
