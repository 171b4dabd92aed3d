import type { Sample } from '../../src/model/sample.js';

let counter = 0;

/** A cumulative `cpu` sample of resource `r1` at 2026-01-01T00:00:00Z (ids `in-1`, `in-2`, ...), with `overrides`. */
export function sample(overrides: Partial<Sample> = {}): Sample {
  counter += 1;
  return {
    name: 'cpu',
    type: 'cumulative',
    unit: 'ns',
    volume: 0,
    user_id: 'u',
    project_id: 'p',
    resource_id: 'r1',
    timestamp: '2026-01-01T00:00:00+00:00',
    resource_metadata: {},
    source: 'openstack',
    id: `in-${counter}`,
    monotonic_time: null,
    ...overrides,
  };
}
