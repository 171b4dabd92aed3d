import type { PyJson, TraitTypeName } from '../model/index.js';
import { normalizeNaiveUtc, PyFloat, pyFloat, pyStr } from '../model/index.js';

export type TraitValue = string | number | bigint | PyFloat;
export type Converted = { ok: true; value: TraitValue | null } | { ok: false; error: string };

const INT_LITERAL = /^[-+]?\d+(?:_\d+)*$/;
const FLOAT_LITERAL = /^[-+]?(?:\d+(?:_\d+)*\.?(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][-+]?\d+)?$/;

/** Python `str(value)[:255]`, counted in code points as Python does. */
function toText(value: PyJson): string {
  const text = pyStr(value);
  if (text.length <= 255) return text;
  return Array.from(text).slice(0, 255).join('');
}

/** Python `int()` of a JSON value: ints, floats truncated, bools, integer strings. */
function toInt(value: PyJson): TraitValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' || value instanceof PyFloat) {
    const n = Number(value.valueOf());
    if (!Number.isFinite(n)) throw new Error(`cannot convert float ${pyStr(value)} to integer`);
    const t = Math.trunc(n);
    return Number.isSafeInteger(t) ? t : BigInt(t);
  }
  if (typeof value === 'string' && INT_LITERAL.test(value.trim())) {
    const b = BigInt(value.trim().replace(/_/g, ''));
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  throw new Error(`invalid literal for int() with base 10: ${pyStr(value)}`);
}

/** Python `float()`, but refusing NaN and infinities, which JSON cannot carry. */
function toFloat(value: PyJson): TraitValue {
  let n: number;
  if (typeof value === 'boolean') n = value ? 1 : 0;
  else if (typeof value === 'number' || typeof value === 'bigint' || value instanceof PyFloat)
    n = Number(value.valueOf());
  else if (typeof value === 'string' && FLOAT_LITERAL.test(value.trim())) n = Number(value.trim().replace(/_/g, ''));
  else throw new Error(`could not convert to float: ${pyStr(value)}`);
  if (!Number.isFinite(n)) throw new Error(`not a finite float: ${pyStr(value)}`);
  return pyFloat(n);
}

/** Convert an extracted value to its trait type; null means "trait omitted". */
export function convertTrait(type: TraitTypeName, value: PyJson): Converted {
  if (value === null) return { ok: true, value: null };
  if (type === 'text') return { ok: true, value: toText(value) };
  if (value === '') return { ok: true, value: null };
  try {
    if (type === 'int') return { ok: true, value: toInt(value) };
    if (type === 'float') return { ok: true, value: toFloat(value) };
    if (typeof value !== 'string') throw new Error(`Unable to parse date string ${pyStr(value)}`);
    return { ok: true, value: normalizeNaiveUtc(value) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
