/**
 * Fakes for the coordinator's unit tests: one group and one lock table shared by several
 * coordinators ("processes"), manual time, and consumers that record every callback and check on
 * each one that a partition never has two consumers and is never consumed without its lease.
 */
import { Registry } from 'prom-client';
import { FakeTimers } from './fake-timers.js';
import type { ManualClock } from '../../../src/model/clock.js';
import { PartitionCoordinator } from '../../../src/partitioning/coordinator.js';
import { refKey } from '../../../src/partitioning/coordinator-plan.js';
import type {
  LeaseFactory,
  PartitionConsumer,
  PartitionCoordinatorOptions,
  ReleaseReason,
} from '../../../src/partitioning/coordinator-types.js';
import { LeaseBusyError } from '../../../src/partitioning/lease.js';
import type { LeaseLostReason } from '../../../src/partitioning/lease-renewer.js';
import type { ConnectionStatusEvent } from '../../../src/partitioning/membership-types.js';
import type { MembershipEvent } from '../../../src/partitioning/types.js';

/** The group as Redis holds it; every membership of the world watches it. */
export class FakeGroup {
  members: string[] = [];
  readonly watchers = new Set<(e: MembershipEvent) => void>();

  emit(members: string[]): void {
    this.members = [...members].sort();
    for (const w of [...this.watchers]) w({ kind: 'members', members: this.members });
  }
  membership(memberId: string) {
    const group = this;
    const status = new Set<(e: ConnectionStatusEvent) => void>();
    return {
      memberId,
      left: false,
      async join() {
        group.emit([...group.members.filter((m) => m !== memberId), memberId]);
      },
      async leave() {
        this.left = true;
        group.emit(group.members.filter((m) => m !== memberId));
      },
      /** A SIGKILLed process: hears nothing any more. */
      dead: false,
      watch(listener: (e: MembershipEvent) => void) {
        // Like the real watch: the current list first, if there is one.
        const deliver = (e: MembershipEvent) => !this.dead && listener(e);
        group.watchers.add(deliver);
        if (group.members.length > 0) deliver({ kind: 'members', members: group.members });
        return () => void group.watchers.delete(deliver);
      },
      onStatus(listener: (e: ConnectionStatusEvent) => void) {
        status.add(listener);
        return () => status.delete(listener);
      },
      status(event: ConnectionStatusEvent) {
        for (const l of [...status]) l(event);
      },
    };
  }
}

/** Redis' view of the leases: one holder per partition, an epoch incremented per acquisition. */
export class FakeLocks {
  readonly holders = new Map<string, string>();
  readonly epochs = new Map<string, number>();
  readonly attempts = new Map<string, number>();
  /** While set, acquisitions wait for it (a slow Redis). */
  gate: Promise<void> | undefined;
  private readonly onLost = new Map<string, (reason: LeaseLostReason) => void>();

  factory(owner: string): LeaseFactory {
    return (ref, onLost) => {
      const key = refKey(ref);
      this.onLost.set(`${owner}|${key}`, onLost);
      return {
        acquire: async () => {
          this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
          await this.gate;
          const holder = this.holders.get(key);
          if (holder !== undefined && holder !== owner) throw new LeaseBusyError(ref);
          this.holders.set(key, owner);
          const epoch = (this.epochs.get(key) ?? 0) + 1;
          this.epochs.set(key, epoch);
          return epoch;
        },
        release: async () => {
          if (this.holders.get(key) === owner) this.holders.delete(key);
        },
      };
    };
  }

  /** The lease of `owner` cannot be renewed any more (refused, as when it expired). */
  lose(owner: string, key: string, newHolder?: string): void {
    if (this.holders.get(key) === owner) this.holders.delete(key);
    if (newHolder) this.holders.set(key, newHolder);
    this.onLost.get(`${owner}|${key}`)?.('refused');
  }
}

/** Shared by all consumers of a world: who consumes what, every callback in order, violations. */
export class Consumers {
  readonly log: string[] = [];
  readonly active = new Map<string, string>();
  readonly violations: string[] = [];
  /** Local time of each log line. */
  readonly times: number[] = [];
  /** While set, every onRelease waits for it (a slow flush). */
  gate: Promise<void> | undefined;
  failAcquire = new Set<string>();
  failRelease = false;
  /** While an owner has one, its onAcquire waits for it (a consumer slow to start). */
  readonly slowStart = new Map<string, Promise<void>>();

  constructor(
    private readonly locks: FakeLocks,
    private readonly clock: ManualClock,
  ) {}

  private record(line: string): void {
    this.log.push(line);
    this.times.push(this.clock.now());
  }

  of(owner: string): PartitionConsumer {
    return {
      onAcquire: async (ref, epoch) => {
        const key = refKey(ref);
        await this.slowStart.get(owner);
        if (this.failAcquire.has(key)) throw new Error('state unreadable');
        if (this.active.has(key)) this.violations.push(`${owner}+${key} while ${this.active.get(key)} consumes`);
        if (this.locks.holders.get(key) !== owner) this.violations.push(`${owner}+${key} without the lease`);
        this.active.set(key, owner);
        this.record(`${owner}+${key}@${epoch}`);
      },
      onRelease: async (ref, reason: ReleaseReason) => {
        const key = refKey(ref);
        if (this.active.get(key) !== owner) this.violations.push(`${owner}-${key} not consuming`);
        if ((reason === 'moved' || reason === 'stopping') && this.locks.holders.get(key) !== owner) {
          this.violations.push(`${owner}-${key} lease released before the hand-off`);
        }
        this.record(`${owner}-${key}:${reason}`);
        await this.gate;
        this.active.delete(key);
        if (this.failRelease) throw new Error('flush failed');
      },
    };
  }

  owners(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const [key, owner] of [...this.active].sort()) out.set(owner, [...(out.get(owner) ?? []), key]);
    return out;
  }
}

/** One fake Redis (group + locks), one clock, and a way to start coordinators ("processes") in it. */
export function world(partitions = 4, pipelines: readonly string[] = ['cpu', 'disk']) {
  const timers = new FakeTimers();
  const group = new FakeGroup();
  const locks = new FakeLocks();
  const consumers = new Consumers(locks, timers.clock);
  const start = async (id: string, extra: Partial<PartitionCoordinatorOptions> = {}) => {
    const membership = group.membership(id);
    const registry = new Registry();
    const c = new PartitionCoordinator({
      membership,
      pipelines,
      partitions,
      leases: locks.factory(id),
      consumer: consumers.of(id),
      registry,
      clock: timers.clock,
      timers,
      ...extra,
    });
    await c.start();
    return { c, membership, registry };
  };
  return { timers, group, locks, consumers, start, partitions, pipelines };
}

/** The value of a metric series whose labels include `labels` (histograms: `<name>_count` etc.). */
export async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name || name.startsWith(`${m.name}_`));
  const value = found?.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? found.name) === name &&
      Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  return value?.value ?? Number.NaN;
}
