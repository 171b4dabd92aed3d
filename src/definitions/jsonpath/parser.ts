import type { ArithOp, Expr } from './ast.js';
import type { TokenKind } from './lexer.js';
import { tokenize } from './lexer.js';
import { renderExpr } from './render.js';
import { StepParser } from './step-parser.js';

const CONTINUES_PATH: ReadonlySet<TokenKind> = new Set(['dot', 'dotdot', 'lbracket']);
const ARITHMETIC: ReadonlySet<TokenKind> = new Set(['plus', 'minus', 'star', 'slash']);
const ADDITIVE: Partial<Record<TokenKind, ArithOp>> = { plus: '+', minus: '-' };
const MULTIPLICATIVE: Partial<Record<TokenKind, ArithOp>> = { star: '*', slash: '/' };

/**
 * Precedence, loosest first: `|` (union), `+ -`, `* /`, then paths. Unlike jsonpath-rw, `|`
 * binds loosest, so `ctxt.user_id|ctxt.user` means "either path" (golden oddity 1), and
 * arithmetic is left-associative (oddity 4).
 */
class ExpressionParser extends StepParser {
  parseExpression(): Expr {
    const expr = this.parseUnion();
    const token = this.peek();
    if (token.kind !== 'eof') this.fail(token, 'expected an operator, | or the end');
    return expr;
  }

  protected parseUnion(): Expr {
    const first = this.parseBinary(ADDITIVE, false);
    if (!this.at('pipe')) return first;
    const options = [first];
    while (this.accept('pipe')) options.push(this.parseBinary(ADDITIVE, false));
    return { kind: 'union', options };
  }

  /** `afterOperator`: whether the first operand follows an arithmetic operator. */
  private parseBinary(ops: Partial<Record<TokenKind, ArithOp>>, afterOperator: boolean): Expr {
    const operand = (after: boolean): Expr =>
      ops === ADDITIVE ? this.parseBinary(MULTIPLICATIVE, after) : this.parseOperand(after);
    let left = operand(afterOperator);
    for (let op = ops[this.peek().kind]; op !== undefined; op = ops[this.peek().kind]) {
      this.next();
      left = makeBinary(op, left, operand(true));
    }
    return left;
  }

  // jsonpath-rw reads a quoted string as a field name (`"x"`, `('a')|('b')`); next to an
  // arithmetic operator it is a string literal (`'prefix-' + $.x`).
  private parseOperand(afterOperator: boolean): Expr {
    const token = this.peek();
    const next = this.peek(1);
    if (token.kind === 'number' || (token.kind === 'minus' && next.kind === 'number')) {
      return { kind: 'literal', value: this.parseSignedNumber() };
    }
    if (token.kind === 'string' && !CONTINUES_PATH.has(next.kind) && (afterOperator || ARITHMETIC.has(next.kind))) {
      this.next();
      return { kind: 'literal', value: token.value };
    }
    return this.parsePath();
  }
}

/**
 * Ceilometer 19 names the identity meter `$.payload.outcome - $.payload.outcome +
 * 'identity.authenticate.' + $.payload.outcome`: jsonpath-rw-ext could not start a concatenation
 * with a string, so `X - X` serves as an empty prefix. Folding `(X - X) + Y` to `Y` makes that
 * work (`identity.authenticate.success`); for numbers it is `0 + Y`, the same value.
 */
function makeBinary(op: ArithOp, left: Expr, right: Expr): Expr {
  if (op === '+' && left.kind === 'binary' && left.op === '-' && isSamePath(left.left, left.right)) return right;
  return { kind: 'binary', op, left, right };
}

function isSamePath(a: Expr, b: Expr): boolean {
  return a.kind !== 'literal' && b.kind !== 'literal' && renderExpr(a) === renderExpr(b);
}

/** Parse `source` to a syntax tree; throws JsonPathSyntaxError. */
export function parseJsonPath(source: string): Expr {
  return new ExpressionParser(source, tokenize(source)).parseExpression();
}
