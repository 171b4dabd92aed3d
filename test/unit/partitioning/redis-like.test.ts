import { Redis } from 'ioredis';
import t from 'tap';
import type { RedisLike } from '../../../src/partitioning/index.js';

t.test('an ioredis client is a RedisLike (the narrow interface only names commands ioredis has)', async (t) => {
  const client = new Redis({ lazyConnect: true });
  const narrow: RedisLike = client;
  t.equal(typeof narrow.eval, 'function');
  client.disconnect();
});
