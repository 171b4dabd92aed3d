import type { EventConverter, EventDefinition } from './events.js';
import type { DefinitionFailure, DroppedSample, MeterConverter } from './meter-converter.js';
import type { Notification } from './notification.js';
import { PRIORITIES } from './notification.js';
import { isPyDict } from './values.js';
import { BadInputError } from '../errors.js';
import { sampleFromRecord } from '../model/index.js';
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

/**
 * Ceilometer's endpoints for one notification: meter definitions on `info` and `sample`,
 * polling-agent samples on `sample`, events on `info` and `error`; other known priorities are
 * consumed without output.
 */
export class NotificationConverter {
  constructor(
    private readonly meters: MeterConverter,
    private readonly events: EventConverter | null,
    private readonly options: { sampleSource: string; newId: () => string },
  ) {}

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
    const priority = notification.priority;
    if (priority === 'info' || priority === 'sample') this.addMeterSamples(notification, out);
    if (priority === 'sample' && notification.message.event_type === POLLING_EVENT_TYPE) {
      this.addPollingSamples(notification, out);
    }
    if ((priority === 'info' || priority === 'error') && this.events) {
      const result = this.events.convert(notification);
      out.event = result.event;
      out.eventDefinition = result.definition;
      out.traitErrors.push(...result.traitErrors);
      out.warnings.push(...result.warnings);
    }
    return out;
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
    samples.forEach((record, i) => {
      try {
        out.samples.push(sampleFromRecord(record, { source: this.options.sampleSource, newId: this.options.newId }));
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
