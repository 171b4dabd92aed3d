/**
 * Ceilometer's message signature (`publisher/utils.py`): HMAC-SHA256 over `str(name)` +
 * `str(value)` of the message's recursive key pairs. Reproduced byte for byte so that a real
 * Ceilometer accepts what meterflow publishes and the other way round.
 */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { PyFloat } from './py-float.js';
import { comparePyStr, pyReprBytesList, pyStr } from './py-str.js';
import { flat } from './flat.js';
import { renderingsOf } from './shared-dict.js';
import type { PyJson } from './sample.js';

/** A message as signed: a dict of Python-typed values (`undefined` values are ignored). */
export type SignableMessage = { readonly [key: string]: PyJson | undefined };

const SIGNATURE_KEY = 'message_signature';

type PairSink = (name: string, value: string) => void;

function isDict(value: PyJson): value is { [key: string]: PyJson } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PyFloat);
}

/**
 * Sorted key lists by their unsorted form (see shapeKey): messages repeat a few shapes, sorting
 * is per sample.
 */
const SORTED = new Map<string, string[]>();
const SORTED_LIMIT = 10_000;

/**
 * The last few shapes, compared key by key before the map: a sample and its metadata repeat a
 * handful of shapes, and comparing a dozen (mostly internalised) keys costs less than joining
 * them into the map's key on every signature.
 */
interface Shape {
  keys: readonly string[];
  sorted: string[];
}
const RECENT: Shape[] = [];
const RECENT_SIZE = 8;
let recentNext = 0;

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * One text per key list, different for different lists: each key prefixed with its length (keys
 * come from the wire and may hold any character, so a separator alone would let `['a\0b', 'c']`
 * and `['a', 'b', 'c']` share an entry, and one of them be signed over the other's keys).
 */
function shapeKey(keys: readonly string[]): string {
  let text = '';
  for (const key of keys) text += `${key.length}:${key}`;
  return text;
}

function sortedKeys(dict: SignableMessage): string[] {
  const keys = Object.keys(dict);
  if (keys.length < 2) return keys;
  for (const recent of RECENT) if (sameKeys(recent.keys, keys)) return recent.sorted;
  const shape = shapeKey(keys);
  let sorted = SORTED.get(shape);
  if (sorted === undefined) {
    sorted = [...keys].sort(comparePyStr);
    if (SORTED.size < SORTED_LIMIT) SORTED.set(shape, sorted);
  }
  RECENT[recentNext] = { keys, sorted };
  recentNext = (recentNext + 1) % RECENT_SIZE;
  return sorted;
}

/**
 * `recursive_keypairs`: keys in Python order at every level, nested dicts flattened to
 * `parent:child` (an empty dict yields nothing), lists rendered after `decode_unicode`. Only the
 * top-level scalar `message_signature` is skipped, as in `compute_signature`.
 */
function visitPairs(dict: SignableMessage, prefix: string, sink: PairSink): void {
  for (const key of sortedKeys(dict)) {
    const value = dict[key];
    if (value === undefined) continue;
    const name = prefix + key;
    if (isDict(value)) visitPairs(value, `${name}:`, sink);
    else if (name === SIGNATURE_KEY) continue;
    else if (Array.isArray(value)) sink(name, pyReprBytesList(value));
    else sink(name, pyStr(value));
  }
}

/** The `[name, str(value)]` sequence the signature hashes, in order (for tests and debugging). */
export function signedPairs(message: SignableMessage): [string, string][] {
  const pairs: [string, string][] = [];
  visitPairs(message, '', (name, value) => pairs.push([name, value]));
  return pairs;
}

/** The signed byte stream of a dict under `prefix`. */
function signedData(dict: SignableMessage, prefix: string): string {
  let data = '';
  for (const key of sortedKeys(dict)) data += signedItem(prefix + key, dict[key]);
  return data;
}

/**
 * The signed bytes of one key (full `parent:child` name) and its value, as `signedData` renders
 * it inside a message: `''` for `undefined` and for the top-level `message_signature`.
 */
export function signedItem(name: string, value: PyJson | undefined): string {
  if (value === undefined) return '';
  if (isDict(value)) return nestedData(value, `${name}:`);
  if (name === SIGNATURE_KEY) return '';
  if (Array.isArray(value)) return name + pyReprBytesList(value);
  return name + pyStr(value);
}

/** A shared dict (model/shared-dict.ts, the metadata of many samples) is rendered once per prefix. */
function nestedData(dict: { [key: string]: PyJson }, prefix: string): string {
  const shared = renderingsOf(dict);
  if (shared === undefined) return signedData(dict, prefix);
  if (shared.signedPrefix !== prefix || shared.signed === undefined) {
    shared.signed = flat(signedData(dict, prefix));
    shared.signedPrefix = prefix;
  }
  return shared.signed;
}

/** Hex HMAC-SHA256 of the message under `secret`; `''` when the secret is empty (Ceilometer's rule). */
export function computeSignature(message: SignableMessage, secret: string): string {
  if (!secret) return '';
  return signatureOf(signedData(message, ''), secret);
}

/**
 * Hex HMAC-SHA256 of an already rendered signed byte stream (see `signedItem`); `''` when the
 * secret is empty. Thousands of samples per second are signed with one secret, so the HMAC is
 * computed from its definition, H((K ^ opad) || H((K ^ ipad) || data)), with two one-shot
 * `crypto.hash` calls over padded keys prepared once: no Hmac object (and no key setup) per
 * message, which costs half of `createHmac().update().digest()`.
 */
export function signatureOf(data: string, secret: string): string {
  if (!secret) return '';
  const key = hmacKeyFor(secret);
  if (key.innerText === null) return createHmac('sha256', secret).update(data, 'utf8').digest('hex');
  return outerDigest(key, hash('sha256', key.innerText + data, 'binary'));
}

/** SHA-256's block size: the key is padded (or first hashed) to this many bytes. */
const BLOCK = 64;

interface HmacKey {
  /** K ^ ipad as a string whose UTF-8 encoding is those bytes; null when a byte is 0x80 or above. */
  innerText: string | null;
  /** K ^ opad, then room for the inner digest; rewritten per message (used synchronously only). */
  outer: Buffer;
}

/** H((K ^ opad) || inner digest), the inner digest given as latin1 text (one char per byte). */
function outerDigest(key: HmacKey, innerDigest: string): string {
  key.outer.write(innerDigest, BLOCK, 'latin1');
  return hash('sha256', key.outer, 'hex');
}

/** The last secret's padded keys. */
let lastKey: { secret: string; key: HmacKey } | undefined;

function hmacKeyFor(secret: string): HmacKey {
  if (lastKey?.secret === secret) return lastKey.key;
  lastKey = { secret, key: paddedKeys(secret) };
  return lastKey.key;
}

/** RFC 2104 key preparation. */
function paddedKeys(secret: string): HmacKey {
  let k = Buffer.from(secret, 'utf8');
  if (k.length > BLOCK) k = hash('sha256', k, 'buffer');
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK + 32, 0x5c);
  for (let i = 0; i < k.length; i++) {
    inner[i] = (inner[i] as number) ^ (k[i] as number);
    outer[i] = (outer[i] as number) ^ (k[i] as number);
  }
  return { innerText: inner.some((b) => b >= 0x80) ? null : inner.toString('latin1'), outer };
}

/**
 * True when `message.message_signature` matches (constant-time compare); always true when the
 * secret is empty, as in Ceilometer's `verify_signature`.
 */
export function verifySignature(message: SignableMessage, secret: string): boolean {
  if (!secret) return true;
  const given = message[SIGNATURE_KEY];
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(computeSignature(message, secret), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
