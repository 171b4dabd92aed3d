import { partitionOf } from './hash.js';
import type { Sample } from '../model/index.js';

/**
 * Stage 1 routing: a sample goes to partition `stableHash(values of the grouping keys) mod P`.
 * `keys` is the sink's grouping key (the sorted union of its transformers' keys, default
 * `resource_id`), so every sample a stateful transformer must see together lands together.
 */
export function route(sample: Sample, keys: readonly string[], partitions: number): number {
  const values = keys.map((key) => {
    const value = (sample as unknown as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : value === null || value === undefined ? null : String(value);
  });
  return partitionOf(values, partitions);
}

/** Queue of partition p of a pipeline: `<prefix>-pipe-<pipeline>-<p>` (DESIGN.md "Queues"). */
export function partitionQueue(prefix: string, pipeline: string, partition: number): string {
  return `${prefix}-pipe-${pipeline}-${partition}`;
}
