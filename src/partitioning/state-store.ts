import type { Logger } from '../observability/logger.js';
import { silentLogger } from '../observability/logger.js';
import type { StateValue, TransformerState } from '../transformers/types.js';
import { partitionKeys } from './lease-keys.js';
import { decodeWriteReply, WRITE_STATE_SCRIPT, type WriteOp } from './state-store-script.js';
import { CorruptStateError, type PartitionRef, type RedisLike, StaleEpochError, StateRefusedError } from './types.js';

/** Default size above which a partition's state is reported (bytes of keys and JSON values). */
export const DEFAULT_STATE_WARN_BYTES = 64 * 1024 * 1024;
/** Default entry count above which a partition's state is reported. */
export const DEFAULT_STATE_WARN_ENTRIES = 1_000_000;

export interface PartitionStateStoreOptions {
  redis: Pick<RedisLike, 'hgetall' | 'eval'>;
  /** Coordination group (`meterflow:<group>:...` keys). */
  group: string;
  logger?: Logger;
  /** Default {@link DEFAULT_STATE_WARN_BYTES}. */
  warnBytes?: number;
  /** Default {@link DEFAULT_STATE_WARN_ENTRIES}. */
  warnEntries?: number;
}

/** What the previous owner left: complete states, ready for `restore()` on fresh transformers. */
export interface LoadedState {
  /** Epoch of the last write. */
  epoch: number;
  /** By index of the transformer in the sink's chain. */
  states: Record<number, TransformerState>;
  /** Id of the last batch applied, null when writes carried none. */
  batchId: string | null;
}

export interface WriteOptions {
  /** Batch (or last message) id this checkpoint closes; a write repeating it changes nothing. */
  batchId?: string;
  /**
   * Replace the stored state of every index written instead of patching it. Also implied by a
   * state whose `global.full` is true, which is what `snapshot()` produces.
   */
  full?: boolean;
}

export interface StateSize {
  bytes: number;
  entries: number;
}

export interface WriteResult extends StateSize {
  /** False when `batchId` was the last batch already applied. */
  applied: boolean;
}

/**
 * Transformer state per (pipeline, partition) in Redis, fenced by the partition's epoch. Layout:
 * a meta hash plus one entries hash per transformer, so a checkpoint touches only the entries
 * that changed and never rewrites a whole cache.
 */
export class PartitionStateStore {
  private readonly logger: Logger;
  private readonly warnBytes: number;
  private readonly warnEntries: number;
  /** Partitions currently over a limit, so the warning is logged once per crossing. */
  private readonly oversized = new Set<string>();

  constructor(private readonly options: PartitionStateStoreOptions) {
    this.logger = (options.logger ?? silentLogger).child({ component: 'state-store' });
    this.warnBytes = options.warnBytes ?? DEFAULT_STATE_WARN_BYTES;
    this.warnEntries = options.warnEntries ?? DEFAULT_STATE_WARN_ENTRIES;
  }

  /** The stored state, or null when nothing was ever written for this partition. */
  async load(ref: PartitionRef): Promise<LoadedState | null> {
    const keys = partitionKeys(this.options.group, ref);
    const meta = await this.options.redis.hgetall(keys.stateMeta);
    if (meta.epoch === undefined) return null;
    const states: Record<number, TransformerState> = {};
    for (const [field, kind] of Object.entries(meta)) {
      if (!field.startsWith('k:')) continue;
      const index = Number(field.slice(2));
      const raw = await this.options.redis.hgetall(keys.stateEntries(index));
      const entries: Record<string, StateValue> = {};
      for (const [field, json] of Object.entries(raw)) entries[keyOf(field, ref)] = parse(json, ref, field);
      const global = decodeGlobal(await this.options.redis.hgetall(keys.stateGlobal(index)), ref);
      states[index] = { kind, entries, ...(global === undefined ? {} : { global }) };
    }
    return { epoch: Number(meta.epoch), states, batchId: meta.batch ?? null };
  }

  /**
   * Apply `changes` (by transformer index) atomically, as written by the lease holder of
   * `epoch`. Rejects with StaleEpochError when a newer owner took the partition, with
   * StateRefusedError when the script itself failed on this input (retrying cannot help).
   */
  async write(
    ref: PartitionRef,
    epoch: number,
    changes: Record<number, TransformerState>,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    const keys = partitionKeys(this.options.group, ref);
    const ops = Object.entries(changes).map(([index, state]) => toOp(Number(index), state, options.full === true));
    let raw: unknown;
    try {
      raw = await this.options.redis.eval(
        WRITE_STATE_SCRIPT,
        2 + 2 * ops.length,
        keys.epoch,
        keys.stateMeta,
        ...ops.flatMap((op) => [keys.stateEntries(op.i), keys.stateGlobal(op.i)]),
        epoch,
        options.batchId ?? '',
        JSON.stringify(ops),
      );
    } catch (error) {
      throw isScriptFailure(error) ? new StateRefusedError(ref, (error as Error).message, { cause: error }) : error;
    }
    const reply = decodeWriteReply(raw);
    if (reply.status === -1) throw new StaleEpochError(ref, epoch, reply.current);
    const size = { bytes: reply.bytes, entries: reply.entries };
    this.checkSize(ref, size);
    return { applied: reply.status === 1, ...size };
  }

  /** Epoch and batch id of the last write, to recognise a replayed batch. */
  async lastApplied(ref: PartitionRef): Promise<{ epoch: number; batchId: string | null } | null> {
    const meta = await this.options.redis.hgetall(partitionKeys(this.options.group, ref).stateMeta);
    if (meta.epoch === undefined) return null;
    return { epoch: Number(meta.epoch), batchId: meta.batch ?? null };
  }

  /** Size of the stored state, kept up to date by every write (for metrics). */
  async stateSize(ref: PartitionRef): Promise<StateSize> {
    const meta = await this.options.redis.hgetall(partitionKeys(this.options.group, ref).stateMeta);
    return { bytes: Number(meta.bytes ?? 0), entries: Number(meta.entries ?? 0) };
  }

  private checkSize(ref: PartitionRef, size: StateSize): void {
    const id = `${ref.pipeline}/${ref.partition}`;
    const over = size.bytes > this.warnBytes || size.entries > this.warnEntries;
    if (over && !this.oversized.has(id)) {
      this.oversized.add(id);
      this.logger.warn(
        { pipeline: ref.pipeline, partition: ref.partition, ...size, warnBytes: this.warnBytes },
        'partition state is larger than expected: check idle TTL and grouping keys',
      );
    } else if (!over) {
      this.oversized.delete(id);
    }
  }
}

function toOp(index: number, state: TransformerState, full: boolean): WriteOp {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`transformer index ${index} is not an index`);
  const global = state.global;
  const isFull = full || (isObject(global) && global.full === true);
  const op: WriteOp = { i: index, k: state.kind, full: isFull, g: encodeGlobal(global), set: [], del: [] };
  for (const [key, value] of Object.entries(state.entries)) {
    if (value === null) {
      // In a full snapshot a null is simply an absent entry: the old ones are dropped anyway.
      if (!isFull) op.del.push(fieldOf(key));
    } else {
      op.set.push(fieldOf(key), JSON.stringify(value));
    }
  }
  return op;
}

/** Object globals as `.name` fields so a delta patches only the keys it carries; others as `=`. */
function encodeGlobal(global: StateValue | undefined): string[] {
  if (global === undefined) return [];
  if (!isObject(global)) return ['=', JSON.stringify(global)];
  return Object.entries(global).flatMap(([name, value]) => [`.${fieldOf(name)}`, JSON.stringify(value)]);
}

function decodeGlobal(fields: Record<string, string>, ref: PartitionRef): StateValue | undefined {
  const whole = fields['='];
  if (whole !== undefined) return parse(whole, ref, 'global');
  const names = Object.keys(fields).filter((field) => field.startsWith('.'));
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((field) => [keyOf(field.slice(1), ref), parse(fields[field] ?? '', ref, field)]));
}

/**
 * The hash field of a cache key (or global name). Keys come from sample fields, and a JS string
 * may hold a lone UTF-16 surrogate (`"vm-\ud800"` is valid JSON): JSON.stringify(ops) writes it
 * as an escape cjson refuses, and UTF-8 has no encoding for it. Such a key is stored as `~` and
 * its JSON string literal, which escapes the surrogate in ASCII and reads back exactly, so the
 * restored key is the one the transformer built (replacing it by U+FFFD would not be, and would
 * merge distinct keys). Keys starting with `~` are marked too, so every field reads back
 * unambiguously; other keys, including every key stored before, are fields as they are (no
 * transformer's keys start with `~`: they start with a digit, `[`, `"` or `null`).
 */
export function fieldOf(key: string): string {
  return LONE_SURROGATE.test(key) || key.startsWith(MARK) ? MARK + JSON.stringify(key) : key;
}

const MARK = '~';
/** With `u`, a surrogate pair is one astral code point and only a lone surrogate is `Cs`. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The key that `fieldOf` stored as `field`. */
export function keyOf(field: string, ref: PartitionRef): string {
  if (!field.startsWith(MARK)) return field;
  const key = parse(field.slice(MARK.length), ref, field);
  if (typeof key !== 'string') throw new CorruptStateError(ref, field);
  return key;
}

/**
 * The script failed on what it was given (a Lua or cjson error), as opposed to Redis being
 * unable to run it now: Redis 7 names the script's line (`@user_script:<n>`), Redis 6 says
 * `Error running script`. The codes of transient refusals are left to the retries.
 */
function isScriptFailure(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return false;
  return !TRANSIENT_REPLY.test(error.message) && /user_script|Error running script/.test(error.message);
}

const TRANSIENT_REPLY = /^(OOM|BUSY|LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF|NOSCRIPT)\b/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parse(json: string, ref: PartitionRef, what: string): StateValue {
  try {
    return JSON.parse(json) as StateValue;
  } catch (error) {
    throw new CorruptStateError(ref, what, { cause: error });
  }
}
