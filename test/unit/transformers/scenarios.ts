import { PyFloat } from '../../../src/model/py-float.js';
import type { Sample } from '../../../src/model/sample.js';
import { at, sample } from './fixtures.js';

/** A run of batches for one transformer; each batch is followed by a flush. */
export interface Scenario {
  name: string;
  parameters: Record<string, unknown>;
  batches: Sample[][];
}

function batches(count: number, make: (batch: number) => Sample[]): Sample[][] {
  return Array.from({ length: count }, (_, i) => make(i));
}

const RESOURCES = ['r1', 'r2', 'r3'];

export const SCENARIOS: Scenario[] = [
  {
    name: 'rate_of_change',
    parameters: {
      target: {
        name: 'cpu_util',
        unit: '%',
        type: 'gauge',
        max: 100,
        scale: '100.0 / (10**9 * (resource_metadata.cpu_number or 1))',
      },
    },
    batches: batches(6, (b) =>
      RESOURCES.map((resource_id, r) =>
        sample({
          resource_id,
          // r2 resets at batch 3; r3 repeats a timestamp at batch 2.
          volume: new PyFloat((r === 1 && b === 3 ? 1 : b * (r + 1) * 30) * 1e9),
          timestamp: at(r === 2 && b === 2 ? 60 : b * 60),
          resource_metadata: { cpu_number: r + 1, ratio: new PyFloat(2) },
        }),
      ).concat(b === 4 ? [sample({ resource_id: 'r1', volume: 1, timestamp: at(0) })] : []),
    ),
  },
  {
    name: 'delta',
    parameters: { target: { name: 'cpu.delta' } },
    batches: batches(5, (b) =>
      RESOURCES.map((resource_id, r) =>
        sample({ resource_id, volume: r === 0 ? 2n ** 70n + BigInt(b * 7) : (b * 13) % 7, timestamp: at(b * 60) }),
      ),
    ),
  },
  {
    name: 'unit_conversion',
    parameters: { target: { scale: 'volume / 1024', unit: 'KB' } },
    batches: batches(3, (b) => [sample({ volume: b * 2048 })]),
  },
  {
    name: 'accumulator',
    parameters: { size: 4 },
    batches: batches(5, (b) =>
      RESOURCES.slice(0, (b % 3) + 1).map((resource_id) => sample({ resource_id, volume: b })),
    ),
  },
  {
    name: 'aggregator',
    parameters: { size: 7, retention_time: 25, user_id: 'last', target: { type: 'gauge' } },
    batches: batches(6, (b) =>
      RESOURCES.slice(0, (b % 3) + 1).map((resource_id, r) =>
        sample({ resource_id, type: 'delta', volume: b + r + 0.5, user_id: `u${b}`, timestamp: at(b * 10) }),
      ),
    ),
  },
  {
    name: 'arithmetic',
    parameters: { target: { name: 'memory_util', unit: '%', expr: '100.0 * $(memory.usage) / $(memory)' } },
    batches: batches(6, (b) =>
      RESOURCES.map((resource_id, r) =>
        sample({
          resource_id,
          name: (b + r) % 2 === 0 ? 'memory' : 'memory.usage',
          volume: 256 * (b + r + 1),
          timestamp: at(b * 60 + r),
        }),
      ),
    ),
  },
];
