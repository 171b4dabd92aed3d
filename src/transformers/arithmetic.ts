import type { TransformerSpec } from './types.js';

// Placeholder while the implementation lands; the exported name and shape are final.
export const arithmeticSpec: TransformerSpec = {
  name: 'arithmetic',
  validate: () => [],
  create: () => {
    throw new Error('arithmetic: not implemented yet');
  },
};
