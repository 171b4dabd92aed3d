/**
 * Decides and tracks which partitions this worker consumes (DESIGN.md "Membership and ownership",
 * "State"). Every membership snapshot leads, after a short debounce, to one rebalance: partitions
 * no longer ours are handed off (consumer stops and writes state, then the lease is released)
 * before newly assigned ones are acquired (lease and epoch first, then the consumer starts). A
 * partition is never consumed without its lease, and on a lost lease or a Redis outage consumption
 * stops at once, because the lease can no longer be renewed.
 */
import { type Clock, systemClock } from '../model/clock.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { GuardedConsumer } from './coordinator-consumer.js';
import { type CoordinatorMetrics, createCoordinatorMetrics, noMetrics } from './coordinator-metrics.js';
import { planFor, refKey } from './coordinator-plan.js';
import { CappedDebounce, InterruptibleSleeps } from './coordinator-timing.js';
import type { CoordinatedLease, PartitionCoordinatorOptions, ReleaseReason } from './coordinator-types.js';
import { systemTimers } from './lease-renewer.js';
import type { ConnectionStatusEvent } from './membership-types.js';
import type { PartitionRef } from './types.js';

interface Holding {
  key: string;
  ref: PartitionRef;
  lease: CoordinatedLease;
  /** onAcquire's outcome: whether the consumer started (only then is onRelease due). */
  started: Promise<boolean>;
}

export class PartitionCoordinator {
  private readonly consumer: GuardedConsumer;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: CoordinatorMetrics;
  private readonly leases = new Map<string, CoordinatedLease>();
  private readonly held = new Map<string, Holding>();
  /** Hand-offs under way; a partition is not acquired again before its previous one finished. */
  private readonly releasing = new Map<string, Promise<void>>();
  private readonly sleeps: InterruptibleSleeps;
  private readonly debounce: CappedDebounce;
  private readonly unsubscribe: (() => void)[] = [];
  private latest: readonly string[] | undefined;
  /** Bumped whenever what a rebalance is doing may have become outdated; running work checks it. */
  private generation = 0;
  private dirty = false;
  private loop: Promise<void> | undefined;
  private down = false;
  private stopping = false;

  constructor(private readonly options: PartitionCoordinatorOptions) {
    this.clock = options.clock ?? systemClock;
    const timers = options.timers ?? systemTimers;
    this.logger = (options.logger ?? silentLogger).child({ member: options.membership.memberId });
    this.consumer = new GuardedConsumer(options.consumer, this.logger);
    this.metrics = options.registry
      ? createCoordinatorMetrics(options.registry, options.pipelines, options.stateBytes)
      : noMetrics;
    this.sleeps = new InterruptibleSleeps(timers);
    // Capped so a burst of joins makes one rebalance, never later than maxDebounceMs after it began.
    const { debounceMs = 30, maxDebounceMs = 100 } = options;
    this.debounce = new CappedDebounce(timers, this.clock, debounceMs, maxDebounceMs, () => this.kick());
  }

  /** The partitions whose consumer is started or starting, sorted by key. */
  get owned(): PartitionRef[] {
    return [...this.held.values()].map((h) => h.ref).sort((a, b) => refKey(a).localeCompare(refKey(b)));
  }

  /** Join the group (no-op if joined) and follow its snapshots. */
  async start(): Promise<void> {
    const { membership } = this.options;
    await membership.join(); // rejects when Redis is unreachable; start() may then be called again
    this.unsubscribe.push(membership.onStatus((event) => this.status(event)));
    this.unsubscribe.push(
      membership.watch((event) => {
        if (event.kind === 'members') this.snapshot(event.members);
      }),
    );
  }

  /** Hand every partition off orderly, release the leases and leave the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const off of this.unsubscribe.splice(0)) off();
    this.debounce.cancel();
    this.interrupt();
    await this.loop;
    // Leaving at the same time lets the others start acquiring while we flush; the leases keep
    // them out until each hand-off is done.
    await Promise.all([
      ...[...this.held.values()].map((h) => this.handOff(h, 'stopping')),
      this.options.membership.leave(),
    ]);
    await Promise.all(this.releasing.values());
  }

  private snapshot(members: readonly string[]): void {
    this.latest = members;
    this.metrics.members(members.length);
    if (this.stopping) return;
    this.debounce.call();
  }

  private status(event: ConnectionStatusEvent): void {
    if (this.stopping) return;
    if (event.kind === 'redis-down') {
      if (this.down) return;
      this.down = true;
      this.interrupt();
      this.logger.warn({ partitions: this.held.size }, 'Redis down: stopping every owned partition');
      for (const h of [...this.held.values()]) void this.handOff(h, 'redis-down');
      return;
    }
    if (!this.down) return;
    this.down = false;
    // Right after this event the membership re-reads the members and its watch reports any
    // change, so debounce rather than rebalance at once. Only the watch's list is used, never a
    // read of our own: a list that diverged from the watch's view would not be corrected by
    // later events (the watch reports changes relative to its view), leaving members disagreeing.
    this.debounce.call();
  }

  /** Run a rebalance now (or after the running one); supersedes running acquisitions. */
  private kick(): void {
    this.dirty = true;
    this.interrupt();
    if (this.loop) {
      // The running rebalance may wait seconds on consumers still starting; what the new plan
      // takes away from us goes now, since another member may be waiting for exactly these leases.
      if (this.runnable) this.releaseUnwanted();
      return;
    }
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      // A kick between the loop's last check and here would otherwise be lost.
      if (this.dirty && this.runnable) this.kick();
    });
  }

  private async run(): Promise<void> {
    while (this.dirty && this.runnable) {
      this.dirty = false;
      await this.rebalance(this.latest ?? [], this.generation);
    }
  }

  private get runnable(): boolean {
    return !this.stopping && !this.down && this.latest !== undefined;
  }

  private async rebalance(members: readonly string[], generation: number): Promise<void> {
    this.metrics.rebalanced();
    const wanted = this.plan(members);
    const moving = [...this.held.values()].filter((h) => !wanted.has(h.key));
    const gaining = [...wanted.values()].filter((ref) => !this.held.has(refKey(ref)));
    this.logger.info({ members: members.length, moving: moving.length, gaining: gaining.length }, 'rebalance');
    // Release first: another member may be waiting for exactly these leases.
    await Promise.all(moving.map((h) => this.handOff(h, 'moved')));
    await Promise.all(gaining.map((ref) => this.acquire(ref, generation)));
  }

  private releaseUnwanted(): void {
    const wanted = this.plan();
    for (const h of [...this.held.values()]) if (!wanted.has(h.key)) void this.handOff(h, 'moved');
  }

  private current(generation: number): boolean {
    return generation === this.generation && !this.stopping && !this.down;
  }

  /** Take the lease (retrying while the previous owner hands off), then start the consumer. */
  private async acquire(ref: PartitionRef, generation: number): Promise<void> {
    const key = refKey(ref);
    const lease = this.lease(ref);
    const started = this.clock.now();
    let delay = this.options.retryMinMs ?? 20;
    const backoff = async () => {
      await this.sleeps.sleep(delay);
      delay = Math.min(delay * 2, this.options.retryMaxMs ?? 100);
    };
    for (;;) {
      await this.releasing.get(key);
      if (!this.current(generation)) return;
      let epoch: number;
      try {
        epoch = await lease.acquire();
      } catch (err) {
        this.logger.debug({ partition: key, err: String(err) }, 'lease not taken yet');
        await backoff();
        continue;
      }
      if (this.stopping || this.down || !this.plan().has(key)) {
        await lease.release();
        return;
      }
      const holding: Holding = { key, ref, lease, started: this.consumer.start(ref, epoch) };
      this.held.set(key, holding);
      this.reportOwned();
      if (await holding.started) {
        this.metrics.handoff('acquire', (this.clock.now() - started) / 1000);
        return;
      }
      if (this.held.get(key) === holding) {
        this.held.delete(key);
        this.reportOwned();
        await lease.release();
      }
      await backoff();
    }
  }

  /** What `members` gives us (the latest snapshot by default). */
  private plan(members = this.latest ?? []): Map<string, PartitionRef> {
    const { membership, pipelines, partitions } = this.options;
    return planFor(membership.memberId, members, pipelines, partitions);
  }

  /** Stop consuming, then release the lease. Tracked so the partition is not re-acquired meanwhile. */
  private handOff(h: Holding, reason: ReleaseReason): Promise<void> {
    if (this.held.get(h.key) !== h) return this.releasing.get(h.key) ?? Promise.resolve();
    this.held.delete(h.key);
    this.reportOwned();
    const begun = this.clock.now();
    const done = (async () => {
      if (await h.started) await this.consumer.stop(h.ref, reason);
      await h.lease.release();
      this.metrics.handoff('release', (this.clock.now() - begun) / 1000);
    })().finally(() => {
      if (this.releasing.get(h.key) === done) this.releasing.delete(h.key);
    });
    this.releasing.set(h.key, done);
    return done;
  }

  private lease(ref: PartitionRef): CoordinatedLease {
    const key = refKey(ref);
    const lease = this.leases.get(key) ?? this.options.leases(ref, (reason) => this.lost(key, reason));
    this.leases.set(key, lease);
    return lease;
  }

  private lost(key: string, reason: string): void {
    const h = this.held.get(key);
    if (!h) return;
    this.logger.warn({ partition: key, reason }, 'lease lost: stopping the partition');
    void this.handOff(h, 'lost');
    // Take it back later if it is still ours (the acquisition waits for this hand-off).
    if (!this.stopping) this.kick();
  }

  private reportOwned(): void {
    this.metrics.owned([...this.held.values()].map((h) => h.ref));
  }

  /** Wake every backoff wait, so outdated acquisitions notice at once. */
  private interrupt(): void {
    this.generation += 1;
    this.sleeps.wakeAll();
  }
}
