import { TransformerStateError } from './state-error.js';
import type { StateValue, TransformerState } from './types.js';

type Global = { [key: string]: StateValue };

/**
 * Every state carries `global.full`: `true` from `snapshot()` (restore replaces everything),
 * `false` from `snapshotChanges()` (restore patches). A state without it patches, which on a
 * fresh instance is the same as replacing.
 */
export function makeState(
  kind: string,
  entries: TransformerState['entries'],
  full: boolean,
  global: Global = {},
): TransformerState {
  return { kind, entries, global: { ...global, full } };
}

/** Check the kind and return the envelope's parts. */
export function openState(kind: string, state: TransformerState): { full: boolean; global: Global } {
  if (state.kind !== kind) {
    throw new TransformerStateError(`cannot restore a '${state.kind}' state into '${kind}'`);
  }
  const global = state.global;
  const object = typeof global === 'object' && global !== null && !Array.isArray(global) ? global : {};
  return { full: object.full === true, global: object };
}
