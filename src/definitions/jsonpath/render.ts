import { PyFloat } from '../../model/py-float.js';
import type { PyJson } from '../../model/sample.js';
import type { Condition, Expr, Step } from './ast.js';

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_@-]*$/;

/**
 * Canonical text of an expression: two expressions that render alike find alike. Used to
 * recognise `X - X` and to describe compiled paths.
 */
export function renderExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'literal':
      return renderValue(expr.value);
    case 'union':
      return expr.options.map((o) => `(${renderExpr(o)})`).join('|');
    case 'binary':
      return `(${renderExpr(expr.left)} ${expr.op} ${renderExpr(expr.right)})`;
    case 'path': {
      const base = expr.base === 'root' ? '$' : expr.base === 'current' ? '@' : `(${renderExpr(expr.base)})`;
      return base + expr.steps.map(renderStep).join('');
    }
  }
}

function renderStep(step: Step): string {
  switch (step.kind) {
    case 'field':
      return PLAIN_NAME.test(step.name) ? `.${step.name}` : `.${JSON.stringify(step.name)}`;
    case 'wildcard':
      return '.*';
    case 'index':
      return `[${step.index}]`;
    case 'slice':
      return step.start === null && step.end === null ? '[*]' : `[${step.start ?? ''}:${step.end ?? ''}]`;
    case 'filter':
      return `[?${renderCondition(step.cond)}]`;
    case 'descend':
      return `..${renderStep(step.step).replace(/^\./, '')}`;
    case 'group':
      return `.(${renderExpr(step.expr)})`;
    case 'ext':
      return `.${step.ext.text}`;
  }
}

function renderCondition(cond: Condition): string {
  if (cond.kind === 'and') return cond.parts.map((p) => `(${renderCondition(p)})`).join('&');
  const left = renderExpr(cond.path);
  return cond.op === null ? left : `${left}${cond.op}${renderValue(cond.value)}`;
}

function renderValue(value: PyJson): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof PyFloat) return `${value.value}.0`;
  return String(value);
}
