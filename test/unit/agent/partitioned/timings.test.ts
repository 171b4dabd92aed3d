import t from 'tap';
import { coordinationTimings, toMs } from '../../../../src/agent/partitioned/timings.js';

const options = (
  coordination: { heartbeat: number; check_watchers: number },
  meterflow: { member_ttl: number; partition_lease_ttl: number },
) => ({
  coordination,
  meterflow,
});

t.test('the defaults', async (t) => {
  t.same(
    coordinationTimings(options({ heartbeat: 1, check_watchers: 10 }, { member_ttl: 3, partition_lease_ttl: 3.5 })),
    {
      heartbeatMs: 1000,
      memberTtlMs: 3000,
      checkIntervalMs: 1000,
      leaseTtlMs: 3500,
    },
  );
});

t.test('float seconds become whole milliseconds', async (t) => {
  t.equal(2.01 * 1000, 2009.9999999999998, 'what a plain product gives');
  const timings = coordinationTimings(
    options({ heartbeat: 1.01, check_watchers: 0.3337 }, { member_ttl: 4.07, partition_lease_ttl: 2.01 }),
  );
  t.same(timings, { heartbeatMs: 1010, memberTtlMs: 4070, checkIntervalMs: 334, leaseTtlMs: 2010 });
  t.ok(Object.values(timings).every(Number.isInteger), 'every duration is an integer');
});

t.test('the member TTL covers two heartbeats, the checks three per TTL', async (t) => {
  t.same(
    coordinationTimings(options({ heartbeat: 2.5, check_watchers: 10 }, { member_ttl: 3, partition_lease_ttl: 3.5 })),
    {
      heartbeatMs: 2500,
      memberTtlMs: 5000,
      checkIntervalMs: 1666,
      leaseTtlMs: 3500,
    },
  );
});

t.test('a duration never rounds down to zero', async (t) => {
  t.equal(toMs(0.0001), 1);
  t.equal(toMs(0.0016), 2);
});
