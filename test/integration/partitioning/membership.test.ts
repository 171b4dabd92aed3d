import t from 'tap';
import { GroupMembership } from '../../../src/partitioning/membership.js';
import { connectRedis, createRedis } from '../../../src/partitioning/redis.js';
import type { MembershipRedis } from '../../../src/partitioning/membership-types.js';
import {
  dropGroupInTeardown,
  eventAt,
  REDIS_URL,
  redisClient,
  requireRedis,
  startMember,
  unique,
} from '../../helpers/redis.js';

if (await requireRedis(t)) {
  const admin = await redisClient(t);
  const group = (t: Parameters<typeof dropGroupInTeardown>[0]) => {
    const name = unique('mf-group');
    dropGroupInTeardown(t, admin, name);
    return name;
  };

  t.test('several members see each other; a join and a graceful leave are seen within ~1 s', async (t) => {
    const g = group(t);
    const a = await startMember(t, REDIS_URL, { group: g, memberId: 'a' });
    const b = await startMember(t, REDIS_URL, { group: g, memberId: 'b' });
    await a.m.join();
    await b.m.join();
    t.same(await a.m.members(), ['a', 'b']);
    t.same(await b.m.members(), ['a', 'b']);

    const c = await startMember(t, REDIS_URL, { group: g, memberId: 'c' });
    const joinedAt = Date.now();
    await c.m.join();
    const seenJoin = Math.max(
      await eventAt(a, (e) => e.kind === 'joined' && e.member === 'c', joinedAt),
      await eventAt(b, (e) => e.kind === 'joined' && e.member === 'c', joinedAt),
    );
    t.comment(`join seen by every watcher after ${seenJoin - joinedAt} ms`);
    t.ok(seenJoin - joinedAt < 2000, 'join observed within 2 s');

    const leftAt = Date.now();
    await c.m.leave();
    const leave = (e: { kind: string; member?: string; reason?: string }) =>
      e.kind === 'left' && e.member === 'c' && e.reason === 'leave';
    const seenLeave = Math.max(await eventAt(a, leave, leftAt), await eventAt(b, leave, leftAt));
    t.comment(`graceful leave seen by every watcher after ${seenLeave - leftAt} ms`);
    t.ok(seenLeave - leftAt < 2000, 'leave observed within 2 s, as a leave');
    t.same(await a.m.members(), ['a', 'b']);
  });

  t.test('a member that stops heartbeating disappears when its TTL runs out', async (t) => {
    const g = group(t);
    const a = await startMember(t, REDIS_URL, { group: g, memberId: 'a' });
    const dead = await startMember(t, REDIS_URL, { group: g, memberId: 'dead' });
    await a.m.join();
    await dead.m.join();
    await eventAt(a, (e) => e.kind === 'members' && e.members.length === 2, 0);
    // SIGKILL: no more timers, no leave, its sockets gone.
    dead.timers.freeze();
    dead.redis.disconnect();
    dead.subscriber.disconnect();
    const killedAt = Date.now();
    const seen = await eventAt(a, (e) => e.kind === 'left' && e.member === 'dead', killedAt, 10_000);
    const bound = a.m.ttlMs + a.m.checkIntervalMs;
    t.comment(`silent death seen after ${seen - killedAt} ms (ttl ${a.m.ttlMs}, check ${a.m.checkIntervalMs})`);
    // Watchers check again at the moment the first key expires, so this is ~ttl; the bound is generous.
    t.ok(seen - killedAt <= bound, `within ttl + check interval (${bound} ms)`);
    t.match(a.events.find((e) => e.event.kind === 'left')?.event, { reason: 'expired' });
    t.same(await admin.smembers(`meterflow:${g}:members`), ['a'], 'reaped from the set');
  });

  t.test('two deployments with different group names do not see each other', async (t) => {
    const blue = await startMember(t, REDIS_URL, { group: group(t), memberId: 'same-id' });
    const green = await startMember(t, REDIS_URL, { group: group(t), memberId: 'other' });
    await blue.m.join();
    await green.m.join();
    t.same(await blue.m.members(), ['same-id']);
    t.same(await green.m.members(), ['other']);
    t.notOk(
      blue.events.some((e) => e.event.kind === 'joined' && e.event.member === 'other'),
      'no event crossed the groups',
    );
  });

  t.test('AUTH with an ACL user works; a wrong password fails clearly without leaking it', async (t) => {
    const user = unique('mf-user');
    const password = unique('pw-secret');
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~meterflow:*', '&meterflow:*', '+@all');
    t.teardown(() => admin.call('ACL', 'DELUSER', user));
    const base = new URL(REDIS_URL);
    const url = `redis://${user}:${password}@${base.host}`;
    const g = group(t);
    const m = await startMember(t, url, { group: g, memberId: 'acl' });
    await m.m.join();
    t.same(await m.m.members(), ['acl'], 'a member authenticated as the ACL user');

    const wrong = unique('wrong-pw');
    const bad = createRedis(`redis://${user}:${wrong}@${base.host}`);
    t.teardown(() => bad.disconnect());
    const err = await connectRedis(bad).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    t.equal(err?.code, 'redis_auth_failed');
    t.match(err?.message, /refused the credentials/);
    t.notMatch(err?.message, wrong, 'the wrong password is not in the message');
    t.notMatch(JSON.stringify(err, Object.getOwnPropertyNames(err ?? {})), wrong, 'nor anywhere on the error');
  });

  t.test('ioredis fits the narrow interfaces', async (t) => {
    const redis = await redisClient(t);
    const asRedisLike: MembershipRedis = redis; // a compile-time check as much as a runtime one
    const subscriber = redis.duplicate();
    t.teardown(() => subscriber.disconnect());
    const m = new GroupMembership({ redis: asRedisLike, subscriber, connection: redis });
    t.equal(m.group, 'meterflow');
    t.ok(m.memberId);
  });
}
