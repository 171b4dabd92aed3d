import { MeterflowError } from '../errors.js';

/** The expression text is not in the language; `column` is 1-based. */
export class ExpressionSyntaxError extends MeterflowError {
  readonly column: number;
  /** The message without the position, for callers that format their own. */
  readonly reason: string;

  constructor(reason: string, column: number) {
    super('expression_syntax', `${reason} at column ${column}`);
    this.reason = reason;
    this.column = column;
  }
}

/**
 * Evaluation failed for one scope (Python would have raised `TypeError`, `ZeroDivisionError`,
 * ...). A per-sample problem, never a configuration one.
 */
export class ExpressionEvaluationError extends MeterflowError {
  constructor(message: string) {
    super('expression_failed', message);
  }
}
