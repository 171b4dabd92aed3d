/**
 * The `file://` publisher's JSON lines, built straight from samples and events:
 * `dumpsPyJson(sampleToMeteringMessage(s, secret))` and `dumpsPyJson(eventToMessage(e, secret))`
 * byte for byte, without the intermediate message objects, with the key orders (signed and
 * written) fixed once instead of sorted per message, and constant parts rendered once.
 */
import type { Event, Trait } from './event.js';
import { asciiString, dumpsPyJson } from './py-json-dump.js';
import { bytesRepr, comparePyStr, pyReprBytesList } from './py-str.js';
import type { PyJson, Sample } from './sample.js';
import { signatureOf, signedItem } from './signature.js';

/** A message's keys in written order (without `message_signature`, always last). */
interface Shape {
  keys: readonly string[];
  /** `"key": ` as dumpsPyJson writes it. */
  jsonKeys: readonly string[];
  /** Indexes into `keys` in Python's sorted order, as the signature walks them. */
  signedOrder: readonly number[];
}

function shape(keys: readonly string[]): Shape {
  return {
    keys,
    jsonKeys: keys.map((k) => `${asciiString(k)}: `),
    signedOrder: keys.map((_, i) => i).sort((a, b) => comparePyStr(keys[a] as string, keys[b] as string)),
  };
}

// Keys (in order) of meterflow's MeteringMessage and EventMessage (see metering.ts).
const METERING = shape([
  'source',
  'counter_name',
  'counter_type',
  'counter_unit',
  'counter_volume',
  'user_id',
  'project_id',
  'resource_id',
  'timestamp',
  'resource_metadata',
  'message_id',
  'monotonic_time',
]);
const EVENT = shape(['message_id', 'event_type', 'generated', 'traits', 'raw']);

/** Signs `values` (one per shape key, `undefined` = absent) and writes the JSON line. */
function line(s: Shape, values: readonly (PyJson | undefined)[], secret: string, rendered?: RenderedTraits): string {
  let data = '';
  for (const i of s.signedOrder) {
    const key = s.keys[i] as string;
    data += rendered?.index === i ? key + rendered.signed : signedItem(key, values[i]);
  }
  let out = '{';
  for (let i = 0; i < s.keys.length; i++) {
    const value = values[i];
    if (value === undefined) continue;
    out += (out.length > 1 ? ', ' : '') + s.jsonKeys[i] + (rendered?.index === i ? rendered.json : dumpsPyJson(value));
  }
  // The signature is hex (or empty): a JSON string needing no escapes.
  return `${out}${out.length > 1 ? ', ' : ''}"message_signature": "${signatureOf(data, secret)}"}`;
}

/** `dumpsPyJson(sampleToMeteringMessage(sample, secret))`. */
export function meteringMessageLine(sample: Sample, secret: string): string {
  return line(
    METERING,
    [
      sample.source,
      sample.name,
      sample.type,
      sample.unit,
      sample.volume,
      sample.user_id,
      sample.project_id,
      sample.resource_id,
      sample.timestamp,
      sample.resource_metadata,
      sample.id,
      sample.monotonic_time,
    ],
    secret,
  );
}

/** The traits list pre-rendered for both forms, at its index in the shape. */
interface RenderedTraits {
  index: number;
  signed: string;
  json: string;
}

const TRAITS_INDEX = EVENT.keys.indexOf('traits');

/**
 * Trait names come from the event definitions (a few hundred): their `b'…'` and JSON renderings
 * are kept. Bounded anyway, since a plugin could produce names from the wire; strings are
 * immutable, so sharing them is safe.
 */
const NAMES = new Map<string, { bytes: string; json: string }>();
const NAMES_LIMIT = 4096;

function renderedName(name: string): { bytes: string; json: string } {
  let known = NAMES.get(name);
  if (known === undefined) {
    known = { bytes: bytesRepr(name), json: asciiString(name) };
    if (NAMES.size < NAMES_LIMIT) NAMES.set(name, known);
  }
  return known;
}

/**
 * Traits as `[name, dtype, value]` lists: `pyReprBytesList` and `dumpsPyJson` of that list of
 * lists, rendered item by item without building it.
 */
function renderTraits(traits: readonly Trait[]): RenderedTraits {
  let signed = '[';
  let json = '[';
  for (let i = 0; i < traits.length; i++) {
    const t = traits[i] as Trait;
    const name = renderedName(t.name);
    const sep = i > 0 ? ', ' : '';
    signed += `${sep}[${name.bytes}, ${t.dtype}, ${pyReprBytesList(t.value)}]`;
    json += `${sep}[${name.json}, ${t.dtype}, ${dumpsPyJson(t.value)}]`;
  }
  return { index: TRAITS_INDEX, signed: `${signed}]`, json: `${json}]` };
}

/** `dumpsPyJson(eventToMessage(event, secret))`. */
export function eventMessageLine(event: Event, secret: string): string {
  return line(
    EVENT,
    [event.message_id, event.event_type, event.generated, [], event.raw],
    secret,
    renderTraits(event.traits),
  );
}
