import t from 'tap';
import { ManualClock } from '../../../src/model/clock.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { GroupMembership } from '../../../src/partitioning/membership.js';
import type { ConnectionStatusEvent, GroupMembershipOptions } from '../../../src/partitioning/membership-types.js';
import type { MembershipEvent } from '../../../src/partitioning/types.js';
import { FakeRedis, FakeTimers, settle } from './fake-redis.js';

function world() {
  const clock = new ManualClock(1_000_000);
  const redis = new FakeRedis(clock);
  const logger = new MemoryLogger();
  const member = (id: string, extra: Partial<GroupMembershipOptions> = {}) => {
    const timers = new FakeTimers(clock);
    const subscriber = redis.subscriber();
    const m = new GroupMembership({
      redis,
      subscriber,
      connection: redis,
      memberId: id,
      clock,
      timers,
      logger,
      ...extra,
    });
    return { m, timers, subscriber };
  };
  return { clock, redis, logger, member };
}

function record(m: GroupMembership): MembershipEvent[] {
  const events: MembershipEvent[] = [];
  m.watch((e) => events.push(e));
  return events;
}

t.test('joins and leaves are seen through pub/sub, without waiting for a check', async (t) => {
  const { member } = world();
  const a = member('a');
  await a.m.join();
  const events = record(a.m);
  await settle();
  t.same(events, [{ kind: 'members', members: ['a'] }], 'the first event is the current list');
  const b = member('b');
  await b.m.join();
  await settle(); // no timers advanced: only the announcement can have told us
  t.same(events.slice(1), [
    { kind: 'joined', member: 'b' },
    { kind: 'members', members: ['a', 'b'] },
  ]);
  await b.m.leave();
  await settle();
  t.same(events.slice(3), [
    { kind: 'left', member: 'b', reason: 'leave' },
    { kind: 'members', members: ['a'] },
  ]);
});

t.test('a silent death is seen when its TTL runs out, as expired', async (t) => {
  const { member, clock } = world();
  const a = member('a');
  await a.m.join();
  const dead = member('dead');
  await dead.m.join();
  const events = record(a.m);
  const start = clock.now();
  let at = 0;
  a.m.watch((e) => {
    if (e.kind === 'left') at = clock.now();
  });
  for (let i = 0; i < 50 && at === 0; i++) await a.timers.advance(100);
  t.ok(at > 0, 'the death was noticed');
  // The check is scheduled for the moment the key expires, not up to a check interval later.
  t.ok(at - start <= a.m.ttlMs + 1, `within the TTL: ${at - start} ms`);
  t.same(
    events.filter((e) => e.kind === 'left'),
    [{ kind: 'left', member: 'dead', reason: 'expired' }],
  );
});

t.test('without a subscriber the periodic check still sees joins', async (t) => {
  const { member } = world();
  const a = member('a', { subscriber: undefined });
  const events = record(a.m);
  await settle();
  await member('b').m.join();
  await a.timers.advance(a.m.checkIntervalMs);
  t.same(events.at(-1), { kind: 'members', members: ['b'] });
});

t.test('a second watcher gets the current list; the last unwatch stops the checks', async (t) => {
  const { member } = world();
  const a = member('a');
  await a.m.join();
  const stop1 = a.m.watch(() => undefined);
  await settle();
  const second: MembershipEvent[] = [];
  const stop2 = a.m.watch((e) => second.push(e));
  t.same(second, [{ kind: 'members', members: ['a'] }]);
  stop1();
  t.equal(a.timers.size, 2, 'heartbeat and check still armed');
  stop2();
  t.equal(a.timers.size, 1, 'only the heartbeat is left');
  t.equal(a.subscriber.channels.size, 0, 'unsubscribed');
  await a.m.close();
  t.equal(a.timers.size, 0);
});

t.test('a throwing listener does not stop the others', async (t) => {
  const { member, logger } = world();
  const a = member('a');
  a.m.watch(() => {
    throw new Error('boom');
  });
  const events = record(a.m);
  await settle();
  t.equal(events.length, 1);
  t.ok(logger.records.some((r) => r.msg === 'membership listener threw'));
});

t.test('Redis down: redis-down at once, heartbeats survive, re-join and redis-up when it returns', async (t) => {
  const { redis, member } = world();
  const a = member('a');
  const status: ConnectionStatusEvent['kind'][] = [];
  a.m.onStatus((e) => status.push(e.kind));
  await a.m.join();
  const events = record(a.m);
  await settle();
  redis.setDown(true);
  t.notOk(a.m.connected);
  await a.timers.advance(5000); // beats and checks fail meanwhile
  t.same(events, [{ kind: 'members', members: ['a'] }], 'the last view is kept while Redis is away');
  redis.flushall(); // it restarted empty
  redis.setDown(false);
  await settle();
  t.ok(a.m.connected);
  t.same(status, ['redis-up', 'redis-down', 'redis-up']);
  t.equal(redis.strings.get('meterflow:meterflow:member:a')?.value !== undefined, true, 're-joined at once');
  t.same(await a.m.members(), ['a']);
});

t.test('without connection events a failed heartbeat reveals the outage', async (t) => {
  const { redis, member } = world();
  const a = member('a', { connection: undefined });
  const status: ConnectionStatusEvent[] = [];
  a.m.onStatus((e) => status.push(e));
  await a.m.join();
  redis.down = true;
  await a.timers.advance(1000);
  t.match(status.at(-1), { kind: 'redis-down', error: /closed/ });
  redis.down = false;
  await a.timers.advance(1000);
  t.same(status.at(-1), { kind: 'redis-up' });
});

t.test('join fails when Redis is unreachable; leave then is quiet and lets the key expire', async (t) => {
  const { redis, member, logger } = world();
  const a = member('a');
  redis.down = true;
  await t.rejects(a.m.join(), /closed/);
  t.notOk(a.m.joined);
  redis.down = false;
  await a.m.join();
  redis.down = true;
  await a.m.leave();
  t.ok(logger.records.some((r) => /leave failed/.test(r.msg)));
  t.equal(a.timers.size, 0);
});

t.test('a script error is not mistaken for an outage', async (t) => {
  const { redis, member } = world();
  const a = member('a');
  await a.m.join();
  redis.defineScript = () => undefined;
  const original = redis.eval.bind(redis);
  redis.eval = async () => {
    throw Object.assign(new Error('ERR script'), { name: 'ReplyError' });
  };
  await a.timers.advance(1000);
  t.ok(a.m.connected);
  redis.eval = original;
});
