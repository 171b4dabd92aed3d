import { isPyFloat, PyFloat, pyFloat, toNumber } from '../../model/py-float.js';
import type { PyNumber } from '../../model/py-float.js';
import type { PyJson } from '../../model/sample.js';
import type { ArithOp } from './ast.js';

const INT_TEXT = /^\s*[+-]?\d+\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * `a op b` with Python 3 number semantics, minus the surprises of Python strings: `'0.5' * 100`
 * is 50.0 rather than the string repeated (golden oddity 4). Returns undefined where Python
 * would raise or the result is meaningless: null, bool, list or dict operands, non-numeric
 * strings, division by zero, overflow to infinity.
 */
export function applyArithmetic(op: ArithOp, a: PyJson, b: PyJson): PyJson | undefined {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  const x = asNumber(a);
  const y = asNumber(b);
  if (x === undefined || y === undefined) return undefined;
  if (op === '/' || isPyFloat(x) || isPyFloat(y)) return floatOp(op, toNumber(x), toNumber(y));
  return intOp(op, x as number | bigint, y as number | bigint);
}

/** Numbers as they are; numeric strings read the way Python's int()/float() would. */
function asNumber(value: PyJson): PyNumber | undefined {
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof PyFloat) return value;
  if (typeof value !== 'string') return undefined;
  if (INT_TEXT.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : BigInt(value.trim());
  }
  // nan and inf are left out on purpose: they cannot be published as JSON numbers.
  return FLOAT_TEXT.test(value) ? pyFloat(Number(value)) : undefined;
}

function floatOp(op: ArithOp, x: number, y: number): number | PyFloat | undefined {
  if (op === '/' && y === 0) return undefined;
  const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
  return Number.isFinite(r) ? pyFloat(r) : undefined;
}

function intOp(op: ArithOp, x: number | bigint, y: number | bigint): number | bigint {
  if (typeof x === 'number' && typeof y === 'number') {
    const r = op === '+' ? x + y : op === '-' ? x - y : x * y;
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  const bx = BigInt(x);
  const by = BigInt(y);
  const r = op === '+' ? bx + by : op === '-' ? bx - by : bx * by;
  const n = Number(r);
  return Number.isSafeInteger(n) ? n : r;
}
