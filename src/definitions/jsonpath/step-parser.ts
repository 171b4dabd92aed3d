import type { Expr, PathExpr, Step } from './ast.js';
import { parseExtension } from './extensions.js';
import { FilterParser } from './filter-parser.js';
import type { Token } from './lexer.js';

const INDEX = /^\d+$/;

/** Paths: a base (`$`, `@`, a name, a group) followed by `.x`, `..x` and `[...]` steps. */
export abstract class StepParser extends FilterParser {
  protected abstract parseUnion(): Expr;

  protected parsePath(): Expr {
    const steps: Step[] = [];
    const base = this.parseBase(steps);
    for (;;) {
      const kind = this.peek().kind;
      if (kind === 'dot') {
        this.next();
        steps.push(this.parseDotStep());
      } else if (kind === 'dotdot') {
        this.next();
        steps.push({ kind: 'descend', step: this.parseDotStep() });
      } else if (kind === 'lbracket') {
        this.next();
        steps.push(this.parseBracket());
      } else break;
    }
    if (typeof base !== 'string' && steps.length === 0) return base;
    return makePath(base, steps);
  }

  private parseGroup(): Expr {
    const expr = this.parseUnion();
    this.expect('rparen');
    return expr;
  }

  private parseBase(steps: Step[]): PathExpr['base'] {
    const token = this.peek();
    switch (token.kind) {
      case 'root':
        this.next();
        return 'root';
      case 'this':
        this.next();
        this.acceptAdjacentName(token, steps);
        return 'current';
      case 'lparen':
        this.next();
        return this.parseGroup();
      case 'dotdot':
      case 'lbracket':
        return 'current';
      case 'id':
      case 'string':
      case 'star':
      case 'backtick':
        steps.push(this.parseDotStep());
        return 'current';
      default:
        return this.fail(token, 'expected a path');
    }
  }

  // jsonpath-rw-ext lexes `@name` as one identifier meaning `@.name`.
  private acceptAdjacentName(at: Token, steps: Step[]): void {
    const next = this.peek();
    if (next.kind === 'id' && next.column === at.column + 1) {
      this.next();
      steps.push({ kind: 'field', name: next.value });
    }
  }

  private parseDotStep(): Step {
    const token = this.next();
    switch (token.kind) {
      case 'id':
      case 'string':
        return { kind: 'field', name: token.value };
      case 'star':
        return { kind: 'wildcard' };
      case 'backtick':
        return { kind: 'ext', ext: parseExtension(token, this.source) };
      case 'lbracket':
        return this.parseBracket();
      case 'lparen':
        return { kind: 'group', expr: this.parseGroup() };
      default:
        return this.fail(token, 'expected a field name');
    }
  }

  /** After `[`: `*`, an index, a slice, `?filter` or a quoted name; reads the `]`. */
  private parseBracket(): Step {
    const step = this.parseBracketBody();
    this.expect('rbracket');
    return step;
  }

  private parseBracketBody(): Step {
    const token = this.peek();
    if (this.accept('star')) return { kind: 'slice', start: null, end: null };
    if (this.accept('question')) return { kind: 'filter', cond: this.parseCondition() };
    if (this.accept('string')) return { kind: 'field', name: token.value };
    const start = this.at('colon') ? null : this.parseIndex();
    if (!this.accept('colon')) return { kind: 'index', index: start ?? 0 };
    const end = this.at('rbracket') ? null : this.parseIndex();
    return { kind: 'slice', start, end };
  }

  private parseIndex(): number {
    const negative = this.accept('minus') !== undefined;
    const token = this.peek();
    if (token.kind !== 'number' || !INDEX.test(token.value)) {
      this.fail(token, 'expected *, an index, a slice or ?filter inside [ ]');
    }
    this.next();
    const value = Number(token.value);
    return negative ? -value : value;
  }
}

function makePath(base: PathExpr['base'], steps: Step[]): PathExpr {
  const names: string[] = [];
  for (const step of steps) if (step.kind === 'field') names.push(step.name);
  const plain = typeof base === 'string' && steps.length > 0 && names.length === steps.length;
  return { kind: 'path', base, steps, chain: plain ? { names, text: names.join('.') } : null };
}
