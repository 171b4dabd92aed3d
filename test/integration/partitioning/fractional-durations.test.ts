/**
 * `[coordination]` and `[meterflow]` durations are float seconds: values such as 2.01 or 4.07
 * give non-integer milliseconds when multiplied by 1000 (2009.9999999999998), which redlock and
 * `SET … PX` refuse at every attempt. The agent's conversion (coordinationTimings) must give
 * durations the real Redis accepts.
 */
import t from 'tap';
import { coordinationTimings } from '../../../src/agent/partitioned/timings.js';
import { PartitionLease } from '../../../src/partitioning/lease.js';
import { redlockDriver } from '../../../src/partitioning/lease-redlock.js';
import { GroupMembership } from '../../../src/partitioning/membership.js';
import { groupKeys } from '../../../src/partitioning/membership-protocol.js';
import { sharedRedis, uniqueGroup } from '../../helpers/private-redis.js';

const timings = coordinationTimings({
  coordination: { heartbeat: 1.01, check_watchers: 10.3 },
  meterflow: { member_ttl: 4.07, partition_lease_ttl: 2.01 },
});

const shared = await sharedRedis(t);
if (shared) {
  const { redis } = shared;

  t.test('partition_lease_ttl 2.01: the lease is taken and renewed', async (t) => {
    const group = uniqueGroup('mf-fractional');
    shared.forget(group);
    const lease = new PartitionLease({
      group,
      ref: { pipeline: 'cpu', partition: 0 },
      redis,
      lock: redlockDriver(redis),
      ttlMs: timings.leaseTtlMs,
    });
    t.teardown(() => lease.release());
    t.equal(await lease.acquire(), 1, 'a free lease is taken');
    const pttl = await redis.pttl(lease.resource);
    t.ok(pttl > 0 && pttl <= 2010, `the lock expires in Redis within the TTL (${pttl} ms)`);
  });

  t.test('member_ttl 4.07, heartbeat 1.01: the member joins with that TTL', async (t) => {
    const group = uniqueGroup('mf-fractional');
    shared.forget(group);
    const membership = new GroupMembership({
      redis,
      group,
      ttlMs: timings.memberTtlMs,
      heartbeatMs: timings.heartbeatMs,
      checkIntervalMs: timings.checkIntervalMs,
    });
    t.teardown(() => membership.close());
    await membership.join();
    t.same(await membership.members(), [membership.memberId]);
    const pttl = await redis.pttl(groupKeys(group).member(membership.memberId));
    t.ok(pttl > 0 && pttl <= 4070, `the member key expires within the TTL (${pttl} ms)`);
  });
}
