import type { PublisherSpec } from '../../../src/publishers/types.js';
import type { TransformerSpec } from '../../../src/transformers/types.js';

export const TRANSFORMER_NAMES = [
  'accumulator',
  'delta',
  'unit_conversion',
  'rate_of_change',
  'aggregator',
  'arithmetic',
] as const;

type Validate = TransformerSpec['validate'];

/** A transformer spec that only validates; creating one is never needed by config tests. */
export function fakeTransformer(name: string, validate: Validate = () => []): TransformerSpec {
  return {
    name,
    validate,
    create: () => {
      throw new Error('not used in config tests');
    },
  };
}

export function fakePublisher(scheme: string, validate: PublisherSpec['validate'] = () => []): PublisherSpec {
  return {
    scheme,
    validate,
    create: () => {
      throw new Error('not used in config tests');
    },
  };
}

/** The six transformer names and the schemes `file`, `test`, `notifier`, all accepting anything. */
export function fakeRegistries(overrides: { transformers?: TransformerSpec[]; publishers?: PublisherSpec[] } = {}): {
  transformers: Map<string, TransformerSpec>;
  publishers: Map<string, PublisherSpec>;
} {
  const transformers = new Map<string, TransformerSpec>(TRANSFORMER_NAMES.map((n) => [n, fakeTransformer(n)]));
  const publishers = new Map<string, PublisherSpec>(['file', 'test', 'notifier'].map((s) => [s, fakePublisher(s)]));
  for (const spec of overrides.transformers ?? []) transformers.set(spec.name, spec);
  for (const spec of overrides.publishers ?? []) publishers.set(spec.scheme, spec);
  return { transformers, publishers };
}
