import { pyFloat } from '../../model/py-float.js';
import type { PyJson } from '../../model/sample.js';
import type { CmpOp, Condition, Expr } from './ast.js';
import { TokenCursor } from './token-cursor.js';

const BARE_WORDS: Readonly<Record<string, PyJson>> = { true: true, false: false, null: null };
const INTEGER = /^\d+$/;

/** A number token as Python would read it: int (bigint when unsafe) or float. */
export function numberLiteral(text: string, negative: boolean): PyJson {
  if (!INTEGER.test(text)) return pyFloat(negative ? -Number(text) : Number(text));
  const value = Number(text);
  if (Number.isSafeInteger(value)) return negative && value !== 0 ? -value : value;
  return negative ? -BigInt(text) : BigInt(text);
}

/**
 * Filter conditions (`[?(@.name='x')]`, `[?key=image_id]`, `&`), the jsonpath-rw-ext grammar.
 * Paths are parsed by the layer above.
 */
export abstract class FilterParser extends TokenCursor {
  protected abstract parsePath(): Expr;

  protected parseSignedNumber(): PyJson {
    const negative = this.accept('minus') !== undefined;
    return numberLiteral(this.expect('number').value, negative);
  }

  /** Conditions joined by `&`, each optionally parenthesised; read after `[?`. */
  protected parseCondition(): Condition {
    const first = this.parseConditionAtom();
    if (!this.at('amp')) return first;
    const parts = [first];
    while (this.accept('amp')) parts.push(this.parseConditionAtom());
    return { kind: 'and', parts };
  }

  private parseConditionAtom(): Condition {
    if (this.accept('lparen')) {
      const inner = this.parseCondition();
      this.expect('rparen');
      return inner;
    }
    const start = this.peek();
    if (start.kind !== 'this' && start.kind !== 'root' && start.kind !== 'id' && start.kind !== 'string') {
      this.fail(start, 'expected a path such as @.name');
    }
    const path = this.parsePath();
    const fields = plainFields(path);
    const opToken = this.accept('cmp');
    if (!opToken) return { kind: 'cmp', path, fields, op: null, value: null };
    const op = (opToken.value === '=' ? '==' : opToken.value) as CmpOp;
    return { kind: 'cmp', path, fields, op, value: this.parseFilterValue() };
  }

  private parseFilterValue(): PyJson {
    const token = this.peek();
    if (token.kind === 'string') return this.next().value;
    if (token.kind === 'number' || token.kind === 'minus') return this.parseSignedNumber();
    if (token.kind === 'id') return this.parseBareWord();
    return this.fail(token, 'expected a quoted string, a number or a word');
  }

  // jsonpath-rw-ext reads `[?key=image_id]` as the string 'image_id'; a dotted word
  // (`cpu.frequency`) is taken whole rather than rejected.
  private parseBareWord(): PyJson {
    let word = this.next().value;
    while (this.at('dot') && this.peek(1).kind === 'id') {
      this.next();
      word += `.${this.next().value}`;
    }
    return word in BARE_WORDS ? (BARE_WORDS[word] as PyJson) : word;
  }
}

function plainFields(path: Expr): readonly string[] | null {
  return path.kind === 'path' && path.chain !== null ? path.chain.names : null;
}
