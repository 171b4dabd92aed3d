import t from 'tap';
import { createRedis, RedisUrlError } from '../../../src/partitioning/redis.js';

t.test('createRedis reads Ceilometer-style backend URLs without connecting', async (t) => {
  const plain = createRedis('redis://127.0.0.1:6390/2');
  t.teardown(() => plain.disconnect());
  t.equal(plain.status, 'wait', 'lazyConnect: nothing happens until the first command');
  t.match(plain.options, { host: '127.0.0.1', port: 6390, db: 2, maxRetriesPerRequest: 1, commandTimeout: 1000 });
  t.equal(plain.options.tls, undefined);
  t.equal(plain.options.retryStrategy?.(50), 1000, 'the reconnect delay is capped, and never gives up');

  const acl = createRedis('rediss://meter%40flow:p%3Ass@redis.example:6380', { tls: { rejectUnauthorized: false } });
  t.teardown(() => acl.disconnect());
  t.match(acl.options, { username: 'meter@flow', password: 'p:ss', port: 6380, db: 0 });
  t.match(acl.options.tls, { servername: 'redis.example', rejectUnauthorized: false });

  const passwordOnly = createRedis('redis://:only-pw@[::1]');
  t.teardown(() => passwordOnly.disconnect());
  t.match(passwordOnly.options, { host: '::1', port: 6379, password: 'only-pw' });
  t.notOk(passwordOnly.options.username, 'no user: AUTH with the password alone');
});

t.test("tooz's query options: db, username, password, ssl and the TLS files", async (t) => {
  const dir = t.testdir({ 'ca.pem': 'CA', 'cert.pem': 'CERT', 'key.pem': 'KEY' });
  const query = `ssl_ca_certs=${dir}/ca.pem&ssl_certfile=${dir}/cert.pem&ssl_keyfile=${dir}/key.pem`;
  const secure = createRedis(`redis://h:6381?ssl=true&db=3&username=u&password=p%26w&${query}`);
  t.teardown(() => secure.disconnect());
  t.match(secure.options, { db: 3, username: 'u', password: 'p&w', port: 6381 });
  t.equal(String(secure.options.tls?.ca), 'CA');
  t.equal(String(secure.options.tls?.cert), 'CERT');
  t.equal(String(secure.options.tls?.key), 'KEY');
  t.equal(secure.options.tls?.servername, 'h');
  const plain = createRedis('redis://h?db=1');
  t.teardown(() => plain.disconnect());
  t.equal(plain.options.tls, undefined, 'no ssl option: plain');
  t.throws(() => createRedis(`rediss://h?ssl_ca_certs=${dir}/missing.pem`), {
    name: 'RedisUrlError',
    message: /ssl_ca_certs: cannot read .*missing\.pem/,
  });
});

t.test('a bad URL is refused without repeating its credentials', async (t) => {
  for (const url of [
    'redis://user:hunter2@host:notaport',
    'http://user:hunter2@host',
    'redis://user:hunter2@host/db1',
  ]) {
    const err = t.throws(() => createRedis(url), RedisUrlError) as unknown as Error;
    t.notMatch(err.message, 'hunter2', url);
  }
});
