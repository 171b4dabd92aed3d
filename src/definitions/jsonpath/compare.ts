import { PyFloat } from '../../model/py-float.js';
import { comparePyStr } from '../../model/py-str.js';
import type { PyJson } from '../../model/sample.js';
import type { CmpOp } from './ast.js';

/**
 * `a op b` for a filter. Numbers compare with numbers (int, float, big int alike), strings with
 * strings (Python's code point order), booleans and null by equality. Anything else is
 * "not equal": `!=` holds, every other operator is false; nothing throws.
 */
export function compareValues(a: PyJson, op: CmpOp, b: PyJson): boolean {
  const order = orderOf(a, b);
  if (order === undefined) return op === '!=' ? !sameScalar(a, b) : op === '==' && sameScalar(a, b);
  switch (op) {
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

/** Sign of a - b when both are numbers or both strings; undefined otherwise (or NaN). */
function orderOf(a: PyJson, b: PyJson): number | undefined {
  if (typeof a === 'string') return typeof b === 'string' ? comparePyStr(a, b) : undefined;
  const x = asComparable(a);
  const y = asComparable(b);
  if (x === undefined || y === undefined) return undefined;
  if (x < y) return -1;
  if (x > y) return 1;
  // Neither smaller nor larger: equal (also 10n vs 10), unless one side is NaN.
  return isNaNValue(x) || isNaNValue(y) ? undefined : 0;
}

function isNaNValue(v: number | bigint): boolean {
  return typeof v === 'number' && Number.isNaN(v);
}

function asComparable(v: PyJson): number | bigint | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  return v instanceof PyFloat ? v.value : undefined;
}

function sameScalar(a: PyJson, b: PyJson): boolean {
  return (a === null || typeof a === 'boolean') && a === b;
}
