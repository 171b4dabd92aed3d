/**
 * The serialised forms of samples and events (Ceilometer `publisher/utils.py` and
 * `Sample.as_dict()`), and the validating readers for records that come back from queues/files.
 */
import { BadInputError } from '../errors.js';
import type { Event, Trait, TraitDtype } from './event.js';
import { isPyNumber, PyFloat, type PyNumber } from './py-float.js';
import { type PyJson, SAMPLE_TYPES, type Sample, type SampleType } from './sample.js';
import { computeSignature } from './signature.js';
import { parseIsoTime } from './time.js';
import { coerceVolume } from './volume.js';

/** `meter_message_from_counter(sample, secret)`: what `notifier://` and the partition queues carry. */
export type MeteringMessage = {
  source: string;
  counter_name: string;
  counter_type: SampleType;
  counter_unit: string;
  counter_volume: PyNumber;
  user_id: string | null;
  project_id: string | null;
  resource_id: string | null;
  timestamp: string;
  resource_metadata: { [key: string]: PyJson };
  message_id: string;
  monotonic_time: number | null;
  message_signature: string;
};

/** `message_from_event(event, secret)`. */
export type EventMessage = {
  message_id: string;
  event_type: string;
  generated: string;
  traits: [string, TraitDtype, Trait['value']][];
  raw: { [key: string]: PyJson };
  message_signature: string;
};

/** `BadInputError.reason` of records that are not valid samples / events. */
export const INVALID_SAMPLE = 'invalid_sample';
export const INVALID_EVENT = 'invalid_event';

/** `Sample.as_dict()`, keys in Ceilometer's order (one `file://…?json` line). */
export function sampleToDict(sample: Sample): Record<string, PyJson> {
  return {
    name: sample.name,
    type: sample.type,
    unit: sample.unit,
    volume: sample.volume,
    user_id: sample.user_id,
    project_id: sample.project_id,
    resource_id: sample.resource_id,
    timestamp: sample.timestamp,
    resource_metadata: sample.resource_metadata,
    source: sample.source,
    id: sample.id,
    monotonic_time: sample.monotonic_time,
  };
}

/** The signed metering message of a sample, keys in Ceilometer's order. */
export function sampleToMeteringMessage(sample: Sample, secret: string): MeteringMessage {
  const msg: MeteringMessage = {
    source: sample.source,
    counter_name: sample.name,
    counter_type: sample.type,
    counter_unit: sample.unit,
    counter_volume: sample.volume,
    user_id: sample.user_id,
    project_id: sample.project_id,
    resource_id: sample.resource_id,
    timestamp: sample.timestamp,
    resource_metadata: sample.resource_metadata,
    message_id: sample.id,
    monotonic_time: sample.monotonic_time,
    message_signature: '',
  };
  msg.message_signature = computeSignature(msg, secret);
  return msg;
}

/** The signed event message; traits become `[name, dtype, value]` lists. */
export function eventToMessage(event: Event, secret: string): EventMessage {
  const msg: EventMessage = {
    message_id: event.message_id,
    event_type: event.event_type,
    generated: event.generated,
    traits: event.traits.map((t) => [t.name, t.dtype, t.value]),
    raw: event.raw,
    message_signature: '',
  };
  msg.message_signature = computeSignature(msg, secret);
  return msg;
}

type Rec = { readonly [key: string]: unknown };

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** Field readers bound to one record kind, so every message names the record and the field. */
class FieldReader {
  readonly rec: Rec;
  private readonly what: 'sample' | 'event';

  constructor(rec: Rec, what: 'sample' | 'event') {
    this.rec = rec;
    this.what = what;
  }

  fail(field: string, expected: string, value: unknown): never {
    const reason = this.what === 'sample' ? INVALID_SAMPLE : INVALID_EVENT;
    throw new BadInputError(reason, `invalid ${this.what}: ${field} must be ${expected}, got ${describe(value)}`);
  }

  nonEmptyString(field: string): string {
    const v = this.rec[field];
    return typeof v === 'string' && v !== '' ? v : this.fail(field, 'a non-empty string', v);
  }

  string(field: string): string {
    const v = this.rec[field];
    return typeof v === 'string' ? v : this.fail(field, 'a string', v);
  }

  /** A string or null; a missing key counts as null. */
  optionalString(field: string): string | null {
    const v = this.rec[field];
    if (v === undefined || v === null) return null;
    return typeof v === 'string' ? v : this.fail(field, 'a string or null', v);
  }

  isoTime(field: string): string {
    const v = this.string(field);
    try {
      parseIsoTime(v);
    } catch {
      this.fail(field, 'an ISO 8601 time', v);
    }
    return v;
  }

  /** A dict; null or missing becomes `{}` (Ceilometer: `resource_metadata or {}`). */
  dict(field: string): { [key: string]: PyJson } {
    const v = this.rec[field];
    if (v === undefined || v === null) return {};
    return isRecord(v) ? (v as { [key: string]: PyJson }) : this.fail(field, 'an object or null', v);
  }
}

/**
 * Read a sample from a metering message (`counter_*` keys) or its `as_dict()` form, validating
 * every field. Missing `source`/id take the defaults; missing ids and monotonic_time are null.
 * Throws BadInputError (reason `invalid_sample`) naming the offending field.
 */
export function sampleFromRecord(obj: unknown, defaults: { source: string; newId: () => string }): Sample {
  if (!isRecord(obj))
    throw new BadInputError(INVALID_SAMPLE, `invalid sample: expected an object, got ${describe(obj)}`);
  const r = new FieldReader(obj, 'sample');
  const wire = obj.counter_name !== undefined;
  const name = r.nonEmptyString(wire ? 'counter_name' : 'name');
  const type = obj[wire ? 'counter_type' : 'type'];
  if (!SAMPLE_TYPES.includes(type as SampleType)) {
    r.fail(wire ? 'counter_type' : 'type', 'one of gauge, delta, cumulative', type);
  }
  const volumeField = wire ? 'counter_volume' : 'volume';
  const volume = coerceVolume(obj[volumeField]);
  if (!volume.ok) throw new BadInputError(INVALID_SAMPLE, `invalid sample: ${volumeField}: ${volume.detail}`);
  const idField = wire ? 'message_id' : 'id';
  const id = obj[idField] ?? defaults.newId();
  const source = obj.source ?? defaults.source;
  const monotonic = obj.monotonic_time ?? null;
  if (monotonic !== null && !isPyNumber(monotonic)) r.fail('monotonic_time', 'a number or null', monotonic);
  return {
    name,
    type: type as SampleType,
    unit: r.string(wire ? 'counter_unit' : 'unit'),
    volume: volume.volume,
    user_id: r.optionalString('user_id'),
    project_id: r.optionalString('project_id'),
    resource_id: r.optionalString('resource_id'),
    timestamp: r.isoTime('timestamp'),
    resource_metadata: r.dict('resource_metadata'),
    source: typeof source === 'string' ? source : r.fail('source', 'a string', source),
    id: typeof id === 'string' && id !== '' ? id : r.fail(idField, 'a non-empty string', id),
    monotonic_time: monotonic === null ? null : Number(monotonic),
  };
}

const TRAIT_DTYPES: readonly number[] = [1, 2, 3, 4];

/**
 * Read an event from its message form (`message_from_event`), validating every field. Traits may
 * be `[name, dtype, value]` lists or `{name, dtype, value}` objects. Throws BadInputError
 * (reason `invalid_event`) naming the offending field.
 */
export function eventFromRecord(obj: unknown): Event {
  if (!isRecord(obj)) throw new BadInputError(INVALID_EVENT, `invalid event: expected an object, got ${describe(obj)}`);
  const r = new FieldReader(obj, 'event');
  const traits: unknown = obj.traits ?? [];
  if (!Array.isArray(traits)) return r.fail('traits', 'a list', traits);
  return {
    message_id: r.nonEmptyString('message_id'),
    event_type: r.nonEmptyString('event_type'),
    generated: r.isoTime('generated'),
    traits: traits.map((t: unknown, i: number) => readTrait(r, t, `traits[${i}]`)),
    raw: r.dict('raw'),
  };
}

function readTrait(r: FieldReader, t: unknown, field: string): Trait {
  const [name, dtype, value] = Array.isArray(t) ? t : isRecord(t) ? [t.name, t.dtype, t.value] : [];
  if (typeof name !== 'string' || name === '') r.fail(`${field}.name`, 'a non-empty string', name);
  if (!TRAIT_DTYPES.includes(dtype as number))
    r.fail(`${field}.dtype`, 'one of 1 (text), 2 (int), 3 (float), 4 (datetime)', dtype);
  return { name, dtype: dtype as TraitDtype, value: traitValue(r, dtype as TraitDtype, value, `${field}.value`) };
}

function traitValue(r: FieldReader, dtype: TraitDtype, v: unknown, field: string): Trait['value'] {
  switch (dtype) {
    case 2:
      if (typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v))) return v;
      return r.fail(field, 'an integer for an int trait', v);
    case 3:
      if (v instanceof PyFloat) return v;
      // A float trait read by JSON.parse has lost its `.0`; the dtype says it is a float.
      if (typeof v === 'number' && Number.isFinite(v)) return Number.isInteger(v) ? new PyFloat(v) : v;
      return r.fail(field, 'a number for a float trait', v);
    case 4:
      if (typeof v === 'string') {
        try {
          parseIsoTime(v);
          return v;
        } catch {}
      }
      return r.fail(field, 'an ISO 8601 time for a datetime trait', v);
    default:
      return typeof v === 'string' ? v : r.fail(field, 'a string for a text trait', v);
  }
}
