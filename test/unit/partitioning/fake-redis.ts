/**
 * In-memory stand-ins for unit tests of the partitioning layer: a Redis (strings with PX expiry
 * on a manual clock, sets, pub/sub, the membership Lua scripts re-implemented in JS), and timers
 * driven by the same clock. The Lua itself is proven against the real Redis in test/integration.
 */
import type { ConnectionEvents, MembershipSubscriber } from '../../../src/partitioning/membership-types.js';
import {
  BEAT_SCRIPT,
  EXPIRY_SCRIPT,
  LEAVE_SCRIPT,
  REAP_SCRIPT,
} from '../../../src/partitioning/membership-protocol.js';
import type { RedisLike } from '../../../src/partitioning/types.js';
import { ManualClock } from '../../../src/model/clock.js';

type Script = (keys: string[], args: string[]) => unknown;
type MessageListener = (channel: string, message: string) => void;

export class FakeRedis implements RedisLike, ConnectionEvents {
  readonly strings = new Map<string, { value: string; expiresAt: number | undefined }>();
  readonly sets = new Map<string, Set<string>>();
  readonly subscribers = new Set<FakeSubscriber>();
  readonly calls: string[] = [];
  private readonly scripts = new Map<string, Script>();
  private readonly connectionListeners = { ready: new Set<() => void>(), close: new Set<() => void>() };
  /** While true every command rejects, as ioredis does when Redis is unreachable. */
  down = false;

  constructor(readonly clock: ManualClock = new ManualClock(1_000_000)) {
    this.defineMembershipScripts();
  }

  defineScript(source: string, fn: Script): void {
    this.scripts.set(source, fn);
  }

  /** Redis restarted with no persistence: everything is gone. */
  flushall(): void {
    this.strings.clear();
    this.sets.clear();
  }

  /** Simulate the connection dropping / coming back, with ioredis' events. */
  setDown(down: boolean): void {
    this.down = down;
    for (const l of this.connectionListeners[down ? 'close' : 'ready']) l();
  }

  on(event: 'ready' | 'close', listener: () => void): this {
    this.connectionListeners[event].add(listener);
    return this;
  }
  removeListener(event: 'ready' | 'close', listener: () => void): this {
    this.connectionListeners[event].delete(listener);
    return this;
  }

  private live(key: string): string | null {
    const entry = this.strings.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.clock.now()) {
      this.strings.delete(key);
      return null;
    }
    return entry.value;
  }

  private async cmd<T>(name: string, fn: () => T): Promise<T> {
    this.calls.push(name);
    if (this.down) throw new Error('Connection is closed.');
    return fn();
  }

  get(key: string) {
    return this.cmd('get', () => this.live(key));
  }
  set(key: string, value: string, ...args: (string | number)[]) {
    return this.cmd('set', () => this.setSync(key, value, args));
  }
  private setSync(key: string, value: string, args: (string | number)[]): string {
    const px = args.findIndex((a) => String(a).toUpperCase() === 'PX');
    const expiresAt = px >= 0 ? this.clock.now() + Number(args[px + 1]) : undefined;
    this.strings.set(key, { value, expiresAt });
    return 'OK';
  }
  del(...keys: string[]) {
    return this.cmd('del', () => keys.filter((k) => this.live(k) !== null && this.strings.delete(k)).length);
  }
  pexpire(key: string, ms: number) {
    return this.cmd('pexpire', () => this.pexpireSync(key, ms));
  }
  private pexpireSync(key: string, ms: number): number {
    if (this.live(key) === null) return 0;
    this.strings.get(key)!.expiresAt = this.clock.now() + ms;
    return 1;
  }
  sadd(key: string, ...members: string[]) {
    return this.cmd('sadd', () => this.saddSync(key, members));
  }
  private saddSync(key: string, members: string[]): number {
    const set = this.sets.get(key) ?? new Set();
    this.sets.set(key, set);
    const before = set.size;
    for (const m of members) set.add(m);
    return set.size - before;
  }
  srem(key: string, ...members: string[]) {
    return this.cmd('srem', () => this.sremSync(key, members));
  }
  private sremSync(key: string, members: string[]): number {
    const set = this.sets.get(key);
    return members.filter((m) => set?.delete(m)).length;
  }
  smembers(key: string) {
    return this.cmd('smembers', () => [...(this.sets.get(key) ?? [])]);
  }
  mget(...keys: string[]) {
    return this.cmd('mget', () => keys.map((k) => this.live(k)));
  }
  incr(key: string) {
    return this.cmd('incr', () => {
      const next = Number(this.live(key) ?? '0') + 1;
      this.strings.set(key, { value: String(next), expiresAt: this.strings.get(key)?.expiresAt });
      return next;
    });
  }
  hset(): Promise<number> {
    throw new Error('hset: not used by membership');
  }
  hgetall(): Promise<Record<string, string>> {
    throw new Error('hgetall: not used by membership');
  }
  hdel(): Promise<number> {
    throw new Error('hdel: not used by membership');
  }
  publish(channel: string, message: string) {
    return this.cmd('publish', () => this.publishSync(channel, message));
  }
  private publishSync(channel: string, message: string): number {
    const targets = [...this.subscribers].filter((s) => s.channels.has(channel));
    // Delivery is asynchronous in Redis too: after the publisher's command has returned.
    for (const s of targets) setImmediate(() => s.deliver(channel, message));
    return targets.length;
  }
  eval(script: string, numKeys: number, ...args: (string | number)[]) {
    return this.cmd('eval', () => {
      const fn = this.scripts.get(script);
      if (!fn) throw Object.assign(new Error('NOSCRIPT unknown script'), { name: 'ReplyError' });
      const all = args.map(String);
      return fn(all.slice(0, numKeys), all.slice(numKeys));
    });
  }

  subscriber(): FakeSubscriber {
    const s = new FakeSubscriber(this);
    this.subscribers.add(s);
    return s;
  }

  private defineMembershipScripts(): void {
    this.defineScript(BEAT_SCRIPT, ([member, members], [id, info, ttl, channel, announce, join]) => {
      const fresh = join === '1' || this.pexpireSync(member!, Number(ttl)) === 0;
      if (fresh) this.setSync(member!, info!, ['PX', ttl!]);
      const added = this.saddSync(members!, [id!]);
      if (!fresh && added === 0) return 0;
      this.publishSync(channel!, announce!);
      return 1;
    });
    this.defineScript(LEAVE_SCRIPT, ([member, members], [id, channel, announce]) => {
      const removed = this.sremSync(members!, [id!]);
      const deleted = this.live(member!) !== null && this.strings.delete(member!);
      this.publishSync(channel!, announce!);
      return removed === 1 || deleted ? 1 : 0;
    });
    this.defineScript(EXPIRY_SCRIPT, (keys) =>
      keys.map((k) => {
        if (this.live(k) === null) return -2;
        const at = this.strings.get(k)!.expiresAt;
        return at === undefined ? -1 : at - this.clock.now();
      }),
    );
    this.defineScript(REAP_SCRIPT, ([members, ...keys], [channel, ...ids]) =>
      ids.filter((id, i) => {
        if (this.live(keys[i]!) !== null || this.sremSync(members!, [id]) === 0) return false;
        this.publishSync(channel!, JSON.stringify({ kind: 'left', member: id, reason: 'expired' }));
        return true;
      }),
    );
  }
}

export class FakeSubscriber implements MembershipSubscriber {
  readonly channels = new Set<string>();
  private readonly listeners = new Set<MessageListener>();

  constructor(private readonly redis: FakeRedis) {}

  async subscribe(channel: string) {
    if (this.redis.down) throw new Error('Connection is closed.');
    this.channels.add(channel);
    return 1;
  }
  async unsubscribe(channel: string) {
    this.channels.delete(channel);
    return 0;
  }
  on(_event: 'message', listener: MessageListener) {
    this.listeners.add(listener);
    return this;
  }
  removeListener(_event: 'message', listener: MessageListener) {
    this.listeners.delete(listener);
    return this;
  }
  deliver(channel: string, message: string): void {
    for (const l of this.listeners) l(channel, message);
  }
}

export { FakeTimers, settle } from './fake-timers.js';
