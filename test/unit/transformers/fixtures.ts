import { ManualClock } from '../../../src/model/clock.js';
import type { Sample } from '../../../src/model/sample.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { defaultTransformerContext, transformerRegistry } from '../../../src/transformers/index.js';
import type { Transformer, TransformerContext } from '../../../src/transformers/types.js';

/** 2026-01-01T00:00:00Z in ms: a fixed "now" for tests. */
export const T0 = Date.UTC(2026, 0, 1);

export { sample } from '../../helpers/samples.js';

export interface Harness {
  clock: ManualClock;
  logger: MemoryLogger;
  context: TransformerContext;
  evicted: number[];
}

/** A context with a manual clock, recorded logs and deterministic ids (`out-1`, `out-2`, ...). */
export function harness(options: { idleTtlMs?: number; start?: number } = {}): Harness {
  const clock = new ManualClock(options.start ?? T0);
  const logger = new MemoryLogger();
  const evicted: number[] = [];
  let next = 0;
  const context = defaultTransformerContext({
    clock,
    logger,
    idleTtlMs: options.idleTtlMs ?? 3_600_000,
    newId: () => `out-${++next}`,
    onEvict: (count) => evicted.push(count),
  });
  return { clock, logger, context, evicted };
}

export function create(name: string, parameters: Record<string, unknown>, context: TransformerContext): Transformer {
  const spec = transformerRegistry.get(name);
  if (spec === undefined) throw new Error(`no transformer ${name}`);
  const issues = spec.validate(parameters);
  if (issues.length > 0) throw new Error(JSON.stringify(issues));
  return spec.create(parameters, context);
}

/** Volumes as plain numbers (PyFloat unwrapped), for compact assertions. */
export function volumes(samples: (Sample | null)[]): (number | null)[] {
  return samples.map((s) => (s === null ? null : Number(s.volume.valueOf())));
}

/** ISO timestamp `seconds` after 2026-01-01T00:00:00Z. */
export function at(seconds: number): string {
  const d = new Date(T0 + seconds * 1000).toISOString(); // test data only, not logic
  return `${d.slice(0, 19)}${seconds % 1 ? d.slice(19, 23) : ''}+00:00`;
}
