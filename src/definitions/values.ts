import { PyFloat } from '../model/py-float.js';
import type { PyJson } from '../model/sample.js';

export type PyDict = { [key: string]: PyJson };

/** A JSON object (Python dict), not a list, number wrapper or null. */
export function isPyDict(value: PyJson | undefined): value is PyDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PyFloat);
}

/** Python truthiness of a JSON value. */
export function pyTruthy(value: PyJson): boolean {
  if (value === null || value === false || value === '' || value === 0 || value === 0n) return false;
  if (value instanceof PyFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
