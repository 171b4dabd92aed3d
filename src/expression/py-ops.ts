import { PyFloat, type PyNumber, pyFloat } from '../model/py-float.js';
import { ExpressionEvaluationError } from './errors.js';
import { isNumeric, type PyValue, typeName } from './values.js';

export type ArithOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';

/** Integer results beyond this many bits are refused (`10**10**10` must not hang the agent). */
const MAX_INT_BITS = 4096;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

type Operand = { int: bigint } | { float: number };

function operand(value: PyNumber | boolean): Operand {
  if (typeof value === 'boolean') return { int: value ? 1n : 0n };
  if (typeof value === 'bigint') return { int: value };
  if (value instanceof PyFloat) return { float: value.value };
  return Number.isInteger(value) ? { int: BigInt(value) } : { float: value };
}

/** A Python int in meterflow's representation: a safe JS integer, else a bigint. */
export function intResult(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

function zeroDivision(op: ArithOp): ExpressionEvaluationError {
  const what = op === '/' ? 'division by zero' : op === '%' ? 'modulo by zero' : 'integer division or modulo by zero';
  return new ExpressionEvaluationError(what);
}

function intOp(op: ArithOp, a: bigint, b: bigint): PyNumber {
  switch (op) {
    case '+':
      return intResult(a + b);
    case '-':
      return intResult(a - b);
    case '*':
      return intResult(a * b);
    case '/':
      if (b === 0n) throw zeroDivision(op);
      return pyFloat(Number(a) / Number(b));
    case '//':
    case '%': {
      if (b === 0n) throw zeroDivision(op);
      let q = a / b;
      if (a % b !== 0n && a < 0n !== b < 0n) q -= 1n; // floor, not truncation
      return intResult(op === '//' ? q : a - q * b);
    }
    default:
      return intPower(a, b);
  }
}

function intPower(a: bigint, b: bigint): PyNumber {
  if (b < 0n) {
    if (a === 0n) throw new ExpressionEvaluationError('0.0 cannot be raised to a negative power');
    return pyFloat(Number(a) ** Number(b));
  }
  const bits = a === 0n || a === 1n || a === -1n ? 0 : (a < 0n ? -a : a).toString(2).length * Number(b);
  if (bits > MAX_INT_BITS) throw new ExpressionEvaluationError('integer result too large');
  return intResult(a ** b);
}

function floatOp(op: ArithOp, a: number, b: number): PyNumber {
  switch (op) {
    case '+':
      return pyFloat(a + b);
    case '-':
      return pyFloat(a - b);
    case '*':
      return pyFloat(a * b);
    case '/':
      if (b === 0) throw new ExpressionEvaluationError('float division by zero');
      return pyFloat(a / b);
    case '//':
      if (b === 0) throw new ExpressionEvaluationError('float divmod()');
      return pyFloat(Math.floor(a / b));
    case '%': {
      if (b === 0) throw new ExpressionEvaluationError('float modulo');
      const r = a % b;
      return pyFloat(r !== 0 && r < 0 !== b < 0 ? r + b : r);
    }
    default:
      if (a === 0 && b < 0) throw new ExpressionEvaluationError('0.0 cannot be raised to a negative power');
      if (a < 0 && !Number.isInteger(b)) throw new ExpressionEvaluationError('complex results are not supported');
      return pyFloat(a ** b);
  }
}

/** Python's binary arithmetic on numbers, plus `str + str`. Anything else is a `TypeError`. */
export function pyArith(op: ArithOp, a: PyValue, b: PyValue): PyValue {
  if (isNumeric(a) && isNumeric(b)) {
    const x = operand(a);
    const y = operand(b);
    if ('int' in x && 'int' in y) return intOp(op, x.int, y.int);
    const fx = 'int' in x ? Number(x.int) : x.float;
    const fy = 'int' in y ? Number(y.int) : y.float;
    return floatOp(op, fx, fy);
  }
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  throw new ExpressionEvaluationError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

/** Unary `-` and `+` (bools become ints, as in Python). */
export function pyUnary(op: '-' | '+', value: PyValue): PyValue {
  if (!isNumeric(value)) throw new ExpressionEvaluationError(`bad operand type for unary ${op}: '${typeName(value)}'`);
  const x = operand(value);
  if ('int' in x) return intResult(op === '-' ? -x.int : x.int);
  return pyFloat(op === '-' ? -x.float : x.float);
}

/** Python's `float(value)` for a numeric value. */
export function toFloat(value: PyNumber | boolean): number {
  const x = operand(value);
  return 'int' in x ? Number(x.int) : x.float;
}
