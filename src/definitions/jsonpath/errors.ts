import { MeterflowError } from '../../errors.js';

/**
 * A jsonpath expression that cannot be compiled. Definitions are validated before anything
 * starts, so the message names the offending token and where it is.
 */
export class JsonPathSyntaxError extends MeterflowError {
  /** 1-based column of the offending token in `expression`. */
  readonly column: number;
  /** The expression as written. */
  readonly expression: string;

  constructor(expression: string, column: number, detail: string) {
    super('jsonpath_syntax', `${detail} at column ${column} in jsonpath ${JSON.stringify(expression)}`);
    this.column = column;
    this.expression = expression;
  }
}
