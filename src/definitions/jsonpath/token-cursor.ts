import { JsonPathSyntaxError } from './errors.js';
import type { Token, TokenKind } from './lexer.js';

const DESCRIPTIONS: Partial<Record<TokenKind, string>> = {
  id: 'a field name',
  rbracket: "']'",
  rparen: "')'",
  number: 'a number',
};

/** Token stream with the error helpers every parser layer shares. */
export class TokenCursor {
  protected pos = 0;

  constructor(
    protected readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  protected peek(offset = 0): Token {
    const last = this.tokens.length - 1;
    return this.tokens[Math.min(this.pos + offset, last)] as Token;
  }

  protected next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.pos++;
    return token;
  }

  protected at(kind: TokenKind): boolean {
    return this.peek().kind === kind;
  }

  protected accept(kind: TokenKind): Token | undefined {
    return this.at(kind) ? this.next() : undefined;
  }

  protected expect(kind: TokenKind): Token {
    const token = this.peek();
    if (token.kind !== kind) this.fail(token, `expected ${DESCRIPTIONS[kind] ?? kind}`);
    return this.next();
  }

  /** Throw for `token`, naming it; `expected` says what would have been valid there. */
  protected fail(token: Token, expected?: string): never {
    const found = token.kind === 'eof' ? 'unexpected end of expression' : `unexpected '${token.raw}'`;
    const detail = expected === undefined ? found : `${found} (${expected})`;
    throw new JsonPathSyntaxError(this.source, token.column, detail);
  }
}
