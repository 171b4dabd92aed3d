/**
 * What the PartitionCoordinator needs from its surroundings, each as narrow as possible so unit
 * tests pass fakes: the membership, a lease per partition, and the consuming side's callbacks.
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../model/clock.js';
import type { Logger } from '../observability/logger.js';
import type { LeaseLostReason, Timers } from './lease-renewer.js';
import type { GroupMembership } from './membership.js';
import type { PartitionRef } from './types.js';

/** Why a partition is given up; for `lost` and `redis-down` the lease is gone or going. */
export type ReleaseReason = 'moved' | 'lost' | 'redis-down' | 'stopping';

/** The consuming side (stage 2). */
export interface PartitionConsumer {
  /**
   * The lease is held and `epoch` is the new one: load the partition's state, then start
   * consuming its queue. Rejecting means nothing was started: the coordinator gives the lease
   * back and tries again after a backoff while the partition is still ours.
   */
  onAcquire(ref: PartitionRef, epoch: number): Promise<void>;
  /**
   * Stop consuming. `moved`/`stopping`: finish the in-flight batch, flush, write state, ack —
   * the lease is released only after this resolves. `lost`/`redis-down`: stop at once, the lease
   * cannot be renewed. Called only for partitions whose onAcquire resolved.
   */
  onRelease(ref: PartitionRef, reason: ReleaseReason): Promise<void>;
}

/** The part of PartitionLease the coordinator uses. */
export interface CoordinatedLease {
  /** Resolves with the new epoch; rejects (LeaseBusyError or a Redis error) when not taken. */
  acquire(): Promise<number>;
  release(): Promise<void>;
}

/**
 * Makes the lease of one partition; called once per partition. `onLost` must be passed to the
 * lease as its `onLost` option (PartitionLease takes it at construction).
 */
export type LeaseFactory = (
  ref: PartitionRef,
  onLost: (reason: LeaseLostReason, error?: unknown) => void,
) => CoordinatedLease;

export type CoordinatorMembership = Pick<GroupMembership, 'memberId' | 'join' | 'leave' | 'watch' | 'onStatus'>;

export interface PartitionCoordinatorOptions {
  membership: CoordinatorMembership;
  /** Names of the pipelines that have partition queues. */
  pipelines: readonly string[];
  /** P, partitions per pipeline. */
  partitions: number;
  leases: LeaseFactory;
  consumer: PartitionConsumer;
  /** Quiet time after a membership snapshot before rebalancing. Default 30 ms. */
  debounceMs?: number;
  /** A burst of snapshots never delays a rebalance more than this after its first one. Default 100 ms. */
  maxDebounceMs?: number;
  /** First delay between attempts at a busy lease; doubles up to retryMaxMs. Default 20 ms. */
  retryMinMs?: number;
  /**
   * Longest delay between attempts at a busy lease, so how late after it expired a dead owner's
   * lease can be taken. Default 100 ms.
   */
  retryMaxMs?: number;
  /** Where the meterflow_partition* metrics go; none when omitted. */
  registry?: Registry;
  /** Reported as meterflow_state_bytes on each scrape (needs `registry`). */
  stateBytes?: () => number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
}
