import { JsonPathSyntaxError } from './errors.js';

/** Token kinds; `*` is one kind whether it means "every child" or "multiply" (the parser decides). */
export type TokenKind =
  | 'root'
  | 'this'
  | 'dot'
  | 'dotdot'
  | 'star'
  | 'lbracket'
  | 'rbracket'
  | 'lparen'
  | 'rparen'
  | 'pipe'
  | 'amp'
  | 'question'
  | 'colon'
  | 'plus'
  | 'minus'
  | 'slash'
  | 'cmp'
  | 'id'
  | 'string'
  | 'number'
  | 'backtick'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Decoded value: the name, the unquoted string, the backtick body, the operator. */
  readonly value: string;
  /** The token as written, for error messages. */
  readonly raw: string;
  /** 1-based column of the first character. */
  readonly column: number;
}

const SINGLE: Readonly<Record<string, TokenKind>> = {
  $: 'root',
  '@': 'this',
  '*': 'star',
  '[': 'lbracket',
  ']': 'rbracket',
  '(': 'lparen',
  ')': 'rparen',
  '|': 'pipe',
  '&': 'amp',
  '?': 'question',
  ':': 'colon',
  '+': 'plus',
  '-': 'minus',
  '/': 'slash',
};

const CMP_OPS = ['==', '!=', '<=', '>=', '=', '<', '>'];
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r' };

function isIdStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\x7f';
}

// jsonpath-rw identifiers may contain `-` and `@` after the first character (`os-vol-host`).
function isIdPart(c: string): boolean {
  return isIdStart(c) || (c >= '0' && c <= '9') || c === '-' || c === '@';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Split an expression into tokens; the last one is always `eof`. */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const token = readToken(src, i);
    tokens.push(token);
    i += token.raw.length;
  }
  tokens.push({ kind: 'eof', value: '', raw: '', column: src.length + 1 });
  return tokens;
}

function readToken(src: string, i: number): Token {
  const c = src[i] as string;
  const column = i + 1;
  if (c === '.') {
    const kind = src[i + 1] === '.' ? 'dotdot' : 'dot';
    const raw = kind === 'dot' ? '.' : '..';
    return { kind, value: raw, raw, column };
  }
  const single = SINGLE[c];
  if (single) return { kind: single, value: c, raw: c, column };
  const op = CMP_OPS.find((o) => src.startsWith(o, i));
  if (op) return { kind: 'cmp', value: op, raw: op, column };
  if (c === "'" || c === '"') return readString(src, i);
  if (c === '`') return readBacktick(src, i);
  if (isDigit(c)) return readNumber(src, i);
  if (isIdStart(c)) {
    let j = i + 1;
    while (j < src.length && isIdPart(src[j] as string)) j++;
    const raw = src.slice(i, j);
    return { kind: 'id', value: raw, raw, column };
  }
  throw new JsonPathSyntaxError(src, column, `unexpected character '${c}'`);
}

function readString(src: string, start: number): Token {
  const quote = src[start];
  let value = '';
  for (let j = start + 1; j < src.length; j++) {
    const c = src[j] as string;
    if (c === quote) return { kind: 'string', value, raw: src.slice(start, j + 1), column: start + 1 };
    if (c === '\\' && j + 1 < src.length) {
      const next = src[++j] as string;
      value += ESCAPES[next] ?? next;
    } else value += c;
  }
  throw new JsonPathSyntaxError(src, start + 1, `unterminated string ${src.slice(start)}`);
}

function readBacktick(src: string, start: number): Token {
  const end = src.indexOf('`', start + 1);
  if (end < 0) throw new JsonPathSyntaxError(src, start + 1, `unterminated extension ${src.slice(start)}`);
  const raw = src.slice(start, end + 1);
  return { kind: 'backtick', value: raw.slice(1, -1).trim(), raw, column: start + 1 };
}

function readNumber(src: string, start: number): Token {
  let j = start;
  while (isDigit(src[j])) j++;
  if (src[j] === '.' && isDigit(src[j + 1])) {
    j++;
    while (isDigit(src[j])) j++;
  }
  const e = src[j];
  if (e === 'e' || e === 'E') {
    const signed = src[j + 1] === '+' || src[j + 1] === '-';
    if (isDigit(src[j + (signed ? 2 : 1)])) {
      j += signed ? 2 : 1;
      while (isDigit(src[j])) j++;
    }
  }
  const raw = src.slice(start, j);
  return { kind: 'number', value: raw, raw, column: start + 1 };
}
