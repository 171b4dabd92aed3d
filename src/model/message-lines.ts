/**
 * The `file://` publisher's JSON lines: `dumpsPyJson(sampleToMeteringMessage(s, secret))` (see
 * metering-line.ts) and `dumpsPyJson(eventToMessage(e, secret))` byte for byte, without the
 * intermediate message objects.
 */
import type { Event, Trait } from './event.js';
import { PyFloat } from './py-float.js';
import { asciiString, dumpsPyJson } from './py-json-dump.js';
import { bytesRepr, numberStr, pyReprBytesList } from './py-str.js';
import { type PreRendered, shape, signedLine } from './signed-line.js';

export { keepMeteringMessageLine, meteringMessageLine } from './metering-line.js';

// Keys (in order) of meterflow's EventMessage (see metering.ts).
const EVENT = shape(['message_id', 'event_type', 'generated', 'traits', 'raw']);

const TRAITS_INDEX = EVENT.keys.indexOf('traits');

/**
 * `[b'name', dtype, ` and `["name", dtype, ` per trait name and dtype, with and without the
 * `, ` before them, and with the opening quote of a plain text value. Names come from the event
 * definitions (a few hundred); bounded anyway, since a plugin could produce names from the wire.
 */
interface TraitPrefixes {
  signed: string;
  json: string;
  signedAfter: string;
  jsonAfter: string;
  signedText: string;
  jsonText: string;
  signedTextAfter: string;
  jsonTextAfter: string;
}
const PREFIXES = new Map<string, TraitPrefixes[]>();
const PREFIXES_LIMIT = 4096;

function prefixesOf(t: Trait): TraitPrefixes {
  let byType = PREFIXES.get(t.name);
  if (byType === undefined) {
    byType = [];
    if (PREFIXES.size < PREFIXES_LIMIT) PREFIXES.set(t.name, byType);
  }
  let known = byType[t.dtype];
  if (known === undefined) {
    const signed = `[${bytesRepr(t.name)}, ${t.dtype}, `;
    const json = `[${asciiString(t.name)}, ${t.dtype}, `;
    known = {
      signed,
      json,
      signedAfter: `, ${signed}`,
      jsonAfter: `, ${json}`,
      signedText: `${signed}b'`,
      jsonText: `${json}"`,
      signedTextAfter: `, ${signed}b'`,
      jsonTextAfter: `, ${json}"`,
    };
    byType[t.dtype] = known;
  }
  return known;
}

/**
 * Text that `bytesRepr` writes as `b'text'` and `asciiString` as `"text"`: printable ASCII
 * without quotes of either kind and without backslashes (most trait values).
 */
const PLAIN_TEXT = /^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$/;

/** `pyReprBytesList` of a trait value (text, int, float), numbers without the generic walk. */
function signedTraitValue(value: Trait['value']): string {
  if (typeof value === 'string') return bytesRepr(value);
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof PyFloat) return numberStr(value);
  return pyReprBytesList(value);
}

/**
 * Traits as `[name, dtype, value]` lists: `pyReprBytesList` and `dumpsPyJson` of that list of
 * lists, rendered item by item without building it. A plain text value is put between constant
 * pieces that already hold its quotes, which saves most of the small strings per trait.
 */
function renderTraits(traits: readonly Trait[]): PreRendered {
  let signed = '[';
  let json = '[';
  for (let i = 0; i < traits.length; i++) {
    const t = traits[i] as Trait;
    const p = prefixesOf(t);
    const value = t.value;
    if (typeof value === 'string' && PLAIN_TEXT.test(value)) {
      signed = `${signed}${i > 0 ? p.signedTextAfter : p.signedText}${value}']`;
      json = `${json}${i > 0 ? p.jsonTextAfter : p.jsonText}${value}"]`;
    } else {
      signed = `${signed}${i > 0 ? p.signedAfter : p.signed}${signedTraitValue(value)}]`;
      json = `${json}${i > 0 ? p.jsonAfter : p.json}${dumpsPyJson(value)}]`;
    }
  }
  return { index: TRAITS_INDEX, signed: `${signed}]`, json: `${json}]` };
}

/** `dumpsPyJson(eventToMessage(event, secret))`. */
export function eventMessageLine(event: Event, secret: string): string {
  return signedLine(
    EVENT,
    [event.message_id, event.event_type, event.generated, [], event.raw],
    secret,
    renderTraits(event.traits),
  );
}
