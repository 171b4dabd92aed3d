export { compileExpression, type Expression } from './compile.js';
export { ExpressionEvaluationError, ExpressionSyntaxError } from './errors.js';
export type { Scope } from './evaluate.js';
export { type ArithOp, intResult, pyArith, pyUnary, toFloat } from './py-ops.js';
export {
  isNumeric,
  MISSING,
  type Missing,
  type PyDict,
  type PyValue,
  pyCompare,
  pyEquals,
  truthy,
  typeName,
} from './values.js';
