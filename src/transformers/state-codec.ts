import { PyFloat, type PyNumber } from '../model/py-float.js';
import type { PyJson, Sample, SampleType } from '../model/sample.js';
import { TransformerStateError } from './state-error.js';
import type { StateValue } from './types.js';

/**
 * JSON-safe encoding of Python-typed values, so a restored state prints exactly as the original:
 * `{"$f": 25}` is the float `25.0` (also `"NaN"`, `"Infinity"`, `"-Infinity"`), `{"$i": "…"}` a
 * big int, `{"$o": {…}}` a dict whose own keys start with `$` (so it cannot be mistaken for a tag).
 * Plain integral numbers are ints and other numbers floats, as everywhere in meterflow.
 */

function encodeFloat(value: number): StateValue {
  return Number.isFinite(value) ? { $f: value } : { $f: String(value) };
}

export function encodeNumber(value: PyNumber): StateValue {
  if (typeof value === 'bigint') return { $i: value.toString() };
  if (value instanceof PyFloat) return encodeFloat(value.value);
  return Number.isFinite(value) ? value : encodeFloat(value);
}

export function encodeJson(value: PyJson): StateValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof PyFloat) return encodeNumber(value);
  if (Array.isArray(value)) return value.map(encodeJson);
  const out: { [key: string]: StateValue } = {};
  let tagged = false;
  for (const [key, item] of Object.entries(value)) {
    out[key] = encodeJson(item);
    if (key.startsWith('$')) tagged = true;
  }
  return tagged ? { $o: out } : out;
}

function isObject(value: StateValue | undefined): value is { [key: string]: StateValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function singleKey(value: { [key: string]: StateValue }): string | undefined {
  const keys = Object.keys(value);
  return keys.length === 1 ? keys[0] : undefined;
}

export function decodeJson(value: StateValue): PyJson {
  if (!isObject(value)) return Array.isArray(value) ? value.map(decodeJson) : value;
  const tag = singleKey(value);
  const inner = tag === undefined ? undefined : value[tag];
  if (tag === '$f') return new PyFloat(Number(inner));
  if (tag === '$i') return BigInt(String(inner));
  const entries = tag === '$o' && isObject(inner) ? inner : value;
  const out: { [key: string]: PyJson } = {};
  for (const [key, item] of Object.entries(entries)) out[key] = decodeJson(item);
  return out;
}

export function decodeNumber(value: StateValue | undefined): PyNumber {
  const decoded = decodeJson(value ?? 0);
  if (typeof decoded === 'number' || typeof decoded === 'bigint' || decoded instanceof PyFloat) return decoded;
  throw new TransformerStateError(`state: expected a number, got ${JSON.stringify(value)}`);
}

export function encodeSample(sample: Sample): StateValue {
  return {
    name: sample.name,
    type: sample.type,
    unit: sample.unit,
    volume: encodeNumber(sample.volume),
    user_id: sample.user_id,
    project_id: sample.project_id,
    resource_id: sample.resource_id,
    timestamp: sample.timestamp,
    resource_metadata: encodeJson(sample.resource_metadata),
    source: sample.source,
    id: sample.id,
    monotonic_time: sample.monotonic_time,
  };
}

const str = (value: StateValue | undefined): string => String(value ?? '');
const strOrNull = (value: StateValue | undefined): string | null =>
  value === null || value === undefined ? null : String(value);

export function decodeSample(value: StateValue | undefined): Sample {
  if (!isObject(value)) throw new TransformerStateError('state: expected a sample');
  const metadata = decodeJson(value.resource_metadata ?? {});
  return {
    name: str(value.name),
    type: str(value.type) as SampleType,
    unit: str(value.unit),
    volume: decodeNumber(value.volume),
    user_id: strOrNull(value.user_id),
    project_id: strOrNull(value.project_id),
    resource_id: strOrNull(value.resource_id),
    timestamp: str(value.timestamp),
    resource_metadata: isObject(metadata as StateValue) ? (metadata as { [key: string]: PyJson }) : {},
    source: str(value.source),
    id: str(value.id),
    monotonic_time: typeof value.monotonic_time === 'number' ? value.monotonic_time : null,
  };
}

/** Narrow a state value to an object, or fail with what was expected. */
export function asRecord(value: StateValue | null | undefined, what: string): { [key: string]: StateValue } {
  if (!isObject(value ?? undefined)) throw new TransformerStateError(`state: ${what} is not an object`);
  return value as { [key: string]: StateValue };
}
