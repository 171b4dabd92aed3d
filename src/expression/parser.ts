import type { Node } from './ast.js';
import { ExpressionSyntaxError } from './errors.js';
import { type Token, tokenize } from './lexer.js';
import type { ArithOp } from './py-ops.js';
import type { CompareOp } from './values.js';

const LITERALS: Record<string, null | boolean> = {
  True: true,
  False: false,
  None: null,
};
// Python keywords that are not part of the language: a clear error instead of a name lookup.
const RESERVED = new Set([
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);
const COMPARE_OPS = new Set(['<', '<=', '>', '>=', '==', '!=']);

/**
 * Recursive descent over Python's expression grammar, precedence lowest first:
 * `or`, `and`, `not`, comparisons (chained), `+ -`, `* / // %`, unary `- +`, `**` (right
 * associative, binds tighter than a unary minus on its left), then `.name`, `[index]`.
 */
class Parser {
  private pos = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.orTest();
    const next = this.peek();
    if (next.kind !== 'end') throw this.unexpected(next);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private take(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.pos += 1;
    return token;
  }

  private isOp(text: string): boolean {
    const token = this.peek();
    return token.kind === 'op' && token.text === text;
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token.kind === 'name' && token.text === text;
  }

  private unexpected(token: Token): ExpressionSyntaxError {
    if (token.kind === 'end') return new ExpressionSyntaxError('unexpected end of expression', token.column);
    if (token.kind === 'op' && token.text === '(') {
      return new ExpressionSyntaxError('function calls are not allowed', token.column);
    }
    return new ExpressionSyntaxError(`unexpected '${token.text}'`, token.column);
  }

  private orTest(): Node {
    let left = this.andTest();
    while (this.isWord('or')) {
      const { column } = this.take();
      left = { kind: 'logical', op: 'or', left, right: this.andTest(), column };
    }
    return left;
  }

  private andTest(): Node {
    let left = this.notTest();
    while (this.isWord('and')) {
      const { column } = this.take();
      left = { kind: 'logical', op: 'and', left, right: this.notTest(), column };
    }
    return left;
  }

  private notTest(): Node {
    if (!this.isWord('not')) return this.comparison();
    const { column } = this.take();
    return { kind: 'unary', op: 'not', operand: this.notTest(), column };
  }

  private comparison(): Node {
    const first = this.arith();
    const rest: { op: CompareOp; node: Node }[] = [];
    while (this.peek().kind === 'op' && COMPARE_OPS.has(this.peek().text)) {
      const op = this.take().text as CompareOp;
      rest.push({ op, node: this.arith() });
    }
    return rest.length === 0 ? first : { kind: 'compare', first, rest, column: first.column };
  }

  private binaryLevel(ops: readonly string[], next: () => Node): Node {
    let left = next();
    while (this.peek().kind === 'op' && ops.includes(this.peek().text)) {
      const token = this.take();
      left = { kind: 'binary', op: token.text as ArithOp, left, right: next(), column: token.column };
    }
    return left;
  }

  private arith(): Node {
    return this.binaryLevel(['+', '-'], () => this.term());
  }

  private term(): Node {
    return this.binaryLevel(['*', '/', '//', '%'], () => this.factor());
  }

  private factor(): Node {
    if (this.isOp('-') || this.isOp('+')) {
      const token = this.take();
      return { kind: 'unary', op: token.text as '-' | '+', operand: this.factor(), column: token.column };
    }
    return this.power();
  }

  private power(): Node {
    const base = this.primary();
    if (!this.isOp('**')) return base;
    const { column } = this.take();
    return { kind: 'binary', op: '**', left: base, right: this.factor(), column };
  }

  private primary(): Node {
    let node = this.atom();
    for (;;) {
      if (this.isOp('.')) {
        const dot = this.take();
        const name = this.take();
        if (name.kind !== 'name') throw this.unexpected(name);
        node = { kind: 'attribute', target: node, name: name.text, column: dot.column };
      } else if (this.isOp('[')) {
        const open = this.take();
        const index = this.orTest();
        this.expect(']');
        node = { kind: 'subscript', target: node, index, column: open.column };
      } else if (this.isOp('(')) {
        throw this.unexpected(this.peek());
      } else {
        return node;
      }
    }
  }

  private atom(): Node {
    const token = this.take();
    if (token.kind === 'number' || token.kind === 'string') {
      return { kind: 'literal', value: token.value ?? null, column: token.column };
    }
    if (token.kind === 'name') return this.nameAtom(token);
    if (token.kind === 'op' && token.text === '(') {
      const inner = this.orTest();
      this.expect(')');
      return inner;
    }
    throw this.unexpected(token);
  }

  private nameAtom(token: Token): Node {
    if (Object.hasOwn(LITERALS, token.text)) {
      return { kind: 'literal', value: LITERALS[token.text] ?? null, column: token.column };
    }
    if (RESERVED.has(token.text) || token.text === 'and' || token.text === 'or' || token.text === 'not') {
      throw new ExpressionSyntaxError(`unsupported keyword '${token.text}'`, token.column);
    }
    return { kind: 'name', name: token.text, column: token.column };
  }

  private expect(text: string): void {
    const token = this.peek();
    if (token.kind !== 'op' || token.text !== text) {
      if (token.kind === 'end') throw new ExpressionSyntaxError(`expected '${text}'`, token.column);
      throw this.unexpected(token);
    }
    this.take();
  }
}

/** Parse expression text; throws {@link ExpressionSyntaxError} with the column of the problem. */
export function parse(source: string): Node {
  return new Parser(tokenize(source)).parse();
}
