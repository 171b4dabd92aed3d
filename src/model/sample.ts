import type { PyNumber } from './py-float.js';

export type SampleType = 'gauge' | 'delta' | 'cumulative';
export const SAMPLE_TYPES: readonly SampleType[] = ['gauge', 'delta', 'cumulative'];

/** Python-typed JSON value as parsed losslessly (see py-json.ts). */
export type PyJson = null | boolean | string | PyNumber | PyJson[] | { [key: string]: PyJson };

/**
 * A sample as the pipelines see it (Ceilometer's `Sample`). `volume` is always a valid number
 * here: samples are validated where they enter (definitions, decoders), not inside sinks.
 */
export interface Sample {
  name: string;
  type: SampleType;
  unit: string;
  volume: PyNumber;
  user_id: string | null;
  project_id: string | null;
  resource_id: string | null;
  /** ISO 8601 as Ceilometer writes it (`2026-11-22T09:25:41.310093+00:00`). */
  timestamp: string;
  resource_metadata: { [key: string]: PyJson };
  source: string;
  /** Ceilometer's sample id; `message_id` on the wire. */
  id: string;
  /** Seconds from a monotonic clock of the producer, when it has one. */
  monotonic_time: number | null;
}

/** The default `sample_source` option of Ceilometer. */
export const DEFAULT_SAMPLE_SOURCE = 'openstack';
