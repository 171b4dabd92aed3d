/**
 * Python 3 `str()` / `repr()` of Python-typed JSON values. Message signatures hash these strings,
 * so every character must be what CPython prints (see golden README, "Signatures").
 */
import { PyFloat } from './py-float.js';
import type { PyJson } from './sample.js';

/** Printable ASCII without `'` or backslash: repr() needs no escaping and uses single quotes. */
const PLAIN_REPR = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;
/** Python's `str.isprintable()` is false for categories Other (C*) and Separator (Z*). */
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

/**
 * Python's float repr: shortest round-trip digits (the same digits as JS), but scientific notation
 * when the decimal exponent is < -4 or >= 16 and a two-digit minimum exponent (`1e-05`, `1e+16`).
 */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = x < 0 ? -x : x;
  // JS switches to exponents only outside [1e-7, 1e21); Python's window is [1e-4, 1e16).
  if (abs >= 1e16 || abs < 1e-4) return scientific(x);
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

function scientific(x: number): string {
  const s = x.toExponential(); // no argument: as many digits as needed to round-trip
  const e = s.indexOf('e');
  const digits = s.slice(e + 2);
  return digits.length < 2 ? `${s.slice(0, e + 2)}0${digits}` : s;
}

/** Python int formatting of an integral JS number (exact digits, never an exponent). */
export function intStr(x: number): string {
  return x < 1e21 && x > -1e21 ? String(x) : BigInt(x).toString();
}

/** Python `str()` of a number held the meterflow way (see py-float.ts). */
export function numberStr(value: number | bigint | PyFloat): string {
  if (typeof value === 'number') return Number.isInteger(value) ? intStr(value) : floatRepr(value);
  if (typeof value === 'bigint') return value.toString();
  return floatRepr(value.value);
}

/** Python 3 `str(value)`: strings as they are, everything else as its repr. */
export function pyStr(value: PyJson): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python 3 `repr(value)`: `None`, `True`, `'text'`, `[1, 2.5]`, `{'k': None}`. */
export function pyRepr(value: PyJson | undefined): string {
  if (typeof value === 'string') return strRepr(value);
  return reprWith(value, strRepr, false);
}

/**
 * `str(decode_unicode(value))` as Ceilometer's signer computes it for list values: every string
 * becomes `bytes` (`b'x'`, UTF-8 escaped) and dicts are re-ordered by key: `[b'a', {b'k': 1}]`.
 */
export function pyReprBytesList(value: PyJson | undefined): string {
  if (typeof value === 'string') return bytesRepr(value);
  return reprWith(value, bytesRepr, true);
}

/** The shared walk of pyRepr and pyReprBytesList; only string rendering and key order differ. */
function reprWith(value: PyJson | undefined, str: (s: string) => string, sortKeys: boolean): string {
  if (value === null || value === undefined) return 'None';
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
    case 'bigint':
      return numberStr(value);
  }
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ', ';
      out += reprWith(value[i], str, sortKeys);
    }
    return `${out}]`;
  }
  const keys = Object.keys(value);
  if (sortKeys && keys.length > 1) keys.sort(comparePyStr);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = value[key];
    if (item === undefined) continue;
    out += `${first ? '' : ', '}${str(key)}: ${reprWith(item, str, sortKeys)}`;
    first = false;
  }
  return `${out}}`;
}

/** Python `repr()` of a str. */
export function strRepr(s: string): string {
  if (PLAIN_REPR.test(s)) return `'${s}'`;
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c > 0x7f && !NON_PRINTABLE.test(ch)) out += ch;
    else out += escapeCodePoint(c);
  }
  return out + quote;
}

function escapeCodePoint(c: number): string {
  if (c < 0x100) return `\\x${hex(c, 2)}`;
  if (c < 0x10000) return `\\u${hex(c, 4)}`;
  return `\\U${hex(c, 8)}`;
}

function hex(c: number, width: number): string {
  return c.toString(16).padStart(width, '0');
}

/** Python `repr()` of `s.encode('utf-8')`. */
export function bytesRepr(s: string): string {
  if (PLAIN_REPR.test(s)) return `b'${s}'`;
  const bytes = Buffer.from(s, 'utf8');
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? 0x22 : 0x27;
  let out = quote === 0x22 ? 'b"' : "b'";
  for (const b of bytes) {
    if (b === quote || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else out += `\\x${hex(b, 2)}`;
  }
  return out + (quote === 0x22 ? '"' : "'");
}

/**
 * Python's string order (by code point). JS `<` compares UTF-16 units, which puts astral
 * characters (surrogate pairs) before U+E000–U+FFFF; Python puts them after.
 */
export function comparePyStr(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) return (a.codePointAt(i) as number) - (b.codePointAt(i) as number);
    return x - y;
  }
  return a.length - b.length;
}
