/**
 * Python keeps `1.0` and `1` apart; JavaScript does not. Message signatures hash Python's
 * `str()` of every value, so a float whose value is integral must stay recognisable.
 *
 * Representation used everywhere in meterflow for values that came from (or go to) Python:
 * - a JS `number` that is not integral: a Python float (unambiguous);
 * - a JS `number` that is integral: a Python int;
 * - a `PyFloat`: a Python float whose value happens to be integral (`25.0`, `1e+16`);
 * - a `bigint`: a Python int outside the safe integer range.
 */
export class PyFloat {
  readonly value: number;

  constructor(value: number) {
    this.value = value;
  }

  valueOf(): number {
    return this.value;
  }

  toJSON(): number {
    return this.value;
  }
}

/** A number as Python would hold it: `int`, `float`, big `int`. */
export type PyNumber = number | PyFloat | bigint;

/** Wrap a computed float so that an integral result still prints as a float. */
export function pyFloat(value: number): number | PyFloat {
  return Number.isInteger(value) ? new PyFloat(value) : value;
}

export function isPyNumber(value: unknown): value is PyNumber {
  return typeof value === 'number' || typeof value === 'bigint' || value instanceof PyFloat;
}

/** True for values Python would consider a float. */
export function isPyFloat(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === 'number' && !Number.isInteger(value));
}

/** The numeric value of a Python number as a JS number (big ints lose precision). */
export function toNumber(value: PyNumber): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return value.value;
}
