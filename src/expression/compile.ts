import type { Node } from './ast.js';
import { evaluateNode, type Scope } from './evaluate.js';
import { parse } from './parser.js';
import { MISSING, type PyDict, type PyValue } from './values.js';

/** A parsed expression, evaluated many times. */
export interface Expression {
  /** The text it was compiled from. */
  readonly source: string;
  /**
   * Evaluate with names resolved by `scope` (a function, or a dict whose keys are the names).
   * Throws `ExpressionEvaluationError` when Python would have raised.
   */
  evaluate(scope: Scope | PyDict): PyValue;
}

function toScope(scope: Scope | PyDict): Scope {
  if (typeof scope === 'function') return scope;
  return (name) => (Object.hasOwn(scope, name) ? (scope[name] as PyValue) : MISSING);
}

/**
 * Compile Python-expression text in meterflow's safe subset. Throws `ExpressionSyntaxError`
 * (with `column`) for anything outside it, including every function call.
 */
export function compileExpression(source: string): Expression {
  const root: Node = parse(source);
  return {
    source,
    evaluate: (scope) => evaluateNode(root, toScope(scope)),
  };
}
