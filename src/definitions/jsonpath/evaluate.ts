import type { PyJson } from '../../model/sample.js';
import { applyArithmetic } from './arithmetic.js';
import type { BinaryExpr, Comparison, Condition, Expr, FieldChain, PathExpr, Step } from './ast.js';
import { compareValues } from './compare.js';
import { Datum, isDict, isTruthy } from './datum.js';
import { applyExtension } from './extensions.js';

/**
 * Evaluate `expr` and append its matches to `out`. `root` is what `$` means, `current` what a
 * path without `$` starts from (the same at the top level; the element inside a filter).
 */
export function evaluate(expr: Expr, root: Datum, current: Datum, out: Datum[]): void {
  switch (expr.kind) {
    case 'path':
      evaluatePath(expr, root, current, out);
      return;
    case 'union':
      for (const option of expr.options) evaluate(option, root, current, out);
      return;
    case 'binary':
      evaluateBinary(expr, root, current, out);
      return;
    case 'literal':
      out.push(new Datum(expr.value, null, ''));
      return;
  }
}

function evaluatePath(path: PathExpr, root: Datum, current: Datum, out: Datum[]): void {
  if (path.chain !== null) {
    walkChain(path.chain, path.base === 'root' ? root : current, out);
    return;
  }
  let items: Datum[];
  if (path.base === 'root') items = [root];
  else if (path.base === 'current') items = [current];
  else {
    items = [];
    evaluate(path.base, root, current, items);
  }
  const steps = path.steps;
  if (steps.length === 0) {
    for (const item of items) out.push(item);
    return;
  }
  for (let i = 0; i < steps.length; i++) {
    const next = i === steps.length - 1 ? out : [];
    const step = steps[i] as Step;
    for (const item of items) applyStep(step, item, root, next);
    items = next;
  }
}

// A dotted segment renders exactly like the chain of single ones it stands for.
function walkChain(chain: FieldChain, from: Datum, out: Datum[]): void {
  let value = from.value;
  for (const name of chain.names) {
    if (!isDict(value) || !Object.hasOwn(value, name)) return;
    value = value[name] as PyJson;
  }
  out.push(new Datum(value, from, chain.text));
}

function applyStep(step: Step, datum: Datum, root: Datum, out: Datum[]): void {
  const value = datum.value;
  switch (step.kind) {
    case 'field':
      if (isDict(value) && Object.hasOwn(value, step.name))
        out.push(new Datum(value[step.name] as PyJson, datum, step.name));
      return;
    case 'wildcard':
      pushChildren(datum, out);
      return;
    case 'index':
      pushIndex(datum, step.index, out);
      return;
    case 'slice':
      pushSlice(datum, step.start, step.end, out);
      return;
    case 'filter':
      pushFiltered(datum, step.cond, out);
      return;
    case 'descend':
      descend(step.step, datum, root, out);
      return;
    case 'group':
      evaluate(step.expr, root, datum, out);
      return;
    case 'ext':
      applyExtension(step.ext, datum, out);
      return;
  }
}

function pushChildren(datum: Datum, out: Datum[]): void {
  const value = datum.value;
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) out.push(new Datum(value[i] as PyJson, datum, i));
  else if (isDict(value)) for (const key of Object.keys(value)) out.push(new Datum(value[key] as PyJson, datum, key));
}

function pushIndex(datum: Datum, index: number, out: Datum[]): void {
  const value = datum.value;
  if (!Array.isArray(value)) return;
  const i = index < 0 ? value.length + index : index;
  if (i >= 0 && i < value.length) out.push(new Datum(value[i] as PyJson, datum, i));
}

/**
 * Python slice semantics on lists. jsonpath-rw's hack, kept because Swift's
 * `measurements.[*].metric.[*].name` needs it: a non-empty dict or scalar is sliced as if it
 * were a one-element list; an empty or false value yields nothing.
 */
function pushSlice(datum: Datum, start: number | null, end: number | null, out: Datum[]): void {
  const value = datum.value;
  if (!isTruthy(value)) return;
  if (!Array.isArray(value)) {
    if (clamp(start ?? 0, 1) < clamp(end ?? 1, 1)) out.push(new Datum(value, datum, 0));
    return;
  }
  const n = value.length;
  const to = clamp(end ?? n, n);
  for (let i = clamp(start ?? 0, n); i < to; i++) out.push(new Datum(value[i] as PyJson, datum, i));
}

function clamp(bound: number, length: number): number {
  const i = bound < 0 ? length + bound : bound;
  return i < 0 ? 0 : i > length ? length : i;
}

function pushFiltered(datum: Datum, cond: Condition, out: Datum[]): void {
  const value = datum.value;
  if (!Array.isArray(value)) return;
  for (let i = 0; i < value.length; i++) {
    const element = value[i] as PyJson;
    if (holds(cond, element)) out.push(new Datum(element, datum, i));
  }
}

function holds(cond: Condition, element: PyJson): boolean {
  if (cond.kind === 'and') return cond.parts.every((part) => holds(part, element));
  if (cond.fields !== null) return holdsOnFields(cond, cond.fields, element);
  const self = Datum.root(element);
  const found: Datum[] = [];
  evaluate(cond.path, self, self, found);
  if (cond.op === null) return found.length > 0;
  for (const match of found) if (compareValues(match.value, cond.op, cond.value)) return true;
  return false;
}

// The usual `@.name='x'` walks plain fields without building matches.
function holdsOnFields(cond: Comparison, fields: readonly string[], element: PyJson): boolean {
  let value: PyJson = element;
  for (const name of fields) {
    if (!isDict(value) || !Object.hasOwn(value, name)) return false;
    value = value[name] as PyJson;
  }
  return cond.op === null || compareValues(value, cond.op, cond.value);
}

function descend(step: Step, datum: Datum, root: Datum, out: Datum[]): void {
  applyStep(step, datum, root, out);
  const value = datum.value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) descend(step, new Datum(value[i] as PyJson, datum, i), root, out);
  } else if (isDict(value)) {
    for (const key of Object.keys(value)) descend(step, new Datum(value[key] as PyJson, datum, key), root, out);
  }
}

/** Path × path is element-wise (same number of matches, else nothing); a literal side applies to each match. */
function evaluateBinary(expr: BinaryExpr, root: Datum, current: Datum, out: Datum[]): void {
  const { op, left, right } = expr;
  const lefts = left.kind === 'literal' ? null : matchesOf(left, root, current);
  const rights = right.kind === 'literal' ? null : matchesOf(right, root, current);
  if (lefts !== null && rights !== null && lefts.length !== rights.length) return;
  const count = lefts?.length ?? rights?.length ?? 1;
  for (let i = 0; i < count; i++) {
    const l = lefts?.[i];
    const r = rights?.[i];
    const result = applyArithmetic(op, l ? l.value : literalOf(left), r ? r.value : literalOf(right));
    // The computed value sits where its path operand was found.
    const at = l ?? r;
    if (result !== undefined) out.push(at ? new Datum(result, at.parent, at.segment) : new Datum(result, null, ''));
  }
}

function matchesOf(expr: Expr, root: Datum, current: Datum): Datum[] {
  const found: Datum[] = [];
  evaluate(expr, root, current, found);
  return found;
}

function literalOf(expr: Expr): PyJson {
  return expr.kind === 'literal' ? expr.value : null;
}
