import type { PyFloat } from './py-float.js';
import type { PyJson } from './sample.js';

/** Ceilometer's trait dtypes. */
export const TraitType = { none: 0, text: 1, int: 2, float: 3, datetime: 4 } as const;
export type TraitTypeName = 'text' | 'int' | 'float' | 'datetime';
export type TraitDtype = (typeof TraitType)[keyof typeof TraitType];

export interface Trait {
  name: string;
  dtype: TraitDtype;
  /** text: string; int: number | bigint; float: number | PyFloat; datetime: naive ISO string. */
  value: string | number | bigint | PyFloat;
}

export interface Event {
  /** The notification's message id. */
  message_id: string;
  event_type: string;
  /** Naive UTC ISO 8601 (`2026-11-22T12:18:10.632511`). */
  generated: string;
  traits: Trait[];
  raw: { [key: string]: PyJson };
}
