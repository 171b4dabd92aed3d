import type { Clock } from '../model/clock.js';
import type { Logger } from '../observability/logger.js';
import { TransformerStateError } from './state-error.js';
import type { StateValue, TransformerContext, TransformerState } from './types.js';

/** How a transformer's cache entry goes to and from JSON. */
export interface EntryCodec<E> {
  encode(entry: E): StateValue;
  decode(value: StateValue): E;
}

interface Slot<E> {
  value: E;
  /** Clock time of the last change, for idle eviction. */
  touched: number;
  /** Insertion number: restores keep Ceilometer's dict (insertion) order. */
  seq: number;
}

export interface EntryStoreOptions<E> {
  codec: EntryCodec<E>;
  /** False for caches bounded some other way (a flush window) that must never lose data. */
  evictable: boolean;
}

/**
 * A transformer cache with what checkpoints need: change tracking (`changes()` returns only keys
 * touched since the last snapshot, `null` for removed ones), idle eviction on the injected clock,
 * and a JSON form that restores the same entries in the same order.
 */
export class EntryStore<E> {
  private readonly slots = new Map<string, Slot<E>>();
  private readonly dirty = new Set<string>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly ttl: number;
  private readonly onEvict: ((count: number) => void) | undefined;
  private nextSeq = 0;
  private lastSweep: number;

  constructor(
    context: TransformerContext,
    private readonly options: EntryStoreOptions<E>,
  ) {
    this.clock = context.clock;
    this.logger = context.logger;
    this.ttl = context.idleTtlMs;
    this.onEvict = context.onEvict;
    this.lastSweep = this.clock.now();
  }

  get size(): number {
    return this.slots.size;
  }

  /** The live entry, or undefined when absent or idle past the TTL (then it is evicted now). */
  get(key: string): E | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (this.expired(slot, this.clock.now())) {
      this.evict([key]);
      return undefined;
    }
    return slot.value;
  }

  /** Insertion number of a live entry (for emitting in Ceilometer's dict order). */
  seqOf(key: string): number | undefined {
    return this.slots.get(key)?.seq;
  }

  set(key: string, value: E): void {
    const slot = this.slots.get(key);
    const now = this.clock.now();
    if (slot === undefined) this.slots.set(key, { value, touched: now, seq: this.nextSeq++ });
    else Object.assign(slot, { value, touched: now });
    this.dirty.add(key);
  }

  delete(key: string): void {
    if (this.slots.delete(key)) this.dirty.add(key);
  }

  clear(): void {
    for (const key of this.slots.keys()) this.dirty.add(key);
    this.slots.clear();
  }

  /** Live entries in insertion order. */
  *entries(): IterableIterator<[string, E]> {
    for (const [key, slot] of this.slots) yield [key, slot.value];
  }

  private expired(slot: Slot<E>, now: number): boolean {
    return this.options.evictable && now - slot.touched > this.ttl;
  }

  private evict(keys: string[]): void {
    for (const key of keys) this.delete(key);
    this.logger.debug({ count: keys.length }, 'evicted idle transformer cache entries');
    this.onEvict?.(keys.length);
  }

  /** Evict idle entries; scans at most every tenth of the TTL (and at most every minute). */
  sweep(force = false): void {
    if (!this.options.evictable) return;
    const now = this.clock.now();
    if (!force && now - this.lastSweep < Math.min(this.ttl / 10, 60_000)) return;
    this.lastSweep = now;
    const idle: string[] = [];
    for (const [key, slot] of this.slots) if (this.expired(slot, now)) idle.push(key);
    if (idle.length > 0) this.evict(idle);
  }

  private encodeSlot(slot: Slot<E>): StateValue {
    return { t: slot.touched, s: slot.seq, v: this.options.codec.encode(slot.value) };
  }

  /** Every entry; resets change tracking. */
  snapshot(): { [key: string]: StateValue } {
    const out: { [key: string]: StateValue } = {};
    for (const [key, slot] of this.slots) out[key] = this.encodeSlot(slot);
    this.dirty.clear();
    return out;
  }

  /** Entries changed since the last snapshot (`null`: removed); resets change tracking. */
  changes(): { [key: string]: StateValue | null } {
    const out: { [key: string]: StateValue | null } = {};
    for (const key of this.dirty) {
      const slot = this.slots.get(key);
      out[key] = slot === undefined ? null : this.encodeSlot(slot);
    }
    this.dirty.clear();
    return out;
  }

  /** Replace (`full`) or patch the entries, then put them back in insertion order. */
  restore(entries: TransformerState['entries'], full: boolean): void {
    if (full) this.slots.clear();
    for (const [key, value] of Object.entries(entries)) {
      if (value === null) this.slots.delete(key);
      else this.slots.set(key, this.decodeSlot(key, value));
    }
    const ordered = [...this.slots].sort((a, b) => a[1].seq - b[1].seq);
    this.slots.clear();
    for (const [key, slot] of ordered) this.slots.set(key, slot);
    for (const [, slot] of ordered) this.nextSeq = Math.max(this.nextSeq, slot.seq + 1);
    this.dirty.clear();
  }

  private decodeSlot(key: string, value: StateValue): Slot<E> {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value.v === undefined) {
      throw new TransformerStateError(`entry '${key}' is not a stored entry`);
    }
    const touched = typeof value.t === 'number' ? value.t : this.clock.now();
    const seq = typeof value.s === 'number' ? value.s : this.nextSeq++;
    return { value: this.options.codec.decode(value.v), touched, seq };
  }
}
