import type { Sample } from '../model/sample.js';
import type { Logger } from '../observability/logger.js';
import { EntryStore } from './entry-store.js';
import { decodeSample, encodeSample } from './state-codec.js';
import { makeState, openState } from './state-envelope.js';
import type { StateValue, Transformer, TransformerContext, TransformerSpec, TransformerState } from './types.js';
import { checkKeys, type Issue, orThrow, type Params, type Parsed } from './validate-params.js';

const NAME = 'accumulator';

/** Parsed `accumulator` parameters. */
export interface AccumulatorOptions {
  /** Samples held before a flush releases them. Default 1; below 1 samples pass through. */
  size: number;
}

function parse(params: Params): Parsed<AccumulatorOptions> {
  const issues: Issue[] = [];
  checkKeys(params, ['size'], '', issues);
  const size = params.size ?? 1;
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    issues.push({ path: 'size', message: 'must be an integer' });
  }
  return { options: { size: typeof size === 'number' ? size : 1 }, issues };
}

/**
 * Ceilometer's TransformerAccumulator (spec §4.2): holds samples, a flush releases all of them
 * in arrival order once at least `size` are held. Held samples are the state (keyed by arrival
 * number); the ids of the last released batch are kept too, so a replayed batch is recognised
 * even after it was released.
 */
export class AccumulatorTransformer implements Transformer {
  readonly name = NAME;
  readonly groupingKeys = ['resource_id'];
  private readonly logger: Logger;
  private readonly held: EntryStore<Sample>;
  private readonly heldIds = new Set<string>();
  private released = new Set<string>();
  private releasedDirty = false;
  private nextKey = 0;

  constructor(
    private readonly options: AccumulatorOptions,
    context: TransformerContext,
  ) {
    this.logger = context.logger.child({ transformer: NAME });
    // Bounded by `size`, and losing held samples would lose data: never idle-evicted.
    this.held = new EntryStore(context, { evictable: false, codec: { encode: encodeSample, decode: decodeSample } });
  }

  handle(sample: Sample): Sample | null {
    if (this.options.size < 1) return sample;
    if (this.heldIds.has(sample.id) || this.released.has(sample.id)) {
      this.logger.debug({ id: sample.id }, 'ignoring replayed sample');
      return null;
    }
    this.held.set(String(this.nextKey++), sample);
    this.heldIds.add(sample.id);
    return null;
  }

  flush(): Sample[] {
    if (this.options.size < 1 || this.held.size < this.options.size) return [];
    const out = [...this.held.entries()].map(([, sample]) => sample);
    this.held.clear();
    this.released = new Set(this.heldIds);
    this.heldIds.clear();
    this.releasedDirty = true;
    return out;
  }

  private global(full: boolean): { [key: string]: StateValue } {
    if (!full && !this.releasedDirty) return {};
    this.releasedDirty = false;
    return { released: [...this.released], next: this.nextKey };
  }

  snapshot(): TransformerState {
    return makeState(NAME, this.held.snapshot(), true, this.global(true));
  }

  snapshotChanges(): TransformerState {
    const entries = this.held.changes();
    return makeState(NAME, entries, false, this.global(false));
  }

  restore(state: TransformerState): void {
    const { full, global } = openState(NAME, state);
    this.held.restore(state.entries, full);
    if (Array.isArray(global.released)) this.released = new Set(global.released.map(String));
    else if (full) this.released = new Set();
    this.heldIds.clear();
    let next = typeof global.next === 'number' ? global.next : 0;
    for (const [key, sample] of this.held.entries()) {
      this.heldIds.add(sample.id);
      next = Math.max(next, Number(key) + 1);
    }
    this.nextKey = Math.max(this.nextKey, next);
  }
}

export const accumulatorSpec: TransformerSpec = {
  name: NAME,
  validate: (params) => parse(params).issues,
  create: (params, context) => new AccumulatorTransformer(orThrow(NAME, parse(params)), context),
};
