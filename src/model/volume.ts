/**
 * Sample volume validation. Ceilometer's `_validate_volume` drops only `None` and values `float()`
 * rejects, then publishes numeric strings and booleans unchanged (golden README, oddity 5).
 * meterflow converts instead: every published volume is a finite number.
 */
import { PyFloat, type PyNumber } from './py-float.js';

/** Why a volume was refused; the two reasons Ceilometer logs, kept as metric/dead-letter labels. */
export type VolumeRejection = 'volume is None' | 'volume is not a number';

export type VolumeResult = { ok: true; volume: PyNumber } | { ok: false; reason: VolumeRejection; detail: string };

/** Python `int()` literal, underscores between digits allowed (`'4_096'`). */
const INT_LITERAL = /^[+-]?\d(?:_?\d)*$/;
/** Python `float()` finite literal (no `nan`/`inf`: meterflow refuses those). */
const FLOAT_LITERAL = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;
const SAFE_INT_CHARS = 15;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Turn a raw volume into a Python-typed number: numbers, `PyFloat` and `bigint` pass (when
 * finite), booleans become 1/0, strings Python's `float()` accepts are converted (integer
 * literals to int, others to float), anything else is refused with a reason and a detail.
 */
export function coerceVolume(v: unknown): VolumeResult {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? { ok: true, volume: v } : notANumber(v);
    case 'bigint':
      return { ok: true, volume: v };
    case 'boolean':
      return { ok: true, volume: v ? 1 : 0 };
    case 'string':
      return fromString(v);
    case 'undefined':
      return { ok: false, reason: 'volume is None', detail: 'volume is missing' };
    case 'object':
      if (v === null) return { ok: false, reason: 'volume is None', detail: 'volume is null' };
      if (v instanceof PyFloat) return Number.isFinite(v.value) ? { ok: true, volume: v } : notANumber(v.value);
      return notANumber(v);
    default:
      return notANumber(v);
  }
}

function fromString(raw: string): VolumeResult {
  const s = raw.trim();
  if (INT_LITERAL.test(s)) return { ok: true, volume: parseIntLiteral(s) };
  if (!FLOAT_LITERAL.test(s)) return notANumber(raw);
  const x = Number(s.includes('_') ? s.replaceAll('_', '') : s);
  // '1e400' is float('inf') in Python: as unusable as 'inf' itself.
  if (!Number.isFinite(x)) return notANumber(raw);
  return { ok: true, volume: Number.isInteger(x) ? new PyFloat(x) : x };
}

function parseIntLiteral(s: string): number | bigint {
  const digits = s.includes('_') ? s.replaceAll('_', '') : s;
  if (digits.length <= SAFE_INT_CHARS) return Number(digits) || 0; // `|| 0`: '-0' is int 0
  const big = BigInt(digits);
  return big <= MAX_SAFE && big >= -MAX_SAFE ? Number(big) : big;
}

function notANumber(v: unknown): VolumeResult {
  return { ok: false, reason: 'volume is not a number', detail: `volume ${describe(v)} is not a number` };
}

/** Short, bounded description of a bad value for logs and dead-letter headers. */
function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return 'of type list';
  if (typeof v === 'object' && v !== null) return 'of type dict';
  return `of type ${typeof v}`;
}
