import type { PyJson } from '../../model/sample.js';
import type { Expr } from './ast.js';
import { Datum, isDict } from './datum.js';
import { JsonPathSyntaxError } from './errors.js';
import { evaluate } from './evaluate.js';
import { parseJsonPath } from './parser.js';
import type { JsonPath, JsonPathMatch } from './types.js';

const ARITHMETIC = /[-+*/]/;

class CompiledJsonPath implements JsonPath {
  /**
   * Set when the expression is a plain field chain or a union of them (nearly every path of the
   * shipped definitions): `values` and `first` then walk the data directly, without the match
   * objects `find` builds for the paths plugins need.
   */
  readonly chains: readonly Chain[] | null;

  constructor(
    readonly source: string,
    private readonly expr: Expr,
  ) {
    this.chains = chainsOf(expr);
  }

  find(data: PyJson): JsonPathMatch[] {
    const root = Datum.root(data);
    const out: Datum[] = [];
    evaluate(this.expr, root, root, out);
    return out;
  }

  values(data: PyJson): PyJson[] {
    const out: PyJson[] = [];
    const chains = this.chains;
    if (chains === null) {
      for (const match of this.find(data)) out.push(match.value);
      return out;
    }
    for (let i = 0; i < chains.length; i++) {
      const value = walk(data, chains[i] as Chain);
      if (value !== undefined) out.push(value);
    }
    return out;
  }

  first(data: PyJson): PyJson {
    const chains = this.chains;
    if (chains === null) {
      for (const match of this.find(data)) if (match.value !== null) return match.value;
      return null;
    }
    for (let i = 0; i < chains.length; i++) {
      const value = walk(data, chains[i] as Chain);
      if (value !== undefined && value !== null) return value;
    }
    return null;
  }

  toString(): string {
    return this.source;
  }
}

interface Chain {
  readonly names: readonly string[];
  /**
   * No name is a property of `Object.prototype` (`constructor`, `__proto__`, …): then a lookup
   * that gives `undefined` means "no such key", since parsed JSON holds no `undefined`, and the
   * walk needs one property access per step instead of `hasOwn` and a second access.
   */
  readonly direct: boolean;
}

/**
 * The field chains whose matches, in order, are the expression's matches: a chain path (from
 * `$` or the current node, the same thing at the top level) or a union of such; null otherwise.
 */
function chainsOf(expr: Expr): Chain[] | null {
  if (expr.kind === 'path') {
    if (expr.chain === null) return null;
    const names = expr.chain.names;
    return [{ names, direct: names.every((name) => !(name in Object.prototype)) }];
  }
  if (expr.kind !== 'union') return null;
  const chains: Chain[] = [];
  for (const option of expr.options) {
    const inner = chainsOf(option);
    if (inner === null) return null;
    chains.push(...inner);
  }
  return chains;
}

/** The value at the end of a field chain (what `walkChain` in evaluate.ts matches), or undefined. */
function walk(data: PyJson, chain: Chain): PyJson | undefined {
  const names = chain.names;
  let value = data;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (!isDict(value)) return undefined;
    if (!chain.direct && !Object.hasOwn(value, name)) return undefined;
    const next: PyJson | undefined = value[name];
    if (next === undefined) return undefined;
    value = next;
  }
  return value;
}

/**
 * Compile one expression of Ceilometer's jsonpath dialect (jsonpath-rw + jsonpath-rw-ext, with
 * `|` binding loosest and left-associative arithmetic). Throws JsonPathSyntaxError.
 */
export function compileJsonPath(expr: string): JsonPath {
  return new CompiledJsonPath(expr, parseJsonPath(expr));
}

/**
 * Compile a YAML list of paths as one union: matches of the first expression come first.
 * Throws JsonPathSyntaxError naming the faulty expression.
 */
export function compileJsonPathUnion(exprs: readonly string[]): JsonPath {
  if (exprs.length === 0) throw new JsonPathSyntaxError('', 1, 'empty list of paths');
  if (exprs.length === 1) return compileJsonPath(exprs[0] as string);
  const options = exprs.map(parseJsonPath);
  const source = exprs.map((e) => `(${e})`).join('|');
  return new CompiledJsonPath(source, { kind: 'union', options });
}

/** The first match whose value is not null (Ceilometer's "first value"), or undefined. */
export function firstValue(path: JsonPath, data: PyJson): PyJson | undefined {
  const value = path.first(data);
  return value === null ? undefined : value;
}

/**
 * Whether a meter's `name`/`unit`/`type` string is meant as a jsonpath. Ceilometer compiles
 * every such string as one, so `B` silently becomes a path and `%` or `B/s` fail to load;
 * meterflow keeps plain words as literals. True when the string starts with `$` or `@`,
 * contains `[`, a backtick or `|`, or is arithmetic involving a `$` path
 * (`"profiler-" + $.payload.base_id`). `B`, `instance`, `B/s`, `image.size` are literals.
 */
export function looksLikeJsonPath(s: string): boolean {
  const text = s.trim();
  if (text.startsWith('$') || text.startsWith('@')) return true;
  if (text.includes('[') || text.includes('`') || text.includes('|')) return true;
  return text.includes('$') && ARITHMETIC.test(text);
}
