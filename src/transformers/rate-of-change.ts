import { compileExpression, pyArith, toFloat } from '../expression/index.js';
import { PyFloat, type PyNumber, pyFloat } from '../model/py-float.js';
import type { Sample } from '../model/sample.js';
import type { Logger } from '../observability/logger.js';
import { type ConversionOptions, parseConversion } from './conversion-params.js';
import { convertSample } from './conversion.js';
import { convertSafely, withTimestamp } from './convert-safely.js';
import { notBelow, PointCache, type Step } from './point-cache.js';
import { makeState, openState } from './state-envelope.js';
import type { Transformer, TransformerContext, TransformerSpec, TransformerState } from './types.js';
import { checkKeys, type Issue, orThrow, type Params, type Parsed } from './validate-params.js';

const NAME = 'rate_of_change';

function parse(params: Params): Parsed<ConversionOptions> {
  const issues: Issue[] = [];
  checkKeys(params, ['source', 'target'], '', issues);
  const options = parseConversion(params, issues);
  // Ceilometer: `self.scale = self.scale or '1'`.
  return { options: { ...options, scale: options.scale ?? compileExpression('1') }, issues };
}

/**
 * Ceilometer's RateOfChangeTransformer, Pike+ (spec §4.5): rate between consecutive points of the
 * same meter and resource, `scale` evaluated on the current sample, `max` cap, cumulative resets.
 */
export class RateOfChangeTransformer implements Transformer {
  readonly name = NAME;
  readonly groupingKeys = ['resource_id'];
  private readonly logger: Logger;
  private readonly cache: PointCache;

  constructor(
    private readonly options: ConversionOptions,
    private readonly context: TransformerContext,
  ) {
    this.logger = context.logger.child({ transformer: NAME });
    this.cache = new PointCache(context, this.logger, true);
  }

  handle(sample: Sample): Sample | null {
    const step = withTimestamp(this.logger, sample, () => this.cache.advance(sample));
    if (step === null) return null;
    if (step.kind !== 'next') {
      this.cache.logDrop(step, sample);
      return null;
    }
    const rate = this.rate(step, sample);
    return convertSafely(this.logger, sample, () => convertSample(this.options, this.context, sample, rate));
  }

  /** `1.0 * Δv / Δt`, 0.0 when Δt is 0; a cumulative that went down counts from zero (reset). */
  private rate(step: Extract<Step, { kind: 'next' }>, sample: Sample): PyNumber {
    const reset = sample.type === 'cumulative' && !notBelow(step.prev.volume, sample.volume);
    const delta = toFloat(reset ? sample.volume : (pyArith('-', sample.volume, step.prev.volume) as PyNumber));
    return step.seconds === 0 ? new PyFloat(0) : pyFloat(delta / step.seconds);
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

export const rateOfChangeSpec: TransformerSpec = {
  name: NAME,
  validate: (params) => parse(params).issues,
  create: (params, context) => new RateOfChangeTransformer(orThrow(NAME, parse(params)), context),
};
