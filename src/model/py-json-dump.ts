/**
 * Python `json.dumps` output (separators, `ensure_ascii`, float repr) for values parsed with
 * `parsePyJson`, so what meterflow writes is byte-compatible with what Ceilometer writes.
 */
import { PyFloat } from './py-float.js';
import { floatRepr, intStr } from './py-str.js';
import { flat } from './flat.js';
import { renderingsOf } from './shared-dict.js';

/** Strings needing no escape under `ensure_ascii`: printable ASCII without `"` and `\`. */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const SHORT_ESCAPES = new Map<number, string>([
  [0x22, '\\"'],
  [0x5c, '\\\\'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
]);

function escapeUnit(c: number): string {
  return SHORT_ESCAPES.get(c) ?? `\\u${c.toString(16).padStart(4, '0')}`;
}

/** Options of dumpsPyJson. */
export interface DumpsOptions {
  /** `separators=(',', ':')` instead of Python's default `(', ', ': ')`. Default false. */
  compact?: boolean;
  /** Python's `ensure_ascii`: escape every non-ASCII character as `\uXXXX`. Default true. */
  ensureAscii?: boolean;
}

interface DumpStyle {
  itemSep: string;
  keySep: string;
  str: (s: string) => string;
}

const STYLES: DumpStyle[] = [
  { itemSep: ', ', keySep: ': ', str: asciiString },
  { itemSep: ',', keySep: ':', str: asciiString },
  { itemSep: ', ', keySep: ': ', str: unicodeString },
  { itemSep: ',', keySep: ':', str: unicodeString },
];
const DEFAULT_STYLE = STYLES[0];

/**
 * Python `json.dumps(value)` (ensure_ascii, allow_nan, insertion key order). Object properties
 * whose value is `undefined` are left out.
 */
export function dumpsPyJson(value: unknown, options?: DumpsOptions): string {
  const index = (options?.compact === true ? 1 : 0) + (options?.ensureAscii === false ? 2 : 0);
  return dump(value, STYLES[index] as DumpStyle);
}

function dump(value: unknown, style: DumpStyle): string {
  switch (typeof value) {
    case 'string':
      return style.str(value);
    case 'number':
      return Number.isInteger(value) ? intStr(value) : jsonFloat(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      if (value instanceof PyFloat) return jsonFloat(value.value);
      if (Array.isArray(value)) return dumpArray(value, style);
      return style === DEFAULT_STYLE ? dumpShared(value, style) : dumpObject(value, style);
    default:
      throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  }
}

function dumpArray(arr: readonly unknown[], style: DumpStyle): string {
  let out = '[';
  for (let i = 0; i < arr.length; i++) {
    const item = arr[i];
    out += (i > 0 ? style.itemSep : '') + (item === undefined ? 'null' : dump(item, style));
  }
  return `${out}]`;
}

function dumpObject(obj: object, style: DumpStyle): string {
  let out = '{';
  let first = true;
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const item = (obj as Record<string, unknown>)[key];
    if (item === undefined) continue;
    out += (first ? '' : style.itemSep) + style.str(key) + style.keySep + dump(item, style);
    first = false;
  }
  return `${out}}`;
}

/** A shared dict (model/shared-dict.ts) is dumped once, in the default style the publishers use. */
function dumpShared(obj: object, style: DumpStyle): string {
  const shared = renderingsOf(obj);
  if (shared === undefined) return dumpObject(obj, style);
  shared.json ??= flat(dumpObject(obj, style));
  return shared.json;
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return floatRepr(x);
}

/** `json.dumps` of a str with ensure_ascii: every UTF-16 unit outside printable ASCII as `\uXXXX`. */
export function asciiString(s: string): string {
  if (PLAIN_JSON_STRING.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) out += s[i];
    else out += escapeUnit(c);
  }
  return `${out}"`;
}

/** Python's `ensure_ascii=False`: only `"`, `\\` and control characters are escaped. */
function unicodeString(s: string): string {
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(from, i) + escapeUnit(c);
    from = i + 1;
  }
  return `${out}${s.slice(from)}"`;
}
