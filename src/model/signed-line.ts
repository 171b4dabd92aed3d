/**
 * A message given as values in a fixed key order, signed and written as one JSON line:
 * `dumpsPyJson` of the message with its `message_signature`, without building the message
 * object, with the key orders (signed and written) worked out once per kind of message.
 *
 * Lines are built by string concatenation on purpose: V8 joins the pieces as a tree and
 * flattens it with one copy, several times faster than writing characters into a buffer.
 */
import { asciiString, dumpsPyJson } from './py-json-dump.js';
import { comparePyStr } from './py-str.js';
import type { PyJson } from './sample.js';
import { signatureOf, signedItem } from './signature.js';

/** A message's keys in written order (without `message_signature`, always last). */
export interface Shape {
  keys: readonly string[];
  /** `"key": ` as dumpsPyJson writes it, for the first key written … */
  jsonKeys: readonly string[];
  /** … and with the `, ` before it, for the others. */
  jsonKeysAfter: readonly string[];
  /** Indexes into `keys` in Python's sorted order, as the signature walks them. */
  signedOrder: readonly number[];
}

export function shape(keys: readonly string[]): Shape {
  return {
    keys,
    jsonKeys: keys.map((k) => `${asciiString(k)}: `),
    jsonKeysAfter: keys.map((k) => `, ${asciiString(k)}: `),
    signedOrder: keys.map((_, i) => i).sort((a, b) => comparePyStr(keys[a] as string, keys[b] as string)),
  };
}

/** A value rendered beforehand in both forms (signed, written), at its index in the shape. */
export interface PreRendered {
  index: number;
  signed: string;
  json: string;
}

/** Signs `values` (one per shape key, `undefined` = absent) and writes the JSON line. */
export function signedLine(
  s: Shape,
  values: readonly (PyJson | undefined)[],
  secret: string,
  rendered?: PreRendered,
): string {
  let data = '';
  for (const i of s.signedOrder) {
    const key = s.keys[i] as string;
    data += rendered?.index === i ? key + rendered.signed : signedItem(key, values[i]);
  }
  let out = '{';
  let first = true;
  for (let i = 0; i < s.keys.length; i++) {
    const value = values[i];
    if (value === undefined) continue;
    out += (first ? s.jsonKeys[i] : s.jsonKeysAfter[i]) + (rendered?.index === i ? rendered.json : dumpsPyJson(value));
    first = false;
  }
  // The signature is hex (or empty): a JSON string needing no escapes.
  return `${out}${first ? '' : ', '}"message_signature": "${signatureOf(data, secret)}"}`;
}
