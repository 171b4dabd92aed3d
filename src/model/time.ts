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
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysIn(year, month) &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    Math.abs(offsetMinutes) < 24 * 60 &&
    year >= 1;
  if (!valid) throw new Error(`Unable to parse date string '${text}'`);
  return { year, month, day, hour, minute, second, microsecond, offsetMinutes };
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

/** `parse_isotime(text).isoformat()`, the sample timestamp normalisation of Ceilometer. */
export function normalizeSampleTimestamp(text: string): string {
  return isoformat(parseIsoTime(text));
}

/** `normalize_time(parse_isotime(text)).isoformat()`, the event `generated`/datetime trait form. */
export function normalizeNaiveUtc(text: string): string {
  return isoformat(toNaiveUtc(parseIsoTime(text)));
}

/** Current time as Ceilometer's `utcnow().isoformat()` with an explicit UTC offset. */
export function isoFromEpochMs(ms: number): string {
  return isoformat(fromEpochMicros(ms * 1000, 0));
}
