import type { AgentOptions } from '../../config/index.js';

/** Durations (ms) the partitioned agent derives from the `[coordination]`/`[meterflow]` seconds. */
export interface CoordinationTimings {
  heartbeatMs: number;
  /** Member key TTL: `member_ttl`, but at least two heartbeats. */
  memberTtlMs: number;
  /** `check_watchers`, but at least three checks per member TTL. */
  checkIntervalMs: number;
  leaseTtlMs: number;
}

/**
 * Whole milliseconds, at least 1: the options are floats, and `2.01 * 1000` is
 * 2009.9999999999998, which redlock (`Duration must be an integer`) and `SET … PX` refuse.
 */
export function toMs(seconds: number): number {
  return Math.max(1, Math.round(seconds * 1000));
}

/** The options it reads, so tests need not build a whole AgentOptions. */
export interface TimingOptions {
  coordination: Pick<AgentOptions['coordination'], 'heartbeat' | 'check_watchers'>;
  meterflow: Pick<AgentOptions['meterflow'], 'member_ttl' | 'partition_lease_ttl'>;
}

export function coordinationTimings(options: TimingOptions): CoordinationTimings {
  const heartbeatMs = toMs(options.coordination.heartbeat);
  const memberTtlMs = Math.max(toMs(options.meterflow.member_ttl), heartbeatMs * 2);
  return {
    heartbeatMs,
    memberTtlMs,
    checkIntervalMs: Math.min(toMs(options.coordination.check_watchers), Math.max(1, Math.floor(memberTtlMs / 3))),
    leaseTtlMs: toMs(options.meterflow.partition_lease_ttl),
  };
}
