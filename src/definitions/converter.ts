import type { EventConverter, EventDefinition } from './events.js';
import type { DefinitionFailure, DroppedSample, MeterConverter } from './meter-converter.js';
import type { Notification } from './notification.js';
import { PRIORITIES } from './notification.js';
import { NotificationFilter } from './filter.js';
import type { NotificationFilterSpec } from './filter.js';
import { isPyDict } from './values.js';
import { BadInputError } from '../errors.js';
import { RecentSharedDicts, samePyJson, sampleFromRecord } from '../model/index.js';
import type { Event, Sample } from '../model/index.js';

/** Everything one notification turned into, and everything that went wrong on the way. */
export interface Conversion {
  samples: Sample[];
  /** Which meter definition (or `telemetry.polling`) produced each sample. */
  sampleOrigins: string[];
  event: Event | null;
  eventDefinition: EventDefinition | null;
  dropped: DroppedSample[];
  /** Meter definitions that failed for this notification; other definitions still produced. */
  failures: DefinitionFailure[];
  /** Event traits that could not be converted; the event keeps its other traits. */
  traitErrors: string[];
  warnings: string[];
  /** Set when the priority is not one oslo.messaging dispatches. */
  unknownPriority: boolean;
}

const POLLING_EVENT_TYPE = 'telemetry.polling';

/** An endpoint of the dispatcher: the priorities it has a method for and its filter rule. */
interface Endpoint {
  name: string;
  priorities: ReadonlySet<string>;
  filter: NotificationFilter | null;
  handle(notification: Notification, out: Conversion): void;
}

export interface NotificationConverterOptions {
  sampleSource: string;
  newId: () => string;
  /**
   * Extra filter rule every notification must pass before any endpoint sees it (oslo's
   * `NotificationFilter`: regular expressions on event_type, publisher_id, context, metadata,
   * payload). Default: none.
   */
  filter?: NotificationFilterSpec;
}

/**
 * oslo's notification dispatcher over Ceilometer's endpoints: meter definitions on `info` and
 * `sample`, polling-agent samples on `sample` (filter rule `event_type=telemetry\.polling`),
 * events on `info` and `error`; other known priorities are consumed without output.
 */
export class NotificationConverter {
  private readonly endpoints: Endpoint[];
  private readonly filter: NotificationFilter | null;
  /** Polling samples' metadata by resource and meter, shared across notifications. */
  private readonly pollingMetadata = new RecentSharedDicts();

  constructor(
    private readonly meters: MeterConverter,
    private readonly events: EventConverter | null,
    private readonly options: NotificationConverterOptions,
  ) {
    this.filter = options.filter ? new NotificationFilter(options.filter) : null;
    this.endpoints = [
      {
        name: 'meter',
        priorities: new Set(['info', 'sample']),
        filter: null,
        handle: (n, o) => this.addMeterSamples(n, o),
      },
      {
        name: 'polling',
        priorities: new Set(['sample']),
        filter: new NotificationFilter({ event_type: `${POLLING_EVENT_TYPE.replace('.', '\\.')}$` }),
        handle: (n, o) => this.addPollingSamples(n, o),
      },
    ];
    if (events) {
      this.endpoints.push({
        name: 'event',
        priorities: new Set(['info', 'error']),
        filter: null,
        handle: (n, o) => this.addEvent(n, o),
      });
    }
  }

  convert(notification: Notification): Conversion {
    const out: Conversion = {
      samples: [],
      sampleOrigins: [],
      event: null,
      eventDefinition: null,
      dropped: [],
      failures: [],
      traitErrors: [],
      warnings: [],
      unknownPriority: !(PRIORITIES as readonly string[]).includes(notification.priority),
    };
    if (this.filter && !this.filter.accepts(notification.message)) return out;
    for (const endpoint of this.endpoints) {
      if (!endpoint.priorities.has(notification.priority)) continue;
      if (endpoint.filter && !endpoint.filter.accepts(notification.message)) continue;
      endpoint.handle(notification, out);
    }
    return out;
  }

  private addEvent(notification: Notification, out: Conversion): void {
    const result = (this.events as EventConverter).convert(notification);
    out.event = result.event;
    out.eventDefinition = result.definition;
    out.traitErrors.push(...result.traitErrors);
    out.warnings.push(...result.warnings);
  }

  private addMeterSamples(notification: Notification, out: Conversion): void {
    const result = this.meters.convert(notification);
    out.samples.push(...result.samples);
    out.sampleOrigins.push(...result.sampleDefinitions);
    out.dropped.push(...result.dropped);
    out.failures.push(...result.failures);
    out.warnings.push(...result.warnings);
  }

  /** `payload.samples` of a polling agent: signed metering messages, kept with their ids. */
  private addPollingSamples(notification: Notification, out: Conversion): void {
    const payload = notification.message.payload;
    const samples = isPyDict(payload) ? payload.samples : undefined;
    if (!Array.isArray(samples)) {
      out.failures.push({ definition: POLLING_EVENT_TYPE, message: 'payload.samples must be a list' });
      return;
    }
    // A polling agent sends a resource's meters together, and the same metadata every interval:
    // consecutive samples with equal metadata share one dict, and so do the polls of a resource
    // while its metadata stays the same, rendered and signed once for all of them
    // (model/shared-dict.ts).
    let previous: Sample['resource_metadata'] | undefined;
    samples.forEach((record, i) => {
      try {
        const sample = sampleFromRecord(record, { source: this.options.sampleSource, newId: this.options.newId });
        if (previous !== undefined && samePyJson(previous, sample.resource_metadata))
          sample.resource_metadata = previous;
        else {
          const key = `${String(sample.resource_id)}\u0000${sample.name}`;
          previous = sample.resource_metadata = this.pollingMetadata.share(key, sample.resource_metadata);
        }
        out.samples.push(sample);
        out.sampleOrigins.push(POLLING_EVENT_TYPE);
      } catch (err) {
        const detail = err instanceof BadInputError ? err.message : String(err);
        out.dropped.push({
          definition: POLLING_EVENT_TYPE,
          reason: 'invalid sample',
          detail: `samples[${i}]: ${detail}`,
        });
      }
    });
  }
}
