import type { ArithOp } from './py-ops.js';
import type { CompareOp, PyValue } from './values.js';

/** Parsed expression. `column` (1-based) points at the construct, for evaluation messages. */
export type Node =
  | { kind: 'literal'; value: PyValue; column: number }
  | { kind: 'name'; name: string; column: number }
  | { kind: 'attribute'; target: Node; name: string; column: number }
  | { kind: 'subscript'; target: Node; index: Node; column: number }
  | { kind: 'unary'; op: '-' | '+' | 'not'; operand: Node; column: number }
  | { kind: 'binary'; op: ArithOp; left: Node; right: Node; column: number }
  | { kind: 'logical'; op: 'and' | 'or'; left: Node; right: Node; column: number }
  | { kind: 'compare'; first: Node; rest: { op: CompareOp; node: Node }[]; column: number };
