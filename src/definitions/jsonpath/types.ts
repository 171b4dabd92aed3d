import type { PyJson } from '../../model/sample.js';

/** One value found by a jsonpath, with where it was found. */
export interface JsonPathMatch {
  readonly value: PyJson;
  /**
   * Full path of the match as jsonpath-rw's `str(match.full_path)` renders it
   * (`payload.metrics.[0].value`, no `$`); trait plugins such as `bitfield` key on it.
   * Computed values (arithmetic) carry the path of their left path operand.
   */
  readonly path: string;
}

/** A compiled expression: parse once, `find` per notification. */
export interface JsonPath {
  /** The expression as written (a list is joined as `(a)|(b)`). */
  readonly source: string;
  /** Every match in order; never throws, never mutates `data`. */
  find(data: PyJson): JsonPathMatch[];
  /** The values of `find(data)`, in order (nulls kept), without building matches where it can. */
  values(data: PyJson): PyJson[];
  /** The first value of `find(data)` that is not null (Ceilometer's "first value"), or null. */
  first(data: PyJson): PyJson;
}
