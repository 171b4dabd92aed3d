import { randomUUID } from 'node:crypto';
import { systemClock } from '../model/clock.js';
import { DEFAULT_SAMPLE_SOURCE } from '../model/sample.js';
import { silentLogger } from '../observability/logger.js';
import type { TransformerContext } from './types.js';

/** Default idle time after which a cache entry is evicted: one hour (ms). */
export const DEFAULT_IDLE_TTL_MS = 3_600_000;

/**
 * A complete context from the parts a caller cares about. Defaults: system clock, silent logger,
 * `idleTtlMs` {@link DEFAULT_IDLE_TTL_MS}, random UUID ids, `sampleSource` `openstack`, no
 * eviction callback.
 */
export function defaultTransformerContext(partial: Partial<TransformerContext> = {}): TransformerContext {
  return {
    clock: partial.clock ?? systemClock,
    logger: partial.logger ?? silentLogger,
    idleTtlMs: partial.idleTtlMs ?? DEFAULT_IDLE_TTL_MS,
    newId: partial.newId ?? randomUUID,
    sampleSource: partial.sampleSource ?? DEFAULT_SAMPLE_SOURCE,
    ...(partial.onEvict ? { onEvict: partial.onEvict } : {}),
  };
}
