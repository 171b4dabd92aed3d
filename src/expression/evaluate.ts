import type { Node } from './ast.js';
import { ExpressionEvaluationError } from './errors.js';
import { pyArith, pyUnary } from './py-ops.js';
import { isDict, isNumeric, MISSING, type PyValue, pyCompare, truthy, typeName } from './values.js';

/** Resolves free names; returns {@link MISSING} for unknown ones (Ceilometer's empty namespace). */
export type Scope = (name: string) => PyValue;

export function evaluateNode(node: Node, scope: Scope): PyValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      return scope(node.name);
    case 'attribute':
      return attribute(evaluateNode(node.target, scope), node.name);
    case 'subscript':
      return subscript(evaluateNode(node.target, scope), evaluateNode(node.index, scope));
    case 'unary': {
      const value = evaluateNode(node.operand, scope);
      return node.op === 'not' ? !truthy(value) : pyUnary(node.op, value);
    }
    case 'binary':
      return pyArith(node.op, evaluateNode(node.left, scope), evaluateNode(node.right, scope));
    case 'logical': {
      // Python returns the deciding operand itself, not a boolean.
      const left = evaluateNode(node.left, scope);
      if (node.op === 'and') return truthy(left) ? evaluateNode(node.right, scope) : left;
      return truthy(left) ? left : evaluateNode(node.right, scope);
    }
    case 'compare':
      return compareChain(node, scope);
  }
}

function compareChain(node: Extract<Node, { kind: 'compare' }>, scope: Scope): boolean {
  let left = evaluateNode(node.first, scope);
  for (const { op, node: next } of node.rest) {
    const right = evaluateNode(next, scope);
    if (!pyCompare(op, left, right)) return false;
    left = right;
  }
  return true;
}

/** Dicts are namespaces: a missing key is the empty namespace, and so is anything under it. */
function attribute(target: PyValue, name: string): PyValue {
  if (target === MISSING) return MISSING;
  if (isDict(target)) return Object.hasOwn(target, name) ? (target[name] as PyValue) : MISSING;
  throw new ExpressionEvaluationError(`'${typeName(target)}' object has no attribute '${name}'`);
}

function subscript(target: PyValue, index: PyValue): PyValue {
  if (target === MISSING) return MISSING;
  if (isDict(target)) {
    return typeof index === 'string' && Object.hasOwn(target, index) ? (target[index] as PyValue) : MISSING;
  }
  if (Array.isArray(target) || typeof target === 'string') return sequenceItem(target, index);
  throw new ExpressionEvaluationError(`'${typeName(target)}' object is not subscriptable`);
}

function sequenceItem(target: PyValue[] | string, index: PyValue): PyValue {
  if (!isNumeric(index) || typeName(index) === 'float') {
    throw new ExpressionEvaluationError(`${typeName(target)} indices must be integers, not ${typeName(index)}`);
  }
  const raw = Number(typeof index === 'boolean' ? Number(index) : index.valueOf());
  const i = raw < 0 ? target.length + raw : raw;
  if (i < 0 || i >= target.length) throw new ExpressionEvaluationError(`${typeName(target)} index out of range`);
  return typeof target === 'string' ? target.charAt(i) : (target[i] as PyValue);
}
