/**
 * ISO 8601 parsing and formatting with the semantics of oslo's `parse_isotime` (the `iso8601`
 * package) and Python's `datetime.isoformat()`, which together decide every sample timestamp.
 */

export interface PyDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
  /** Offset east of UTC in minutes; null for a naive time. */
  offsetMinutes: number | null;
}

const ISO_RE =
  /^(\d{4})(?:(?:-(\d{1,2})|(\d{2})(?!$))(?:(?:-(\d{1,2})|(\d{2}))(?:([ T])(\d{2})(?::?(\d{2}))?(?::?(\d{1,2})(?:[.,](\d+))?)?(Z|([-+])(\d{2}):?(\d{2})?)?)?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysIn(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * Parse like `oslo_utils.timeutils.parse_isotime`: a naive time is taken as UTC (offset 0).
 * Throws on anything that is not a valid date.
 */
export function parseIsoTime(text: string): PyDateTime {
  return parseCommonForm(text) ?? parseAnyForm(text);
}

function parseAnyForm(text: string): PyDateTime {
  const m = ISO_RE.exec(text);
  if (!m) throw new Error(`Unable to parse date string '${text}'`);
  const num = (s: string | undefined, dflt: number): number => (s === undefined ? dflt : Number(s));
  const year = num(m[1], 0);
  const month = num(m[2] ?? m[3], 1);
  const day = num(m[4] ?? m[5], 1);
  const hour = num(m[7], 0);
  const minute = num(m[8], 0);
  const second = num(m[9], 0);
  const frac = m[10];
  const microsecond = frac === undefined ? 0 : Number(frac.slice(0, 6).padEnd(6, '0'));
  let offsetMinutes = 0;
  if (m[11] !== undefined && m[11] !== 'Z') {
    const sign = m[12] === '-' ? -1 : 1;
    offsetMinutes = sign * (num(m[13], 0) * 60 + num(m[14], 0));
  }
  const dt = { year, month, day, hour, minute, second, microsecond, offsetMinutes };
  if (!isValid(dt)) throw new Error(`Unable to parse date string '${text}'`);
  return dt;
}

function isValid(dt: PyDateTime): boolean {
  const { year, month, day, hour, minute, second } = dt;
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    Math.abs(dt.offsetMinutes ?? 0) < 24 * 60 &&
    year >= 1
  );
}

/**
 * The form every OpenStack timestamp has (`2026-11-22 09:04:25.486624`,
 * `2026-11-22T09:04:25Z`, `…+05:30`), read without the regex and its match arrays; the result
 * is what `parseAnyForm` gives. Null for any other form, and for an invalid date (which
 * `parseAnyForm` then reports).
 */
function parseCommonForm(t: string): PyDateTime | null {
  const n = t.length;
  if (n < 19) return null;
  const sep = t.charCodeAt(10);
  if (t.charCodeAt(4) !== 0x2d || t.charCodeAt(7) !== 0x2d || (sep !== 0x54 && sep !== 0x20)) return null;
  if (t.charCodeAt(13) !== 0x3a || t.charCodeAt(16) !== 0x3a) return null;
  const year = digitsAt(t, 0, 4);
  const month = digitsAt(t, 5, 2);
  const day = digitsAt(t, 8, 2);
  const hour = digitsAt(t, 11, 2);
  const minute = digitsAt(t, 14, 2);
  const second = digitsAt(t, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  let i = 19;
  let microsecond = 0;
  if (i < n && t.charCodeAt(i) === 0x2e) {
    const start = ++i;
    while (i < n && isDigitCode(t.charCodeAt(i))) i++;
    if (i === start) return null;
    // The first six digits, zero-padded: Python keeps microseconds and drops the rest.
    for (let k = 0; k < 6; k++) microsecond = microsecond * 10 + (start + k < i ? t.charCodeAt(start + k) - 0x30 : 0);
  }
  let offsetMinutes = 0;
  if (i < n) {
    const c = t.charCodeAt(i);
    if (c === 0x5a && i + 1 === n) offsetMinutes = 0;
    else if ((c === 0x2b || c === 0x2d) && i + 6 === n && t.charCodeAt(i + 3) === 0x3a) {
      const hours = digitsAt(t, i + 1, 2);
      const minutes = digitsAt(t, i + 4, 2);
      if (hours < 0 || minutes < 0) return null;
      offsetMinutes = (c === 0x2d ? -1 : 1) * (hours * 60 + minutes);
    } else return null;
  }
  const dt = { year, month, day, hour, minute, second, microsecond, offsetMinutes };
  return isValid(dt) ? dt : null;
}

function isDigitCode(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The number written by `count` ASCII digits at `at`, or -1 when one is not a digit. */
function digitsAt(t: string, at: number, count: number): number {
  let value = 0;
  for (let k = at; k < at + count; k++) {
    const c = t.charCodeAt(k);
    if (!isDigitCode(c)) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/** Microseconds since the Unix epoch (a naive time counts as UTC). */
export function epochMicros(dt: PyDateTime): number {
  const ms = Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second);
  const utcMs = ms - (dt.offsetMinutes ?? 0) * 60_000;
  return utcMs * 1000 + dt.microsecond;
}

/** Seconds since the epoch as a float, for time differences. */
export function epochSeconds(dt: PyDateTime): number {
  return epochMicros(dt) / 1e6;
}

function pad(n: number, width = 2): string {
  if (width === 2 && n >= 0 && n < 100) return n < 10 ? `0${n}` : `${n}`;
  return String(n).padStart(width, '0');
}

/** Python's `datetime.isoformat()`. */
export function isoformat(dt: PyDateTime): string {
  let s = `${pad(dt.year, 4)}-${pad(dt.month)}-${pad(dt.day)}T${pad(dt.hour)}:${pad(dt.minute)}:${pad(dt.second)}`;
  if (dt.microsecond) s += `.${pad(dt.microsecond, 6)}`;
  if (dt.offsetMinutes !== null) {
    const sign = dt.offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(dt.offsetMinutes);
    s += `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
  return s;
}

/** The same instant as a naive UTC datetime (oslo `normalize_time`). */
export function toNaiveUtc(dt: PyDateTime): PyDateTime {
  // Already UTC: the same fields, as long as the round trip through the epoch is exact (within
  // 2^53 µs of 1970; beyond, the doubles drop microseconds, and that is kept as it always was).
  if ((dt.offsetMinutes === 0 || dt.offsetMinutes === null) && dt.year >= 1700 && dt.year <= 2200)
    return { ...dt, offsetMinutes: null };
  return fromEpochMicros(epochMicros(dt), null);
}

export function fromEpochMicros(micros: number, offsetMinutes: number | null): PyDateTime {
  const shifted = micros + (offsetMinutes ?? 0) * 60_000_000;
  const ms = Math.floor(shifted / 1000);
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    microsecond: shifted - Math.floor(shifted / 1_000_000) * 1_000_000,
    offsetMinutes,
  };
}

/**
 * The last input and result of a normalisation: the samples of one notification all carry its
 * timestamp, so most calls repeat the previous one.
 */
interface Memo {
  text: string | undefined;
  result: string;
}
const sampleMemo: Memo = { text: undefined, result: '' };
const naiveMemo: Memo = { text: undefined, result: '' };

/** `parse_isotime(text).isoformat()`, the sample timestamp normalisation of Ceilometer. */
export function normalizeSampleTimestamp(text: string): string {
  if (sampleMemo.text === text) return sampleMemo.result;
  const result = isoformat(parseIsoTime(text));
  sampleMemo.text = text;
  sampleMemo.result = result;
  return result;
}

/** `normalize_time(parse_isotime(text)).isoformat()`, the event `generated`/datetime trait form. */
export function normalizeNaiveUtc(text: string): string {
  if (naiveMemo.text === text) return naiveMemo.result;
  const result = isoformat(toNaiveUtc(parseIsoTime(text)));
  naiveMemo.text = text;
  naiveMemo.result = result;
  return result;
}

/** Current time as Ceilometer's `utcnow().isoformat()` with an explicit UTC offset. */
export function isoFromEpochMs(ms: number): string {
  return isoformat(fromEpochMicros(ms * 1000, 0));
}
