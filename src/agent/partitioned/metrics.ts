import { Counter, Histogram, type Registry } from 'prom-client';

/** Counters of the two partitioned stages; labels are bounded (pipeline names, reasons). */
export interface PartitionedMetrics {
  routed(pipeline: string, count: number): void;
  processed(pipeline: string, count: number): void;
  refused(pipeline: string, reason: string): void;
  checkpoint(seconds: number): void;
  rolledBack(pipeline: string): void;
  unrestorable(pipeline: string): void;
}

export function createPartitionedMetrics(registry: Registry): PartitionedMetrics {
  const registers = [registry];
  const routed = new Counter({
    name: 'meterflow_partition_samples_routed_total',
    help: 'Samples stage 1 published (confirmed) to partition queues, by pipeline.',
    labelNames: ['pipeline'],
    registers,
  });
  const processed = new Counter({
    name: 'meterflow_partition_samples_processed_total',
    help: 'Samples stage 2 applied to partition state and published, by pipeline.',
    labelNames: ['pipeline'],
    registers,
  });
  const refused = new Counter({
    name: 'meterflow_partition_messages_dead_lettered_total',
    help: 'Partition messages stage 2 dead-lettered (a forged, unsigned or invalid sample in them), by reason.',
    labelNames: ['pipeline', 'reason'],
    registers,
  });
  const checkpoints = new Histogram({
    name: 'meterflow_partition_checkpoint_seconds',
    help: 'Time to write a batch checkpoint of partition state to Redis.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });
  const rollbacks = new Counter({
    name: 'meterflow_partition_rollbacks_total',
    help: 'Batches whose publishing or checkpoint failed: state reloaded from the last checkpoint, batch requeued.',
    labelNames: ['pipeline'],
    registers,
  });
  const unrestorable = new Counter({
    name: 'meterflow_partition_state_unrestorable_total',
    help: 'Partition acquisitions whose stored state could not be restored (started empty, state replaced).',
    labelNames: ['pipeline'],
    registers,
  });
  return {
    unrestorable: (pipeline) => unrestorable.inc({ pipeline }),
    routed: (pipeline, count) => routed.inc({ pipeline }, count),
    processed: (pipeline, count) => processed.inc({ pipeline }, count),
    refused: (pipeline, reason) => refused.inc({ pipeline, reason }),
    checkpoint: (seconds) => checkpoints.observe(seconds),
    rolledBack: (pipeline) => rollbacks.inc({ pipeline }),
  };
}
