import type { PyJson } from '../../model/sample.js';
import type { PySub } from '../../model/py-regex.js';

/** Syntax tree of a compiled expression; built once, evaluated per notification. */
export type Expr = PathExpr | UnionExpr | BinaryExpr | LiteralExpr;

export type ArithOp = '+' | '-' | '*' | '/';
/** `=` is normalised to `==`. */
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface PathExpr {
  readonly kind: 'path';
  /** `root` for `$`, `current` for `@` or a path written without `$`, else a `( … )` group. */
  readonly base: 'root' | 'current' | Expr;
  readonly steps: readonly Step[];
  /** Set when every step is a plain field: evaluated as one walk, one match object. */
  readonly chain: FieldChain | null;
}

export interface FieldChain {
  readonly names: readonly string[];
  /** The names joined with `.`, as the match path renders them. */
  readonly text: string;
}

export interface UnionExpr {
  readonly kind: 'union';
  readonly options: readonly Expr[];
}

export interface BinaryExpr {
  readonly kind: 'binary';
  readonly op: ArithOp;
  readonly left: Expr;
  readonly right: Expr;
}

export interface LiteralExpr {
  readonly kind: 'literal';
  readonly value: PyJson;
}

export type Step =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'slice'; readonly start: number | null; readonly end: number | null }
  | { readonly kind: 'filter'; readonly cond: Condition }
  | { readonly kind: 'descend'; readonly step: Step }
  | { readonly kind: 'group'; readonly expr: Expr }
  | { readonly kind: 'ext'; readonly ext: Extension };

export type Condition = AndCondition | Comparison;

export interface AndCondition {
  readonly kind: 'and';
  readonly parts: readonly Condition[];
}

export interface Comparison {
  readonly kind: 'cmp';
  readonly path: Expr;
  /** Field names when `path` is a plain chain (`@.a.b`): evaluated without allocating. */
  readonly fields: readonly string[] | null;
  /** null: the condition only asks whether the path matches. */
  readonly op: CmpOp | null;
  readonly value: PyJson;
}

export type Extension =
  | { readonly name: 'len' | 'sorted' | 'str' | 'this'; readonly text: string }
  | {
      readonly name: 'split';
      readonly text: string;
      readonly sep: string;
      readonly index: number;
      readonly maxSplit: number;
    }
  | {
      readonly name: 'sub';
      readonly text: string;
      /** Python `re.sub` semantics, shared with the transformers' map_from/map_to. */
      readonly sub: PySub;
    };
