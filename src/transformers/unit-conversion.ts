import type { Sample } from '../model/sample.js';
import type { Logger } from '../observability/logger.js';
import { type ConversionOptions, parseConversion } from './conversion-params.js';
import { convertSample } from './conversion.js';
import { convertSafely } from './convert-safely.js';
import { makeState, openState } from './state-envelope.js';
import type { Transformer, TransformerContext, TransformerSpec, TransformerState } from './types.js';
import { checkKeys, type Issue, orThrow, type Params, type Parsed } from './validate-params.js';

const NAME = 'unit_conversion';

function parse(params: Params): Parsed<ConversionOptions> {
  const issues: Issue[] = [];
  checkKeys(params, ['source', 'target'], '', issues);
  return { options: parseConversion(params, issues), issues };
}

/**
 * Ceilometer's ScalingTransformer (spec §4.4): converts samples whose unit is `source.unit` (all
 * when unset) and forwards the others unchanged. Stateless, so replays are trivially harmless.
 */
export class UnitConversionTransformer implements Transformer {
  readonly name = NAME;
  readonly groupingKeys = ['resource_id'];
  private readonly logger: Logger;

  constructor(
    private readonly options: ConversionOptions,
    private readonly context: TransformerContext,
  ) {
    this.logger = context.logger.child({ transformer: NAME });
  }

  handle(sample: Sample): Sample | null {
    if (this.options.sourceUnit !== undefined && this.options.sourceUnit !== sample.unit) return sample;
    return convertSafely(this.logger, sample, () => convertSample(this.options, this.context, sample));
  }

  flush(): Sample[] {
    return [];
  }

  snapshot(): TransformerState {
    return makeState(NAME, {}, true);
  }

  snapshotChanges(): TransformerState {
    return makeState(NAME, {}, false);
  }

  restore(state: TransformerState): void {
    openState(NAME, state);
  }
}

export const unitConversionSpec: TransformerSpec = {
  name: NAME,
  validate: (params) => parse(params).issues,
  create: (params, context) => new UnitConversionTransformer(orThrow(NAME, parse(params)), context),
};
