import { PyFloat } from '../../model/py-float.js';
import type { PyJson } from '../../model/sample.js';
import type { JsonPathMatch } from './types.js';

/**
 * A value plus the chain of steps that reached it. The path string is only built when asked
 * for: most callers want the value alone.
 */
export class Datum implements JsonPathMatch {
  constructor(
    readonly value: PyJson,
    readonly parent: Datum | null,
    /** Field name, list index, or extension text; '' for the document itself. */
    readonly segment: string | number,
  ) {}

  /** The document itself, where evaluation starts. */
  static root(value: PyJson): Datum {
    return new Datum(value, null, '');
  }

  get path(): string {
    const parts: string[] = [];
    for (let d: Datum | null = this; d !== null; d = d.parent) {
      if (d.segment === '') continue;
      parts.push(typeof d.segment === 'number' ? `[${d.segment}]` : d.segment);
    }
    return parts.length === 0 ? '$' : parts.reverse().join('.');
  }
}

/** A JSON object (not a list, not a PyFloat). */
export function isDict(value: PyJson | undefined): value is { [key: string]: PyJson } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PyFloat);
}

/** Python truthiness: None, False, 0, 0.0, '', [] and {} are false. */
export function isTruthy(value: PyJson): boolean {
  if (value === null || value === false || value === '' || value === 0 || value === 0n) return false;
  if (value instanceof PyFloat) return value.value !== 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}
