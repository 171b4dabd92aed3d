import t from 'tap';
import { MeterflowError } from '../../../src/errors.js';
import {
  checkPartitionCount,
  PartitionCountError,
  partitionCountKey,
} from '../../../src/partitioning/partition-count.js';
import { dropGroupInTeardown, redisClient, requireRedis, unique } from '../../helpers/redis.js';

if (await requireRedis(t)) {
  const redis = await redisClient(t);
  const group = (t: Parameters<typeof dropGroupInTeardown>[0]) => {
    const name = unique('partition-count');
    dropGroupInTeardown(t, redis, name);
    return name;
  };

  t.test('the first worker records P; the same P is accepted afterwards', async (t) => {
    const g = group(t);
    t.equal(partitionCountKey(g), `meterflow:${g}:partitions`);
    t.equal(await checkPartitionCount(redis, g, 8, false), null, 'nothing recorded yet');
    t.equal(await redis.get(partitionCountKey(g)), '8');
    t.equal(await checkPartitionCount(redis, g, 8, false), 8);
    t.equal(await checkPartitionCount(redis, g, 8, true), 8, 'migration with the same P changes nothing');
    t.equal(await redis.get(partitionCountKey(g)), '8');
  });

  t.test('another P is refused without partition_migration, and nothing is changed', async (t) => {
    const g = group(t);
    await checkPartitionCount(redis, g, 8, false);
    const err = await checkPartitionCount(redis, g, 12, false).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.type(err, PartitionCountError);
    t.type(err, MeterflowError);
    t.equal((err as PartitionCountError).code, 'partition_count_changed');
    const message = (err as Error).message;
    t.match(message, /pipeline_processing_queues is 12/);
    t.match(message, new RegExp(`group "${g}" runs with 8`));
    t.match(message, /partition_migration/);
    t.equal(await redis.get(partitionCountKey(g)), '8', 'the recorded P stays');
    t.equal(await checkPartitionCount(redis, g, 8, false), 8, 'workers with the old P still start');
  });

  t.test('with migrate the new P is recorded, and then it is the one checked', async (t) => {
    const g = group(t);
    await checkPartitionCount(redis, g, 8, false);
    t.equal(await checkPartitionCount(redis, g, 16, true), 8, 'resolves with the previous P');
    t.equal(await redis.get(partitionCountKey(g)), '16');
    t.equal(await checkPartitionCount(redis, g, 16, false), 16);
    await t.rejects(checkPartitionCount(redis, g, 8, false), PartitionCountError, 'the old P is refused now');
  });

  t.test('migrate on an empty group simply records', async (t) => {
    const g = group(t);
    t.equal(await checkPartitionCount(redis, g, 4, true), null);
    t.equal(await redis.get(partitionCountKey(g)), '4');
  });

  t.test('concurrent first workers: one records, the other sees it', async (t) => {
    const g = group(t);
    const results = await Promise.allSettled([
      checkPartitionCount(redis, g, 6, false),
      checkPartitionCount(redis, g, 10, false),
    ]);
    const recorded = await redis.get(partitionCountKey(g));
    t.ok(recorded === '6' || recorded === '10');
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one starts');
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    t.type(rejected.reason, PartitionCountError);
  });
}
