/**
 * The coordinator's Prometheus metrics, registered in an injected registry (never the global one).
 * Labels are bounded: pipelines come from configuration, `side` has two values.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PartitionRef } from './types.js';

export interface CoordinatorMetrics {
  members(count: number): void;
  owned(refs: readonly PartitionRef[]): void;
  rebalanced(): void;
  /** One local half of a hand-off: `release` (onRelease start → lease released) or `acquire`. */
  handoff(side: 'release' | 'acquire', seconds: number): void;
}

export const noMetrics: CoordinatorMetrics = {
  members: () => undefined,
  owned: () => undefined,
  rebalanced: () => undefined,
  handoff: () => undefined,
};

export function createCoordinatorMetrics(
  registry: Registry,
  pipelines: readonly string[],
  stateBytes?: () => number,
): CoordinatorMetrics {
  const registers = [registry];
  const members = new Gauge({
    name: 'meterflow_partition_members',
    help: 'Members of the coordination group in the last membership snapshot.',
    registers,
  });
  const owned = new Gauge({
    name: 'meterflow_partitions_owned',
    help: 'Partitions this worker holds the lease of and consumes, by pipeline.',
    labelNames: ['pipeline'],
    registers,
  });
  const rebalances = new Counter({
    name: 'meterflow_rebalances_total',
    help: 'Rebalances run (one per debounced membership change, lost lease or Redis recovery).',
    registers,
  });
  const handoff = new Histogram({
    name: 'meterflow_handoff_seconds',
    help: 'Local duration of a partition hand-off: release = onRelease start to lease released; acquire = acquisition start (including waiting for the previous owner) to onAcquire done.',
    labelNames: ['side'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  if (stateBytes) {
    new Gauge({
      name: 'meterflow_state_bytes',
      help: 'Serialised transformer state of the partitions this worker owns.',
      registers,
      collect() {
        this.set(stateBytes());
      },
    });
  }
  // Zero series for every pipeline so a worker that owns nothing still reports 0, not absence.
  for (const pipeline of pipelines) owned.set({ pipeline }, 0);
  return {
    members: (count) => members.set(count),
    owned: (refs) => {
      for (const pipeline of pipelines) owned.set({ pipeline }, refs.filter((r) => r.pipeline === pipeline).length);
    },
    rebalanced: () => rebalances.inc(),
    handoff: (side, seconds) => handoff.observe({ side }, seconds),
  };
}
