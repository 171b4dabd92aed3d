import type { PyJson } from '../../model/sample.js';
import type { Expr } from './ast.js';
import { Datum } from './datum.js';
import { JsonPathSyntaxError } from './errors.js';
import { evaluate } from './evaluate.js';
import { parseJsonPath } from './parser.js';
import type { JsonPath, JsonPathMatch } from './types.js';

const ARITHMETIC = /[-+*/]/;

class CompiledJsonPath implements JsonPath {
  constructor(
    readonly source: string,
    private readonly expr: Expr,
  ) {}

  find(data: PyJson): JsonPathMatch[] {
    const root = Datum.root(data);
    const out: Datum[] = [];
    evaluate(this.expr, root, root, out);
    return out;
  }

  toString(): string {
    return this.source;
  }
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
  for (const match of path.find(data)) if (match.value !== null) return match.value;
  return undefined;
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
