/**
 * Turns successive member lists into `joined` / `left` / `members` events. The events are always
 * derived from what Redis says (a fresh members() read), never from announcements alone: a lost or
 * reordered pub/sub message can then delay an event but never make the view wrong. Announcements
 * only trigger an immediate read and say why a member left.
 */
import type { Logger } from '../observability/logger.js';
import { type Announcement, decodeAnnouncement } from './membership-protocol.js';
import type { MembershipSubscriber, Timers } from './membership-types.js';
import type { MembershipEvent } from './types.js';

export interface MemberWatchOptions {
  /** The live members, sorted (reaping the expired ones). */
  fetch: () => Promise<string[]>;
  /** Milliseconds until the first of these members' keys expires, -1 if unknown. */
  untilExpiry: (ids: readonly string[]) => Promise<number>;
  emit: (event: MembershipEvent) => void;
  subscriber: MembershipSubscriber | undefined;
  channel: string;
  timers: Timers;
  checkIntervalMs: number;
  logger: Logger | undefined;
}

/** Why each recently announced member left; kept only until the diff that consumes it. */
type Reasons = Map<string, 'leave' | 'expired'>;

export class MemberWatch {
  private snapshot: readonly string[] | undefined;
  private readonly reasons: Reasons = new Map();
  private running: Promise<void> | undefined;
  private again = false;
  private active = false;
  private checkTimer: unknown;
  private readonly fetch: () => Promise<string[]>;
  private readonly emit: (event: MembershipEvent) => void;
  private readonly logger: Logger | undefined;

  constructor(private readonly options: MemberWatchOptions) {
    this.fetch = options.fetch;
    this.emit = options.emit;
    this.logger = options.logger;
  }

  /** Subscribe to announcements and start the periodic check (first watcher). */
  start(): void {
    this.active = true;
    const { subscriber, channel } = this.options;
    if (subscriber) {
      subscriber.on('message', this.onMessage);
      subscriber.subscribe(channel).then(
        () => this.refresh(), // announcements sent before the subscription took effect were missed
        (err) => this.logger?.warn({ err: String(err) }, 'subscribe failed; relying on the periodic check'),
      );
    }
    void this.refresh();
    this.scheduleCheck(this.options.checkIntervalMs);
  }

  /** Stop everything and forget the view (last watcher gone): a later start() begins afresh. */
  stop(): void {
    this.active = false;
    this.options.timers.clearTimeout(this.checkTimer);
    this.snapshot = undefined;
    this.reasons.clear();
    const { subscriber, channel } = this.options;
    if (!subscriber) return;
    subscriber.removeListener('message', this.onMessage);
    subscriber.unsubscribe(channel).catch(() => undefined);
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.options.channel) return;
    const announcement = decodeAnnouncement(message);
    if (announcement) this.announced(announcement);
  };

  /**
   * The check that notices silent deaths. Normally every checkIntervalMs; but when a member's key
   * expires sooner than that (it stopped heartbeating) the next check is at that very moment, so a
   * death is seen within the TTL rather than TTL + interval.
   */
  private scheduleCheck(delay: number): void {
    this.checkTimer = this.options.timers.setTimeout(() => void this.check(), delay);
  }

  private async check(): Promise<void> {
    await this.refresh();
    let delay = this.options.checkIntervalMs;
    try {
      const expiry = this.snapshot ? await this.options.untilExpiry(this.snapshot) : -1;
      if (expiry >= 0) delay = Math.max(1, Math.min(delay, expiry + 1));
    } catch {
      // Redis down: the regular interval; the refresh already logged it.
    }
    if (this.active) this.scheduleCheck(delay);
  }

  /** The last member list read, if any. */
  get current(): readonly string[] | undefined {
    return this.snapshot;
  }

  /** An announcement arrived on the events channel: remember the reason, read the truth. */
  announced(a: Announcement): void {
    if (a.kind === 'left') this.reasons.set(a.member, a.reason);
    else this.reasons.delete(a.member);
    void this.refresh();
  }

  /**
   * Read the members and emit the differences. Reads are serialised and coalesced: a refresh asked
   * for while one runs is done once after it, so an older read is never applied after a newer one.
   */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      let next: string[];
      try {
        next = await this.fetch();
      } catch (err) {
        // Redis down: keep the last view; the connection status tells the caller to stop consuming.
        this.logger?.debug({ err: String(err) }, 'membership check failed');
        return;
      }
      this.apply(next);
    } while (this.again);
  }

  private apply(next: readonly string[]): void {
    const previous = this.snapshot;
    this.snapshot = next;
    if (previous === undefined) {
      this.emit({ kind: 'members', members: next });
      return;
    }
    const before = new Set(previous);
    const after = new Set(next);
    // Reasons of members this view never contained (joined and left between two reads) are moot.
    for (const id of this.reasons.keys()) if (!before.has(id) && !after.has(id)) this.reasons.delete(id);
    let changed = false;
    for (const id of previous) {
      if (after.has(id)) continue;
      changed = true;
      this.emit({ kind: 'left', member: id, reason: this.reasons.get(id) ?? 'expired' });
      this.reasons.delete(id);
    }
    for (const id of next) {
      if (before.has(id)) continue;
      changed = true;
      this.emit({ kind: 'joined', member: id });
    }
    if (changed) this.emit({ kind: 'members', members: next });
  }
}
