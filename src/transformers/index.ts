export { DEFAULT_IDLE_TTL_MS, defaultTransformerContext } from './context.js';
export { TransformerStateError } from './state-error.js';
export { DEFAULT_GROUPING_KEYS, sinkGroupingKeys, transformerRegistry } from './registry.js';
export type {
  StateValue,
  Transformer,
  TransformerContext,
  TransformerSpec,
  TransformerState,
} from './types.js';
