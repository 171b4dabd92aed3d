import { hash } from 'node:crypto';

/** Separates grouping-key values, so `('ab', 'c')` and `('a', 'bc')` differ (Ceilometer concatenated). */
const SEPARATOR = '\u001f';

/**
 * meterflow's stable hash: the first 4 bytes of MD5 (big-endian, unsigned) of the UTF-8 bytes of
 * the values joined by U+001F, a null or missing value counting as the empty string. The same in
 * every process, on every machine and in every release (Ceilometer used Python's `hash()`,
 * salted per process under Python 3). Changing it is a migration, like changing P.
 */
export function stableHash(values: readonly (string | null | undefined)[]): number {
  const text = values.map((v) => v ?? '').join(SEPARATOR);
  // One-shot: a Hash object per routed sample cost twice as much.
  return hash('md5', text, 'buffer').readUInt32BE(0);
}

/** The partition of a grouping key among `partitions` (P). */
export function partitionOf(values: readonly (string | null | undefined)[], partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  return stableHash(values) % partitions;
}
