import t from 'tap';
import type { ConnectionStatusEvent } from '../../../src/partitioning/membership-types.js';
import { eventAt, startMember, startPrivateRedis, unique, waitFor } from '../../helpers/redis.js';

// A redis-server of our own on a spare port: restarting the shared one would disturb every other test.
t.test('Redis restarted empty: members notice, re-join on their own, and watchers see them again', async (t) => {
  const server = await startPrivateRedis();
  t.teardown(() => server.dispose());
  const group = unique('mf-restart');
  const a = await startMember(t, server.url, { group, memberId: 'a' });
  const b = await startMember(t, server.url, { group, memberId: 'b' });
  const status: { at: number; kind: ConnectionStatusEvent['kind'] }[] = [];
  a.m.onStatus((e) => status.push({ at: Date.now(), kind: e.kind }));
  await a.m.join();
  await b.m.join();
  await eventAt(b, (e) => e.kind === 'members' && e.members.join() === 'a,b', 0);

  const killedAt = Date.now();
  await server.kill();
  await waitFor('a to see Redis down', () => status.find((s) => s.kind === 'redis-down' && s.at >= killedAt));
  t.notOk(a.m.connected, 'connected is false while Redis is away');
  t.comment(`redis-down after ${status.find((s) => s.kind === 'redis-down')!.at - killedAt} ms`);

  const restartedAt = Date.now();
  await server.start(); // empty: no persistence
  await waitFor('a to see Redis up', () => status.find((s) => s.kind === 'redis-up' && s.at >= restartedAt));
  t.ok(a.m.connected);
  const rejoined = await waitFor('both members back in the restarted Redis', async () => {
    const members = await a.m.members().catch(() => []);
    return members.join() === 'a,b' ? Date.now() : undefined;
  });
  t.comment(`both members re-joined ${rejoined - restartedAt} ms after the restart`);
  t.ok(rejoined - restartedAt < a.m.ttlMs, 're-joined within a TTL, without any help');

  // Whatever b saw meanwhile, its view ends with both members and stays there.
  await waitFor('b to list both members again', () => {
    const last = b.events.findLast((e) => e.event.kind === 'members')?.event;
    return last?.kind === 'members' && last.members.join() === 'a,b';
  });
  t.pass('the watcher sees both members again');
  t.same(await b.m.members(), ['a', 'b']);
  t.ok(
    a.logger.records.some((r) => /re-joined|Redis reachable again/.test(r.msg)),
    'the outage and the re-join were logged',
  );
});
