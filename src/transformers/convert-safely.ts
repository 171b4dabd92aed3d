import { ExpressionEvaluationError } from '../expression/index.js';
import type { Sample } from '../model/sample.js';
import type { Logger } from '../observability/logger.js';

/**
 * Run a conversion; an expression that fails for this sample drops it with a warning, as
 * Ceilometer's sink did for any exception, instead of failing the whole batch.
 */
export function convertSafely(logger: Logger, sample: Sample, convert: () => Sample): Sample | null {
  try {
    return convert();
  } catch (err) {
    if (!(err instanceof ExpressionEvaluationError)) throw err;
    logger.warn({ name: sample.name, resource_id: sample.resource_id, err: err.message }, 'cannot convert sample');
    return null;
  }
}

/** Parse failures of a sample's own timestamp drop that sample (Ceilometer raised, then dropped). */
export function withTimestamp<T>(logger: Logger, sample: Sample, run: () => T): T | null {
  try {
    return run();
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('Unable to parse date string')) {
      logger.warn({ name: sample.name, timestamp: sample.timestamp }, 'dropping sample with invalid timestamp');
      return null;
    }
    throw err;
  }
}
