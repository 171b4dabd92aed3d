import { PyFloat, type PyNumber } from '../model/py-float.js';
import { ExpressionEvaluationError } from './errors.js';

/**
 * Ceilometer's empty `Namespace`: what a missing name, attribute or key evaluates to. Falsy, and
 * any attribute or key of it is itself; arithmetic on it fails.
 */
export const MISSING: unique symbol = Symbol('missing');
export type Missing = typeof MISSING;

/** A dictionary as the expression sees it (sample, `resource_metadata`, nested dicts). */
export interface PyDict {
  [key: string]: PyValue;
}

/** Every value an expression can produce or read. */
export type PyValue = null | boolean | string | PyNumber | PyValue[] | PyDict | Missing;

export function isNumeric(value: PyValue): value is PyNumber | boolean {
  return (
    typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value instanceof PyFloat
  );
}

export function isDict(value: PyValue): value is PyDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PyFloat);
}

/** Python's `bool(value)`; NaN is truthy as in Python. */
export function truthy(value: PyValue): boolean {
  if (value === MISSING || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (typeof value === 'string') return value.length > 0;
  if (value instanceof PyFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  return Object.keys(value).length > 0;
}

/** The Python type name, for error messages. */
export function typeName(value: PyValue): string {
  if (value === MISSING) return 'Namespace';
  if (value === null) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (value instanceof PyFloat) return 'float';
  return Array.isArray(value) ? 'list' : 'Namespace';
}

/** Numeric value for comparisons (bool as 0/1, big ints kept exact). */
function numericKey(value: PyNumber | boolean): number | bigint {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value instanceof PyFloat ? value.value : value;
}

/** Python `==` for the values the language can produce. */
export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (isNumeric(a) && isNumeric(b)) {
    // biome-ignore lint/suspicious/noDoubleEquals: number == bigint must compare by value.
    return numericKey(a) == numericKey(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => pyEquals(item, b[i] as PyValue));
  }
  return a === b;
}

export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** Python rich comparison; ordering between unrelated types is a `TypeError` as in Python 3. */
export function pyCompare(op: CompareOp, a: PyValue, b: PyValue): boolean {
  if (op === '==') return pyEquals(a, b);
  if (op === '!=') return !pyEquals(a, b);
  let left: number | bigint | string;
  let right: number | bigint | string;
  if (isNumeric(a) && isNumeric(b)) {
    left = numericKey(a);
    right = numericKey(b);
  } else if (typeof a === 'string' && typeof b === 'string') {
    left = a;
    right = b;
  } else {
    throw new ExpressionEvaluationError(
      `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`,
    );
  }
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    default:
      return left >= right;
  }
}
