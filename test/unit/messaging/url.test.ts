import t from 'tap';
import { describeEndpoint, parseTransportUrl } from '../../../src/messaging/url.js';

t.test('oslo multi-host URL: failover order, per-host credentials, vhost', async (t) => {
  const u = parseTransportUrl('rabbit://u1:p%40ss@h1:5673,u2:pw2@h2/nova?ssl=0&heartbeat=30');
  t.same(u.endpoints, [
    { protocol: 'amqp', hostname: 'h1', port: 5673, username: 'u1', password: 'p@ss', vhost: 'nova' },
    { protocol: 'amqp', hostname: 'h2', port: 5672, username: 'u2', password: 'pw2', vhost: 'nova' },
  ]);
  t.same(u.query, { ssl: '0', heartbeat: '30' });
  t.equal(u.describe(), 'amqp://***@h1:5673,***@h2:5672/nova');
});

t.test('vhost decoding: empty and `/` path mean `/`, %2F is `/`', async (t) => {
  t.equal(parseTransportUrl('amqp://h').vhost, '/');
  t.equal(parseTransportUrl('amqp://h/').vhost, '/');
  t.equal(parseTransportUrl('amqp://h/%2F').vhost, '/');
  t.equal(parseTransportUrl('amqp://h/%2Fprod').vhost, '/prod');
  t.equal(parseTransportUrl('amqp://h/a%20b').vhost, 'a b');
});

t.test('defaults, TLS, IPv6 and credential inheritance', async (t) => {
  const u = parseTransportUrl('amqps://[::1],other:5670');
  t.same(
    u.endpoints.map((e) => [e.protocol, e.hostname, e.port, e.username, e.password]),
    [
      ['amqps', '::1', 5671, 'guest', 'guest'],
      ['amqps', 'other', 5670, 'guest', 'guest'],
    ],
  );
  t.equal(u.describe(), 'amqps://***@[::1]:5671,***@other:5670/');
  t.equal(parseTransportUrl('rabbit://h?ssl=true').endpoints[0]!.protocol, 'amqps', '?ssl=true as oslo');
  t.equal(parseTransportUrl('rabbit+ssl://h').endpoints[0]!.port, 5671);
  const inherited = parseTransportUrl('rabbit://me:pw@a,b:1/');
  t.same([inherited.endpoints[1]!.username, inherited.endpoints[1]!.password], ['me', 'pw']);
  t.same(parseTransportUrl('rabbit://me@a').endpoints[0]!.password, '', 'user without password');
  t.equal(describeEndpoint(u.endpoints[0]!), 'amqps://***@[::1]:5671/%2F');
});

t.test('errors never show credentials', async (t) => {
  for (const bad of ['kafka://u:secret@h', 'u:secret@h', 'amqp://u:secret@h:99999', 'amqp://u:secret@h/%E0%A4%A']) {
    t.throws(() => parseTransportUrl(bad), { code: 'transport_url_invalid' }, bad);
    try {
      parseTransportUrl(bad);
    } catch (err) {
      t.notMatch(String((err as Error).message), /secret/);
    }
  }
});
