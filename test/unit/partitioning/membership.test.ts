import t from 'tap';
import { ManualClock } from '../../../src/model/clock.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { GroupMembership } from '../../../src/partitioning/membership.js';
import { decodeAnnouncement, groupKeys } from '../../../src/partitioning/membership-protocol.js';
import type { GroupMembershipOptions } from '../../../src/partitioning/membership-types.js';
import { FakeRedis, FakeTimers, settle } from './fake-redis.js';

/** One fake Redis, one clock; each member gets its own timers so a test can "freeze" one process. */
function world() {
  const clock = new ManualClock(1_000_000);
  const redis = new FakeRedis(clock);
  const logger = new MemoryLogger();
  const member = (id: string, extra: Partial<GroupMembershipOptions> = {}) => {
    const timers = new FakeTimers(clock);
    const m = new GroupMembership({ redis, memberId: id, clock, timers, logger, info: `host:${id}`, ...extra });
    return { m, timers };
  };
  return { clock, redis, logger, member };
}

t.test('join writes the member key with the TTL, the set entry and an announcement', async (t) => {
  const { redis, member, clock } = world();
  const sub = redis.subscriber();
  const seen: string[] = [];
  sub.on('message', (_c, m) => seen.push(m));
  await sub.subscribe('meterflow:meterflow:events');
  const { m } = member('a');
  t.equal(m.group, 'meterflow');
  t.equal(m.heartbeatMs, 1000, 'heartbeat defaults to ttl/3');
  await m.join();
  const key = redis.strings.get('meterflow:meterflow:member:a');
  t.equal(key?.value, 'host:a');
  t.equal(key?.expiresAt, clock.now() + 3000);
  t.same([...redis.sets.get('meterflow:meterflow:members')!], ['a']);
  await settle();
  t.same(seen.map(decodeAnnouncement), [{ kind: 'joined', member: 'a' }]);
  t.ok(m.joined);
  t.ok(m.connected);
  await m.join();
  t.equal(redis.calls.filter((c) => c === 'eval').length, 1, 'a second join() is a no-op');
});

t.test('heartbeats keep a member alive well past its TTL; members() is sorted', async (t) => {
  const { member } = world();
  const c = member('c');
  const a = member('a');
  const b = member('b');
  for (const x of [c, a, b]) await x.m.join();
  for (let i = 0; i < 10; i++) for (const x of [c, a, b]) await x.timers.advance(1000);
  t.same(await a.m.members(), ['a', 'b', 'c']);
  t.same(
    (await a.m.list()).map((x) => x.info),
    ['host:a', 'host:b', 'host:c'],
  );
});

t.test('leave removes the member at once and stops the heartbeat', async (t) => {
  const { redis, member } = world();
  const a = member('a');
  const b = member('b');
  await a.m.join();
  await b.m.join();
  await b.m.leave();
  t.notOk(b.m.joined);
  t.equal(b.timers.size, 0, 'no heartbeat armed');
  t.notOk(redis.strings.has('meterflow:meterflow:member:b'));
  t.same(await a.m.members(), ['a']);
  await b.m.leave();
  t.pass('a second leave() is a no-op');
});

t.test('a member that stops heartbeating is reaped once its TTL ran out', async (t) => {
  const { redis, member } = world();
  const a = member('a');
  const dead = member('dead');
  await a.m.join();
  await dead.m.join(); // its timers are never advanced again: a SIGKILLed process
  await a.timers.advance(2999);
  t.same(await a.m.members(), ['a', 'dead'], 'alive until the TTL');
  await a.timers.advance(1);
  t.same(await a.m.members(), ['a'], 'gone at the TTL');
  t.same([...redis.sets.get(groupKeys('meterflow').members)!], ['a'], 'reaped from the set');
});

t.test('two reapers racing announce an expiry once', async (t) => {
  const { redis, member, clock } = world();
  const sub = redis.subscriber();
  const seen: string[] = [];
  sub.on('message', (_c, m) => seen.push(m));
  await sub.subscribe('meterflow:meterflow:events');
  const x = member('x');
  const y = member('y');
  await member('dead').m.join();
  clock.advance(3000);
  await Promise.all([x.m.members(), y.m.members(), x.m.members()]);
  await settle();
  const expired = seen.map(decodeAnnouncement).filter((a) => a?.kind === 'left');
  t.same(expired, [{ kind: 'left', member: 'dead', reason: 'expired' }]);
});

t.test('groups sharing a Redis do not see each other', async (t) => {
  const { member } = world();
  const a = member('a', { group: 'blue' });
  const b = member('b', { group: 'green' });
  await a.m.join();
  await b.m.join();
  t.same(await a.m.members(), ['a']);
  t.same(await b.m.members(), ['b']);
});

t.test('Redis restarted empty: the next heartbeat re-creates the key and re-announces', async (t) => {
  const { redis, member, logger } = world();
  const a = member('a');
  await a.m.join();
  redis.flushall();
  t.same(await member('probe').m.members(), []);
  await a.timers.advance(1000);
  t.same(await member('probe').m.members(), ['a']);
  t.ok(logger.records.some((r) => /re-joined/.test(r.msg)));
});

t.test('a member that stalled past its TTL does not keep itself in its own view, and re-joins', async (t) => {
  const { redis, member, clock } = world();
  const a = member('a');
  await a.m.join();
  clock.advance(5000); // the event loop was blocked: no beat for longer than the TTL
  t.same(await a.m.members(), [], 'its own view agrees with everybody else');
  await settle();
  t.equal(redis.strings.get('meterflow:meterflow:member:a')?.value, 'host:a', 're-joined at once');
  t.same(await a.m.members(), ['a']);
});

t.test('options: heartbeat must be shorter than the TTL; defaults derive from the TTL', async (t) => {
  const { redis } = world();
  t.throws(() => new GroupMembership({ redis, ttlMs: 1000, heartbeatMs: 1000 }), RangeError);
  // Redis refuses `SET … PX 4070.0000000000005`: a fractional TTL could never join.
  t.throws(() => new GroupMembership({ redis, ttlMs: 4.07 * 1000 }), /positive integer/);
  t.throws(() => new GroupMembership({ redis, ttlMs: 0 }), /positive integer/);
  const m = new GroupMembership({ redis, ttlMs: 900 });
  t.equal(m.heartbeatMs, 300);
  t.equal(m.checkIntervalMs, 300);
  t.match(m.memberId, /^[0-9a-f-]{36}$/);
  t.match(m.info, /:\d+$/);
});

t.test('decodeAnnouncement ignores what is not an announcement', async (t) => {
  for (const text of ['nope', 'null', '7', '{"kind":"joined"}', '{"kind":"left","member":"a","reason":"x"}']) {
    t.equal(decodeAnnouncement(text), undefined, text);
  }
  t.same(decodeAnnouncement('{"kind":"left","member":"a","reason":"leave"}'), {
    kind: 'left',
    member: 'a',
    reason: 'leave',
  });
});
