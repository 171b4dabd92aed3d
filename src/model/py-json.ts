/**
 * JSON as Python's `json` module reads and writes it. `JSON.parse` turns `80.0` into `80` and
 * rounds integers above 2^53, and both change the signed `str()` of a value; `JSON.stringify`
 * differs from `json.dumps` in separators, escaping and float formatting.
 */
import { PyFloat } from './py-float.js';
import type { PyJson } from './sample.js';

/** Integers with at most this many characters (sign included) are always safe in a double. */
const SAFE_INT_CHARS = 15;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Lossless `json.loads`: integers beyond ±2^53 become `bigint`, integral numbers written with a
 * fraction or exponent become `PyFloat`, `NaN`/`Infinity`/`-Infinity` are accepted as Python does.
 * Throws SyntaxError on invalid JSON.
 */
export function parsePyJson(text: string): PyJson {
  let parsed: PyJson;
  try {
    parsed = JSON.parse(text) as PyJson;
  } catch (err) {
    // NaN/Infinity are not JSON to V8; anything else invalid fails the same way in both parsers.
    if (needsLosslessParse(text)) return new LosslessParser(text).document();
    throw err;
  }
  // Without numbers the native result is exact, and checking that is cheaper than the text scan
  // (an oslo envelope is two strings, the inner message one long escaped string).
  if (!mayHaveNumber(parsed) || !needsLosslessParse(text)) return parsed;
  return new LosslessParser(text).document();
}

function mayHaveNumber(value: PyJson): boolean {
  try {
    return hasNumber(value);
  } catch {
    return true; // nested too deep to walk recursively: the text scan decides
  }
}

/** True when a number occurs anywhere in a JSON.parse result (stops at the first one). */
function hasNumber(value: PyJson): boolean {
  if (typeof value === 'number') return true;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasNumber(item)) return true;
    return false;
  }
  for (const key in value) if (hasNumber((value as { [key: string]: PyJson })[key] as PyJson)) return true;
  return false;
}

/**
 * The longest prefix made of what `JSON.parse` reads exactly: strings (skipped whole, escapes
 * included), integers below 9·10^15 (at most 15 digits, or 16 starting with 1–8: below 2^53,
 * like the nanosecond timestamps of `compute.metrics.update`), decimals without exponent whose
 * integer part has at most 15 digits and whose first fraction digit is 1–8 (at least 0.1 from
 * any integer, far more than half an ulp below 10^15: never read as an integral value, so
 * `JSON.parse`'s plain number is what the lossless parser returns too), decimals of at most 15
 * digits in all with a non-zero fraction digit (`0.05`, `7.96`: at least 10^-f from an integer
 * with f fraction digits, while half an ulp is below 10^(i-15.9) for i integer digits, so never
 * integral either), and anything else but
 * `.`, `N`(aN) and `I`(nfinity). A failing number alternative backtracks at most 15 digits,
 * every alternative ends on a lookahead that cannot stop inside a digit run, and strings use the
 * unrolled-loop form, so there is no backtracking blow-up; irregexp scans a notification twice
 * as fast as the loop below (which stays conservative: any `.` means the lossless parser).
 */
const PLAIN_TOKENS =
  /^(?:[^"\d.NI]|"[^"\\]*(?:\\.[^"\\]*)*"|\d{1,15}(?![\d.eE])|[1-8]\d{15}(?![\d.eE])|\d{1,15}\.[1-8]\d*(?![\d.eE])|(?=[\d.]{3,16}(?![\d.eE]))\d+\.\d*[1-9]\d*(?![\d.eE]))*/;
/** Beyond this the loop scans instead: the regex engine's backtrack stack grows with the text. */
const REGEX_SCAN_LIMIT = 256 * 1024;

/**
 * Cheap pre-scan: true when a number token outside strings has a `.`/`e`/`E` or 16+ digits, or a
 * `NaN`/`Infinity` literal appears. Strings are skipped with indexOf, so typical notifications
 * (numbers are small ints, the rest is text) stay on the native parser.
 */
function needsLosslessParse(text: string): boolean {
  if (text.length <= REGEX_SCAN_LIMIT) return (PLAIN_TOKENS.exec(text)?.[0].length ?? 0) !== text.length;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i + 1);
    } else if (c >= 0x30 && c <= 0x39) {
      const start = i;
      while (++i < n && isDigit(text.charCodeAt(i)));
      const next = text.charCodeAt(i);
      if (!isExactInt(text, start, i) || next === 0x2e || next === 0x65 || next === 0x45) return true;
    } else if (c === 0x2e || c === 0x4e || c === 0x49) {
      return true; // '.', 'N'aN, 'I'nfinity: let the full parser decide (or throw)
    } else {
      i++;
    }
  }
  return false;
}

/** True when the digits `text[start, end)` are an integer `JSON.parse` reads exactly (see PLAIN_TOKENS). */
function isExactInt(text: string, start: number, end: number): boolean {
  const n = end - start;
  if (n <= SAFE_INT_CHARS) return true;
  const first = text.charCodeAt(start);
  return n === SAFE_INT_CHARS + 1 && first >= 0x31 && first <= 0x38;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Index just after the closing quote of a string whose content starts at `i` (or text end). */
function stringEnd(text: string, i: number): number {
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let b = q - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    i = q + 1;
  }
}

class LosslessParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): PyJson {
    const value = this.value();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('Extra data');
    return value;
  }

  private fail(what: string): never {
    throw new SyntaxError(`${what} in JSON at position ${this.pos}`);
  }

  private skipSpace(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private value(): PyJson {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x22) return this.string();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x2d || isDigit(c)) return this.number();
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    if (this.literal('null')) return null;
    if (this.literal('NaN')) return Number.NaN;
    if (this.literal('Infinity')) return Number.POSITIVE_INFINITY;
    return this.fail('Unexpected token');
  }

  private literal(word: string): boolean {
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  private object(): { [key: string]: PyJson } {
    const obj: { [key: string]: PyJson } = {};
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return obj;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('Expected property name');
      const key = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.pos++) !== 0x3a) this.fail("Expected ':'");
      const value = this.value();
      // Plain assignment of '__proto__' would replace the prototype instead of adding a key.
      if (key === '__proto__')
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      else obj[key] = value;
      if (this.endOfContainer(0x7d)) return obj;
    }
  }

  private array(): PyJson[] {
    const arr: PyJson[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return arr;
    }
    for (;;) {
      arr.push(this.value());
      if (this.endOfContainer(0x5d)) return arr;
    }
  }

  /** After an item: true at the closing bracket, false after a comma. */
  private endOfContainer(close: number): boolean {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos++);
    if (c === close) return true;
    if (c !== 0x2c) this.fail(`Expected ',' or '${String.fromCharCode(close)}'`);
    return false;
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    for (let i = start + 1; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return t.slice(start + 1, i);
      }
      if (c === 0x5c || c < 0x20) break;
    }
    // Escapes or control characters: the native parser decodes and validates the token.
    this.pos = stringEnd(t, start + 1);
    return JSON.parse(t.slice(start, this.pos)) as string;
  }

  private number(): PyJson {
    const t = this.text;
    const start = this.pos;
    let i = start;
    if (t.charCodeAt(i) === 0x2d) {
      if (t.startsWith('Infinity', i + 1)) {
        this.pos = i + 9;
        return Number.NEGATIVE_INFINITY;
      }
      i++;
    }
    if (t.charCodeAt(i) === 0x30) i++;
    else i = this.digits(i);
    let isFloat = false;
    if (t.charCodeAt(i) === 0x2e) {
      isFloat = true;
      i = this.digits(i + 1);
    }
    const e = t.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      isFloat = true;
      const sign = t.charCodeAt(i + 1);
      i = this.digits(sign === 0x2b || sign === 0x2d ? i + 2 : i + 1);
    }
    this.pos = i;
    const token = t.slice(start, i);
    if (isFloat) {
      const v = Number(token);
      return Number.isInteger(v) ? new PyFloat(v) : v;
    }
    if (token.length <= SAFE_INT_CHARS) return Number(token);
    const big = BigInt(token);
    return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big;
  }

  /** Index after a run of at least one digit starting at `i`. */
  private digits(i: number): number {
    if (!isDigit(this.text.charCodeAt(i))) {
      this.pos = i;
      this.fail('Expected digit');
    }
    while (isDigit(this.text.charCodeAt(++i)));
    return i;
  }
}

export { dumpsPyJson } from './py-json-dump.js';
export type { DumpsOptions } from './py-json-dump.js';
