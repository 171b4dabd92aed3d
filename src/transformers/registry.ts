import { accumulatorSpec } from './accumulator.js';
import { aggregatorSpec } from './aggregator.js';
import { arithmeticSpec } from './arithmetic.js';
import { deltaSpec } from './delta.js';
import { rateOfChangeSpec } from './rate-of-change.js';
import type { Transformer, TransformerSpec } from './types.js';
import { unitConversionSpec } from './unit-conversion.js';

/** Every transformer, keyed by the `name:` users write in `pipeline.yaml`. */
export const transformerRegistry: ReadonlyMap<string, TransformerSpec> = new Map(
  [accumulatorSpec, deltaSpec, unitConversionSpec, rateOfChangeSpec, aggregatorSpec, arithmeticSpec].map(
    (spec) => [spec.name, spec] as const,
  ),
);

/** The grouping key of a sink when none of its transformers declares one (spec §8.3). */
export const DEFAULT_GROUPING_KEYS: readonly string[] = ['resource_id'];

/**
 * Union of the transformers' grouping keys. Sorted, so every worker hashes the values in the same
 * order whatever the transformer order (Ceilometer used an unordered set); `['resource_id']` when
 * the union is empty (no transformers).
 */
export function sinkGroupingKeys(transformers: readonly Transformer[]): string[] {
  const keys = new Set<string>();
  for (const transformer of transformers) {
    for (const key of transformer.groupingKeys) keys.add(key);
  }
  return keys.size === 0 ? [...DEFAULT_GROUPING_KEYS] : [...keys].sort();
}
