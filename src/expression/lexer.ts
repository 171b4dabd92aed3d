import { pyFloat } from '../model/py-float.js';
import { ExpressionSyntaxError } from './errors.js';
import type { PyValue } from './values.js';

export type TokenKind = 'number' | 'string' | 'name' | 'op' | 'end';

export interface Token {
  kind: TokenKind;
  /** Operator or name text; for literals the source text. */
  text: string;
  /** Literal value of `number` and `string` tokens. */
  value?: PyValue;
  /** 1-based column of the first character. */
  column: number;
}

// Longest first, so `**` wins over `*` and `<=` over `<`.
const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '+', '-', '*', '/', '%', '<', '>', '(', ')', '[', ']', '.', ','];
const NUMBER_RE = /(?:\d(?:_?\d)*)?(?:\.\d(?:_?\d)*|\.)?(?:[eE][+-]?\d(?:_?\d)*)?/y;
const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/** Split an expression into tokens; the last one is always `end`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const ch = source.charAt(pos);
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      pos += 1;
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(source.charAt(pos + 1)))) {
      pos = readNumber(source, pos, tokens);
    } else if (ch === "'" || ch === '"') {
      pos = readString(source, pos, tokens);
    } else if (/[A-Za-z_]/.test(ch)) {
      NAME_RE.lastIndex = pos;
      const text = NAME_RE.exec(source)?.[0] ?? ch;
      tokens.push({ kind: 'name', text, column: pos + 1 });
      pos += text.length;
    } else {
      const op = OPERATORS.find((candidate) => source.startsWith(candidate, pos));
      if (op === undefined) throw new ExpressionSyntaxError(`unexpected character '${ch}'`, pos + 1);
      tokens.push({ kind: 'op', text: op, column: pos + 1 });
      pos += op.length;
    }
  }
  tokens.push({ kind: 'end', text: '', column: source.length + 1 });
  return tokens;
}

function readNumber(source: string, start: number, tokens: Token[]): number {
  NUMBER_RE.lastIndex = start;
  const text = NUMBER_RE.exec(source)?.[0] ?? '';
  const end = start + text.length;
  if (/[A-Za-z_0-9]/.test(source.charAt(end))) {
    throw new ExpressionSyntaxError(`invalid number literal '${text}${source.charAt(end)}'`, start + 1);
  }
  const digits = text.replaceAll('_', '');
  const isFloat = /[.eE]/.test(digits);
  if (!isFloat && /^0\d/.test(digits) && !/^0+$/.test(digits)) {
    throw new ExpressionSyntaxError('leading zeros in integer literals are not permitted', start + 1);
  }
  let value: PyValue;
  if (isFloat) {
    value = pyFloat(Number(digits));
  } else {
    const big = BigInt(digits);
    value = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  tokens.push({ kind: 'number', text, value, column: start + 1 });
  return end;
}

function readString(source: string, start: number, tokens: Token[]): number {
  const quote = source.charAt(start);
  let value = '';
  let pos = start + 1;
  while (pos < source.length) {
    const ch = source.charAt(pos);
    if (ch === quote) {
      tokens.push({ kind: 'string', text: source.slice(start, pos + 1), value, column: start + 1 });
      return pos + 1;
    }
    if (ch === '\\' && pos + 1 < source.length) {
      const next = source.charAt(pos + 1);
      // Python keeps unknown escapes verbatim, backslash included.
      value += ESCAPES[next] ?? `\\${next}`;
      pos += 2;
    } else {
      value += ch;
      pos += 1;
    }
  }
  throw new ExpressionSyntaxError('unterminated string literal', start + 1);
}
