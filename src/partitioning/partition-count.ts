/**
 * P (`pipeline_processing_queues`) is fixed per deployment (DESIGN.md "Stable hash and routing"):
 * the first worker of a group records it in Redis, and a worker started with another P is
 * refused — a silent remap would send each resource's samples to a partition whose state has
 * never seen it. `partition_migration` is the explicit way to record a new P.
 */
import { MeterflowError } from '../errors.js';
import type { RedisLike } from './types.js';

/** `meterflow:<group>:partitions`. */
export function partitionCountKey(group: string): string {
  return `meterflow:${group}:partitions`;
}

// Returns the count recorded before this call ('' when none); records ARGV[1] when there was
// none, or when ARGV[2] is '1' (migration).
const CHECK_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1])
  return ''
end
if current ~= ARGV[1] and ARGV[2] == '1' then
  redis.call('SET', KEYS[1], ARGV[1])
end
return current
`;

export class PartitionCountError extends MeterflowError {
  constructor(message: string) {
    super('partition_count_changed', message);
  }
}

/**
 * Record or check P for `group`. Resolves with the previously recorded count (null: first
 * worker) when the start may go on; rejects with PartitionCountError when P differs and no
 * migration was asked for.
 */
export async function checkPartitionCount(
  redis: Pick<RedisLike, 'eval'>,
  group: string,
  partitions: number,
  migrate: boolean,
): Promise<number | null> {
  const reply = String(await redis.eval(CHECK_SCRIPT, 1, partitionCountKey(group), partitions, migrate ? '1' : '0'));
  if (reply === '') return null;
  const recorded = Number(reply);
  if (recorded !== partitions && !migrate) {
    throw new PartitionCountError(
      `[notification] pipeline_processing_queues is ${partitions} but group "${group}" runs with ${recorded}: ` +
        'changing it remaps every resource to another partition; see docs/partitioning.md ' +
        '("Changing the number of partitions") and start with [meterflow] partition_migration: true to do it',
    );
  }
  return recorded;
}
