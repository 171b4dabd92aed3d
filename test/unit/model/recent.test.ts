import t from 'tap';
import { RecentByIdentity } from '../../../src/model/recent.js';

t.test('remembers the last entries by identity and forgets the oldest', async (t) => {
  const recent = new RecentByIdentity<string>(2);
  const a = {};
  const b = {};
  const c = {};
  t.equal(recent.get(a), undefined);
  recent.set(a, 'a');
  recent.set(b, 'b');
  t.equal(recent.get(a), 'a');
  t.equal(recent.get(b), 'b');
  t.equal(recent.get({}), undefined, 'an equal object is another object');
  recent.set(c, 'c');
  t.equal(recent.get(a), undefined, 'the oldest was forgotten');
  t.equal(recent.get(b), 'b');
  t.equal(recent.get(c), 'c');
});
