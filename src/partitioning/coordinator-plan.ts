/**
 * Which (pipeline, partition) pairs a member should consume: the pure part of the coordinator, so
 * every member — and anything that reports ownership, like /readyz — derives the same answer from
 * the same member list.
 */
import { assign } from './assignment.js';
import type { PartitionRef } from './types.js';

/** Map key of a partition (`<pipeline>/<p>`). */
export function refKey(ref: PartitionRef): string {
  return `${ref.pipeline}/${ref.partition}`;
}

/**
 * One `assign()` per pipeline, not one over pipelines × P slots: balance must hold per pipeline
 * (every member gets ⌊P/M⌋ or ⌈P/M⌉ of each pipeline's queues, so each pipeline's throughput
 * scales with the members), which a single assignment over all slots cannot promise. Member ids
 * are salted with the pipeline name before assigning so the members that get the extra ⌈P/M⌉
 * partition differ between pipelines; unsalted, the same member would get the extra one of every
 * pipeline (assign() depends only on the members and P). Measured over P = 5…40, M = 2…7 with 4
 * pipelines (test/unit/partitioning/coordinator.test.ts): the spread of per-member totals drops
 * from 632 to 353 summed over the cases. Salting keeps assign()'s rendezvous stability: a
 * member's salted id is the same at every change.
 *
 * Returns `owners.get(pipeline)[p]` = member id (undefined when there are no members).
 */
export function assignPipelines(
  members: readonly string[],
  pipelines: readonly string[],
  partitions: number,
): Map<string, (string | undefined)[]> {
  const out = new Map<string, (string | undefined)[]>();
  for (const pipeline of pipelines) {
    const bySalted = new Map(members.map((m) => [`${pipeline}\u0000${m}`, m]));
    const owners = assign([...bySalted.keys()], partitions).map((s) => (s === undefined ? s : bySalted.get(s)));
    out.set(pipeline, owners);
  }
  return out;
}

/** The partitions `member` should consume, keyed by refKey. */
export function planFor(
  member: string,
  members: readonly string[],
  pipelines: readonly string[],
  partitions: number,
): Map<string, PartitionRef> {
  const mine = new Map<string, PartitionRef>();
  for (const [pipeline, owners] of assignPipelines(members, pipelines, partitions)) {
    owners.forEach((owner, partition) => {
      if (owner !== member) return;
      const ref = { pipeline, partition };
      mine.set(refKey(ref), ref);
    });
  }
  return mine;
}
