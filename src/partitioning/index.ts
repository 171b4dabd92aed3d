/**
 * Workload partitioning building blocks: stable hash and routing, balanced assignment, Redis
 * group membership, partition leases with epochs, and the fenced transformer state store.
 * (`agent/partitioned` wires them into `meterflow run`.)
 */
export { assign, ownedBy } from './assignment.js';
export { partitionOf, stableHash } from './hash.js';
export { DEFAULT_LEASE_TTL_MS, LeaseBusyError, PartitionLease } from './lease.js';
export { redlockDriver } from './lease-redlock.js';
export { GroupMembership } from './membership.js';
export { connectRedis, createRedis } from './redis.js';
export { partitionQueue, route } from './router.js';
export { PartitionStateStore } from './state-store.js';
export type { Member, MembershipEvent, PartitionRef, RedisLike } from './types.js';
export { CorruptStateError, StaleEpochError, StateRefusedError } from './types.js';
export { PartitionCoordinator } from './coordinator.js';
export { assignPipelines, planFor, refKey } from './coordinator-plan.js';
export type {
  CoordinatedLease,
  CoordinatorMembership,
  LeaseFactory,
  PartitionConsumer,
  PartitionCoordinatorOptions,
  ReleaseReason,
} from './coordinator-types.js';
export { checkPartitionCount, PartitionCountError, partitionCountKey } from './partition-count.js';
