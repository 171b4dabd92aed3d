import type { PartitionRef } from './types.js';

/**
 * Redis keys of one partition's ownership and state. The lease and the epoch are read by
 * different classes (PartitionLease increments the epoch, the state store's script compares it),
 * so both derive their names here and cannot drift apart. Every key starts with
 * `meterflow:<group>:` so several deployments can share one Redis.
 */
export interface PartitionKeys {
  /** redlock resource: `meterflow:<group>:lease:<pipeline>:<p>`. */
  lease: string;
  /** Counter incremented on every acquisition: `meterflow:<group>:epoch:<pipeline>:<p>`. */
  epoch: string;
  /** Hash of the partition's metadata (kinds, globals, sizes, last batch). */
  stateMeta: string;
  /** Hash of the entries of the transformer at `index` in the sink's chain. */
  stateEntries(index: number): string;
  /** Hash of the global (non-entry) state of the transformer at `index`. */
  stateGlobal(index: number): string;
}

export function partitionKeys(group: string, ref: PartitionRef): PartitionKeys {
  const suffix = `${ref.pipeline}:${ref.partition}`;
  const state = `meterflow:${group}:state:${suffix}`;
  return {
    lease: `meterflow:${group}:lease:${suffix}`,
    epoch: `meterflow:${group}:epoch:${suffix}`,
    stateMeta: state,
    stateEntries: (index) => `${state}:t${index}`,
    stateGlobal: (index) => `${state}:g${index}`,
  };
}
