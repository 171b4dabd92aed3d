import { pyArith } from '../expression/index.js';
import type { PyNumber } from '../model/py-float.js';
import type { Sample } from '../model/sample.js';
import { epochMicros, parseIsoTime } from '../model/time.js';
import { type Logger, silentLogger } from '../observability/logger.js';
import { type AggregatorOptions, parseAggregator } from './aggregator-params.js';
import { asVolume, convertSample, scaleVolume } from './conversion.js';
import { convertSafely, withTimestamp } from './convert-safely.js';
import { EntryStore } from './entry-store.js';
import { decodeSample, encodeSample } from './state-codec.js';
import { makeState, openState } from './state-envelope.js';
import type { StateValue, Transformer, TransformerContext, TransformerSpec, TransformerState } from './types.js';
import { orThrow } from './validate-params.js';

const NAME = 'aggregator';

/** One group of the open window: the aggregate so far and what went into it. */
interface Group {
  sample: Sample;
  /** Samples merged into this group (gauge average divisor). */
  count: number;
  /** Ids of those samples (replay detection). */
  ids: string[];
}

/**
 * Ceilometer's AggregatorTransformer (spec §4.7). The open window is the state: groups (entries),
 * its first sample's timestamp and the sample count (global). The window is bounded by `size` and
 * `retention_time`, so it is never idle-evicted.
 */
export class AggregatorTransformer implements Transformer {
  readonly name = NAME;
  readonly groupingKeys = ['resource_id'];
  private readonly logger: Logger;
  private readonly groups: EntryStore<Group>;
  private readonly windowIds = new Set<string>();
  private released = new Set<string>();
  private releasedDirty = false;
  /** µs since the epoch of the window's first sample; null when no window is open. */
  private initial: number | null = null;
  private aggregated = 0;

  constructor(
    private readonly options: AggregatorOptions,
    private readonly context: TransformerContext,
  ) {
    this.logger = context.logger.child({ transformer: NAME });
    this.groups = new EntryStore(context, {
      evictable: false,
      codec: {
        encode: (g) => ({ s: encodeSample(g.sample), c: g.count, ids: g.ids }),
        decode: (v) => {
          const o = v as { [key: string]: StateValue };
          return { sample: decodeSample(o.s), count: Number(o.c), ids: Array.isArray(o.ids) ? o.ids.map(String) : [] };
        },
      },
    });
  }

  /** Unambiguous (JSON) where Ceilometer joined with `-`; null stays distinct from any string. */
  private groupKey(sample: Sample): string {
    return JSON.stringify([sample.name, sample.resource_id, ...this.options.keyAttributes.map((k) => sample[k])]);
  }

  handle(sample: Sample): Sample | null {
    if (this.windowIds.has(sample.id) || this.released.has(sample.id)) {
      this.logger.debug({ id: sample.id }, 'ignoring replayed sample');
      return null;
    }
    const micros = withTimestamp(this.logger, sample, () => epochMicros(parseIsoTime(sample.timestamp)));
    if (micros === null) return null;
    const key = this.groupKey(sample);
    const group = this.groups.get(key);
    const next = convertSafely(this.logger, sample, () =>
      group === undefined ? this.open(sample) : this.merge(group.sample, sample),
    );
    if (next === null) return null;
    this.initial ??= micros;
    this.aggregated += 1;
    const updated = group ?? { sample: next, count: 0, ids: [] };
    updated.sample = next;
    updated.count += 1;
    updated.ids.push(sample.id);
    this.groups.set(key, updated);
    this.windowIds.add(sample.id);
    return null;
  }

  private open(sample: Sample): Sample {
    const converted = convertSample(this.options.conversion, this.context, sample);
    const dropMetadata = this.options.merged.some(([f, p]) => f === 'resource_metadata' && p === 'drop');
    return dropMetadata ? { ...converted, resource_metadata: {} } : converted;
  }

  private merge(stored: Sample, sample: Sample): Sample {
    const scaled = scaleVolume(this.options.conversion, sample);
    const next: Sample = { ...stored };
    if (this.options.timestamp === 'last') next.timestamp = sample.timestamp;
    next.volume =
      sample.type === 'cumulative' ? scaled : asVolume(pyArith('+', stored.volume, scaled), 'aggregate volume');
    for (const [field, policy] of this.options.merged) {
      if (policy !== 'last') continue;
      if (field === 'resource_metadata') next.resource_metadata = sample.resource_metadata;
      else next[field] = sample[field];
    }
    return next;
  }

  flush(): Sample[] {
    if (this.initial === null) return [];
    const { retentionTime, size } = this.options;
    const ageSeconds = (this.context.clock.now() * 1000 - this.initial) / 1e6;
    const expired = retentionTime !== undefined && ageSeconds > retentionTime;
    const full = size !== undefined && size !== 0 && this.aggregated >= size;
    if (!full && !expired) return [];
    // Each group divides by its own count (Ceilometer recomputed the key from the renamed sample
    // and divided by zero, known problem #43).
    const out = [...this.groups.entries()].map(([, g]) =>
      g.sample.type === 'gauge'
        ? { ...g.sample, volume: pyArith('/', g.sample.volume, g.count) as PyNumber }
        : g.sample,
    );
    this.groups.clear();
    this.released = new Set(this.windowIds);
    this.releasedDirty = true;
    this.windowIds.clear();
    this.initial = null;
    this.aggregated = 0;
    return out;
  }

  /** The released ids can be a whole window: only sent when they changed. */
  private global(full: boolean): { [key: string]: StateValue } {
    const global: { [key: string]: StateValue } = { initial: this.initial, aggregated: this.aggregated };
    if (full || this.releasedDirty) global.released = [...this.released];
    this.releasedDirty = false;
    return global;
  }

  snapshot(): TransformerState {
    return makeState(NAME, this.groups.snapshot(), true, this.global(true));
  }

  snapshotChanges(): TransformerState {
    return makeState(NAME, this.groups.changes(), false, this.global(false));
  }

  restore(state: TransformerState): void {
    const { full, global } = openState(NAME, state);
    this.groups.restore(state.entries, full);
    if ('initial' in global) this.initial = typeof global.initial === 'number' ? global.initial : null;
    if (typeof global.aggregated === 'number') this.aggregated = global.aggregated;
    if (Array.isArray(global.released)) this.released = new Set(global.released.map(String));
    else if (full) this.released = new Set();
    this.windowIds.clear();
    for (const [, group] of this.groups.entries()) for (const id of group.ids) this.windowIds.add(id);
  }
}

export const aggregatorSpec: TransformerSpec = {
  name: NAME,
  validate: (params) => parseAggregator(params, silentLogger).issues,
  create: (params, context) =>
    new AggregatorTransformer(
      orThrow(NAME, parseAggregator(params, context.logger.child({ transformer: NAME }))),
      context,
    ),
};
