import type { ConfigIssue } from '../errors.js';
import type { Clock } from '../model/clock.js';
import type { Sample } from '../model/sample.js';
import type { Logger } from '../observability/logger.js';

/** JSON-safe state of a transformer: plain objects, arrays, strings, finite numbers, null. */
export type StateValue = null | boolean | number | string | StateValue[] | { [key: string]: StateValue };

/** A whole state, or the entries changed since the previous snapshot. */
export interface TransformerState {
  /** Transformer name (`rate_of_change`, ...), checked on restore. */
  kind: string;
  /** Entries by cache key; in a delta, `null` means "entry removed". */
  entries: { [key: string]: StateValue | null };
  /** State that is not per-entry (aggregator's open window, arithmetic's latest timestamp). */
  global?: StateValue;
}

/**
 * Ceilometer's transformer contract with state made explicit. One instance lives per sink
 * (per pipeline × partition when partitioned).
 */
export interface Transformer {
  readonly name: string;
  /** Sample attributes that must route to the same partition (spec §8.3). */
  readonly groupingKeys: readonly string[];
  /** Returns the sample to forward, or null to drop or hold it. */
  handle(sample: Sample): Sample | null;
  /** Samples held back until now (accumulator, aggregator, arithmetic). */
  flush(): Sample[];
  /** The complete state. Resets the change tracking. */
  snapshot(): TransformerState;
  /** Only entries changed since the previous snapshot/snapshotChanges. */
  snapshotChanges(): TransformerState;
  /** Replace the whole state (fresh instance) or apply a delta on top of it. */
  restore(state: TransformerState): void;
}

/** What every transformer is built with besides its parameters. */
export interface TransformerContext {
  clock: Clock;
  logger: Logger;
  /** Cache entries idle longer than this are evicted (ms). */
  idleTtlMs: number;
  /** Called with the number of entries evicted, for metrics. */
  onEvict?: (count: number) => void;
  /** Id for samples a transformer creates (Ceilometer: a fresh UUID). */
  newId: () => string;
  /** `source` of samples a transformer creates (option `sample_source`, default `openstack`). */
  sampleSource: string;
}

export interface TransformerSpec {
  name: string;
  /**
   * Check `parameters` (already null → {}); each issue's `path` is relative to `parameters`
   * (e.g. `target.scale`). Unparsable expressions are reported here.
   */
  validate(parameters: Record<string, unknown>): Omit<ConfigIssue, 'file' | 'line'>[];
  create(parameters: Record<string, unknown>, context: TransformerContext): Transformer;
}
