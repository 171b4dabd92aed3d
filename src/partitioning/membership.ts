/**
 * Group membership in Redis (DESIGN.md "Membership and ownership"). Each worker is a member: a key
 * with a short TTL refreshed by heartbeat plus an entry in the members set; joins and leaves are
 * announced on pub/sub so peers react within a second, and a silent death is noticed by watchers
 * when the key's TTL runs out (seconds, not tooz's ~40 s). Unlike tooz, a member never keeps
 * itself in its own view once Redis says it is gone, so every member computes from the same list.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Clock, systemClock } from '../model/clock.js';
import type { Logger } from '../observability/logger.js';
import {
  BEAT_SCRIPT,
  EXPIRY_SCRIPT,
  encodeAnnouncement,
  type GroupKeys,
  groupKeys,
  LEAVE_SCRIPT,
  REAP_SCRIPT,
} from './membership-protocol.js';
import { ConnectionLink } from './membership-link.js';
import {
  type ConnectionStatusEvent,
  type GroupMembershipOptions,
  type MembershipRedis,
  notify,
  systemTimers,
  type Timers,
} from './membership-types.js';
import { MemberWatch } from './membership-watch.js';
import type { Member, MembershipEvent } from './types.js';

export class GroupMembership {
  readonly group: string;
  readonly memberId: string;
  readonly info: string;
  readonly ttlMs: number;
  readonly heartbeatMs: number;
  readonly checkIntervalMs: number;
  private readonly redis: MembershipRedis;
  private readonly keys: GroupKeys;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger | undefined;
  private readonly link: ConnectionLink;
  private readonly watch_: MemberWatch;
  private readonly watchers = new Set<(event: MembershipEvent) => void>();
  private isJoined = false;
  private beatTimer: unknown;
  private beating: Promise<void> | undefined;
  private lastBeatOk = 0;

  constructor(options: GroupMembershipOptions) {
    this.redis = options.redis;
    this.group = options.group ?? 'meterflow';
    this.memberId = options.memberId ?? randomUUID();
    this.info = options.info ?? `${hostname()}:${process.pid}`;
    this.ttlMs = options.ttlMs ?? 3000;
    // The member key's `PX`: Redis refuses anything else, at every heartbeat.
    if (!Number.isInteger(this.ttlMs) || this.ttlMs < 1) {
      throw new RangeError(`member ttlMs must be a positive integer, got ${this.ttlMs}`);
    }
    this.heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    this.checkIntervalMs = options.checkIntervalMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    if (this.heartbeatMs >= this.ttlMs) throw new RangeError('heartbeatMs must be shorter than ttlMs');
    this.keys = groupKeys(this.group);
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger?.child({ group: this.group, member: this.memberId });
    this.link = new ConnectionLink(options.connection, this.logger, () => this.reconnected());
    this.watch_ = new MemberWatch({
      fetch: () => this.members(),
      untilExpiry: (ids) => this.untilExpiry(ids),
      emit: (event) => notify(this.watchers, event, this.logger),
      subscriber: options.subscriber,
      channel: this.keys.events,
      timers: this.timers,
      checkIntervalMs: this.checkIntervalMs,
      logger: this.logger,
    });
  }

  /** Whether Redis answered the last command (or the connection says it is up). */
  get connected(): boolean {
    return this.link.connected;
  }

  get joined(): boolean {
    return this.isJoined;
  }

  /** `redis-down` / `redis-up`: stop consuming owned partitions on down, before leases can expire elsewhere. */
  onStatus(listener: (event: ConnectionStatusEvent) => void): () => void {
    return this.link.onStatus(listener);
  }

  /** Join the group (announced) and heartbeat until leave(). Rejects if Redis cannot be reached. */
  async join(): Promise<void> {
    if (this.isJoined) return;
    this.isJoined = true;
    try {
      await this.run(() => this.beatOnce(true));
    } catch (err) {
      this.isJoined = false;
      throw err;
    }
    this.logger?.info({ ttlMs: this.ttlMs }, 'joined group');
    this.scheduleBeat();
  }

  /** Leave the group (announced). Never throws: if Redis is unreachable the key expires on its own. */
  async leave(): Promise<void> {
    if (!this.isJoined) return;
    this.isJoined = false;
    this.timers.clearTimeout(this.beatTimer);
    await this.beating; // an in-flight beat must not re-add us after the leave
    const leave = encodeAnnouncement({ kind: 'left', member: this.memberId, reason: 'leave' });
    try {
      const { member, members, events } = this.keys;
      await this.run(() =>
        this.redis.eval(LEAVE_SCRIPT, 2, member(this.memberId), members, this.memberId, events, leave),
      );
      this.logger?.info({}, 'left group');
    } catch (err) {
      this.logger?.warn({ err: String(err), ttlMs: this.ttlMs }, 'leave failed; the member key will expire');
    }
  }

  /** The live members, sorted. */
  async members(): Promise<string[]> {
    return (await this.list()).map((m) => m.id);
  }

  /** The live members with their info, sorted by id; reaps those whose key expired. */
  async list(): Promise<Member[]> {
    const ids = (await this.run(() => this.redis.smembers(this.keys.members))).sort();
    if (ids.length === 0) return this.selfCheck([]);
    const infos = await this.run(() => this.redis.mget(...ids.map(this.keys.member)));
    const alive: Member[] = [];
    const dead: string[] = [];
    ids.forEach((id, i) => {
      const info = infos[i];
      if (info === null || info === undefined) dead.push(id);
      else alive.push({ id, info });
    });
    if (dead.length > 0) {
      const keys = [this.keys.members, ...dead.map(this.keys.member)];
      const reaped = await this.run(() =>
        this.redis.eval(REAP_SCRIPT, keys.length, ...keys, this.keys.events, ...dead),
      );
      if (Array.isArray(reaped) && reaped.length > 0) this.logger?.info({ reaped }, 'reaped expired members');
    }
    return this.selfCheck(alive);
  }

  /**
   * Watch the group: `members` (the current list first, then on every change), `joined`, `left`.
   * Returns the function that stops watching.
   */
  watch(listener: (event: MembershipEvent) => void): () => void {
    this.watchers.add(listener);
    const current = this.watch_.current;
    if (current) notify([listener], { kind: 'members', members: current }, this.logger);
    if (this.watchers.size === 1) this.watch_.start();
    return () => {
      if (this.watchers.delete(listener) && this.watchers.size === 0) this.watch_.stop();
    };
  }

  /** Leave, stop watching and detach from the connections. */
  async close(): Promise<void> {
    await this.leave();
    if (this.watchers.size > 0) this.watch_.stop();
    this.watchers.clear();
    this.link.close();
  }

  private scheduleBeat(): void {
    this.beatTimer = this.timers.setTimeout(() => this.beatNow(), this.heartbeatMs);
  }

  private async beatOnce(join: boolean): Promise<void> {
    const { member, members, events } = this.keys;
    const announce = encodeAnnouncement({ kind: 'joined', member: this.memberId });
    const started = this.clock.now();
    const args = [this.memberId, this.info, this.ttlMs, events, announce, join ? '1' : '0'];
    const created = await this.run(() => this.redis.eval(BEAT_SCRIPT, 2, member(this.memberId), members, ...args));
    if (!join && created === 1) {
      const sinceLast = started - this.lastBeatOk;
      this.logger?.warn(
        { sinceLastBeatMs: sinceLast },
        'member key was gone (Redis restarted or we stalled); re-joined',
      );
    }
    this.lastBeatOk = this.clock.now();
  }

  /** Milliseconds until the first of these members' keys expires (-1: none has an expiry). */
  private async untilExpiry(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return -1;
    const pttls = await this.run(() => this.redis.eval(EXPIRY_SCRIPT, ids.length, ...ids.map(this.keys.member)));
    const live = (Array.isArray(pttls) ? pttls : []).map(Number).filter((ms) => ms >= 0);
    return live.length > 0 ? Math.min(...live) : -1;
  }

  /** A member whose own key is gone re-joins now rather than at its next beat. */
  private selfCheck(alive: Member[]): Member[] {
    if (this.isJoined && !this.beating && !alive.some((m) => m.id === this.memberId)) this.beatNow();
    return alive;
  }

  /** Beat now and re-arm the timer after it, so beats never overlap however slow Redis is. */
  private beatNow(): void {
    if (!this.isJoined || this.beating) return;
    this.timers.clearTimeout(this.beatTimer);
    this.beating = this.beatOnce(false)
      .catch((err) => this.logger?.warn({ err: String(err) }, 'heartbeat failed'))
      .finally(() => {
        this.beating = undefined;
        if (this.isJoined) this.scheduleBeat();
      });
  }

  /** Redis is back: re-join at once (it may have restarted empty) and re-read the members. */
  private reconnected(): void {
    this.beatNow();
    if (this.watchers.size > 0) void this.watch_.refresh();
  }

  /** Every command goes through here so its outcome updates `connected`. */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      const result = await command();
      this.link.succeeded();
      return result;
    } catch (err) {
      this.link.failed(err);
      throw err;
    }
  }
}
