import { compileExpression, type Expression, ExpressionSyntaxError } from '../expression/index.js';
import type { Issue } from './validate-params.js';

const METER_RE = /\$\(([\w.-]+)\)/g;

// Python 3 keywords: Ceilometer escaped a meter named like one so that `eval` could read it.
const KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for ' +
    'from global if import in is lambda nonlocal not or pass raise return try while with yield'
  ).split(' '),
);

/** `expr` with `$(meter)` references rewritten, and the meters it needs. */
export interface ArithmeticExpr {
  /** `expr` as configured. */
  text: string;
  expression: Expression | undefined;
  /** Meter name → identifier in the expression, in order of first occurrence. */
  escaped: Map<string, string>;
}

/** Ceilometer's identifier for a meter name (spec §4.8). */
export function escapeMeterName(meter: string): string {
  const escaped = meter.replaceAll('.', '_');
  return meter.includes('.') || escaped.endsWith('ESC') || KEYWORDS.has(escaped) ? `_${escaped}_ESC` : escaped;
}

/**
 * Rewrite `$(cpu.util)` to `_cpu_util_ESC.volume` (no `.volume` when an attribute follows), as
 * Ceilometer did before `eval`, then compile with the safe expression language.
 */
export function rewriteExpr(expr: string): { source: string; escaped: Map<string, string> } {
  const escaped = new Map<string, string>();
  const source = expr.replace(METER_RE, (_match, meter: string, offset: number, whole: string) => {
    const name = escaped.get(meter) ?? escapeMeterName(meter);
    if (!escaped.has(meter)) escaped.set(meter, name);
    const followedByDot = whole.charAt(offset + meter.length + 3) === '.';
    return followedByDot ? name : `${name}.volume`;
  });
  return { source, escaped };
}

export function parseArithmeticExpr(expr: string, path: string, issues: Issue[]): ArithmeticExpr {
  const { source, escaped } = rewriteExpr(expr);
  if (escaped.size === 0) return { text: expr, expression: undefined, escaped };
  try {
    return { text: expr, expression: compileExpression(source), escaped };
  } catch (err) {
    if (!(err instanceof ExpressionSyntaxError)) throw err;
    const where = source === expr ? '' : ` (in the rewritten expression '${source}')`;
    issues.push({ path, message: `cannot parse expression: ${err.message}${where}` });
    return { text: expr, expression: undefined, escaped };
  }
}
