import { pyArith, pyCompare } from '../expression/index.js';
import type { PyNumber } from '../model/py-float.js';
import type { Sample } from '../model/sample.js';
import type { Logger } from '../observability/logger.js';
import { type ConversionOptions, parseConversion } from './conversion-params.js';
import { derivedSample, mapAttribute } from './conversion.js';
import { withTimestamp } from './convert-safely.js';
import { PointCache } from './point-cache.js';
import { makeState, openState } from './state-envelope.js';
import type { Transformer, TransformerContext, TransformerSpec, TransformerState } from './types.js';
import { checkKeys, type Issue, orThrow, type Params, type Parsed } from './validate-params.js';

const NAME = 'delta';

/** Parsed `delta` parameters. */
export interface DeltaOptions {
  conversion: ConversionOptions;
  /** Drop negative deltas. Default false. */
  growthOnly: boolean;
}

function parse(params: Params): Parsed<DeltaOptions> {
  const issues: Issue[] = [];
  checkKeys(params, ['source', 'target', 'growth_only'], '', issues);
  const growth = params.growth_only ?? false;
  if (typeof growth !== 'boolean') issues.push({ path: 'growth_only', message: 'must be a boolean' });
  return { options: { conversion: parseConversion(params, issues), growthOnly: growth === true }, issues };
}

/**
 * Ceilometer's DeltaTransformer (spec §4.6): difference between consecutive volumes of the same
 * meter and resource, typed `delta`, unit unchanged, no reset handling, no monotonic time.
 */
export class DeltaTransformer implements Transformer {
  readonly name = NAME;
  readonly groupingKeys = ['resource_id'];
  private readonly logger: Logger;
  private readonly cache: PointCache;

  constructor(
    private readonly options: DeltaOptions,
    private readonly context: TransformerContext,
  ) {
    this.logger = context.logger.child({ transformer: NAME });
    this.cache = new PointCache(context, this.logger, false);
  }

  handle(sample: Sample): Sample | null {
    const step = withTimestamp(this.logger, sample, () => this.cache.advance(sample));
    if (step === null) return null;
    if (step.kind !== 'next') {
      this.cache.logDrop(step, sample);
      return null;
    }
    const delta = pyArith('-', sample.volume, step.prev.volume) as PyNumber;
    if (this.options.growthOnly && pyCompare('<', delta, 0)) {
      this.logger.warn(
        { name: sample.name, resource_id: sample.resource_id },
        'Negative delta detected, dropping value',
      );
      return null;
    }
    return derivedSample(this.context, sample, {
      name: mapAttribute(this.options.conversion, sample, 'name'),
      unit: sample.unit,
      type: 'delta',
      volume: delta,
    });
  }

  flush(): Sample[] {
    return [];
  }

  snapshot(): TransformerState {
    return makeState(NAME, this.cache.snapshot(), true);
  }

  snapshotChanges(): TransformerState {
    return makeState(NAME, this.cache.changes(), false);
  }

  restore(state: TransformerState): void {
    const { full } = openState(NAME, state);
    this.cache.store.restore(state.entries, full);
  }
}

export const deltaSpec: TransformerSpec = {
  name: NAME,
  validate: (params) => parse(params).issues,
  create: (params, context) => new DeltaTransformer(orThrow(NAME, parse(params)), context),
};
