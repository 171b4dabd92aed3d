import { pyCompare } from '../expression/index.js';
import type { PyNumber } from '../model/py-float.js';
import type { Sample } from '../model/sample.js';
import { epochMicros, parseIsoTime } from '../model/time.js';
import type { Logger } from '../observability/logger.js';
import { EntryStore } from './entry-store.js';
import { decodeNumber, encodeNumber } from './state-codec.js';
import type { TransformerContext, TransformerState } from './types.js';

/** The last point seen for one meter of one resource. */
export interface Point {
  volume: PyNumber;
  /** Parsed sample timestamp, µs since the epoch. */
  micros: number;
  monotonic: number | null;
  /** Ids of the samples applied at exactly this point (replay detection). */
  ids: string[];
}

export type Step =
  | { kind: 'replay' }
  | { kind: 'first' }
  | { kind: 'out-of-order'; seconds: number }
  | { kind: 'next'; prev: Point; seconds: number };

/** Keep a handful of same-instant ids: equal timestamps are rare, and the list must stay small. */
const MAX_IDS = 8;

/**
 * Ceilometer's cache key was `name + resource_id` (so `cpu`+`x1` met `cpux`+`1`); the length
 * prefix makes it unambiguous, and a null resource id is its own value.
 */
export function pointKey(name: string, resourceId: string | null): string {
  return resourceId === null ? `${name.length}:${name}!` : `${name.length}:${name}/${resourceId}`;
}

/**
 * The predecessor cache shared by `rate_of_change` and `delta` (spec §4.5–4.6): the new point is
 * stored before the decision, an out-of-order sample leaves the newer point in place (Ceilometer
 * wrote then restored it; here it is never written), and a sample whose id was already applied at
 * the cached point is a replay that changes nothing.
 */
export class PointCache {
  readonly store: EntryStore<Point>;

  constructor(
    context: TransformerContext,
    private readonly logger: Logger,
    /** Pike+ `rate_of_change`: Δt from `monotonic_time` when both samples have one. */
    private readonly useMonotonic: boolean,
  ) {
    this.store = new EntryStore<Point>(context, {
      evictable: true,
      codec: {
        encode: (p) => ({ v: encodeNumber(p.volume), ts: p.micros, m: p.monotonic, ids: p.ids }),
        decode: (v) => {
          const o = v as { [key: string]: unknown };
          return {
            volume: decodeNumber(o.v as never),
            micros: Number(o.ts),
            monotonic: typeof o.m === 'number' ? o.m : null,
            ids: Array.isArray(o.ids) ? o.ids.map(String) : [],
          };
        },
      },
    });
  }

  /** Apply `sample` to the cache and say what Ceilometer would do with it. */
  advance(sample: Sample): Step {
    this.store.sweep();
    const key = pointKey(sample.name, sample.resource_id);
    const micros = epochMicros(parseIsoTime(sample.timestamp));
    const prev = this.store.get(key);
    const monotonic = this.useMonotonic ? sample.monotonic_time : null;
    const point: Point = { volume: sample.volume, micros, monotonic, ids: [sample.id] };
    if (prev === undefined) {
      this.store.set(key, point);
      return { kind: 'first' };
    }
    if (prev.ids.includes(sample.id)) return { kind: 'replay' };
    const seconds =
      prev.monotonic !== null && monotonic !== null ? monotonic - prev.monotonic : (micros - prev.micros) / 1e6;
    if (seconds < 0) return { kind: 'out-of-order', seconds };
    if (seconds === 0) point.ids = [...prev.ids, sample.id].slice(-MAX_IDS);
    this.store.set(key, point);
    return { kind: 'next', prev, seconds };
  }

  /** Log what Ceilometer logs for the dropping steps. */
  logDrop(step: Step, sample: Sample): void {
    const ref = { name: sample.name, resource_id: sample.resource_id, timestamp: sample.timestamp };
    if (step.kind === 'first') this.logger.debug(ref, 'dropping sample with no predecessor');
    else if (step.kind === 'out-of-order') this.logger.warn(ref, 'dropping out of time order sample');
    else if (step.kind === 'replay') this.logger.debug({ ...ref, id: sample.id }, 'ignoring replayed sample');
  }

  snapshot(): TransformerState['entries'] {
    return this.store.snapshot();
  }

  changes(): TransformerState['entries'] {
    return this.store.changes();
  }
}

/** `prev <= current` in Python terms. */
export function notBelow(prev: PyNumber, current: PyNumber): boolean {
  return pyCompare('<=', prev, current);
}
