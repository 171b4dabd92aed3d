import t from 'tap';
import { isPyFloat, isPyNumber, PyFloat, pyFloat, toNumber } from '../../../src/model/py-float.js';

t.test('PyFloat helpers', async (t) => {
  t.same(pyFloat(25), new PyFloat(25), 'an integral computed float stays a float');
  t.equal(pyFloat(2.5), 2.5);
  t.ok(isPyNumber(1) && isPyNumber(1n) && isPyNumber(new PyFloat(1)));
  t.notOk(isPyNumber('1'));
  t.ok(isPyFloat(new PyFloat(1)) && isPyFloat(0.5));
  t.notOk(isPyFloat(1) || isPyFloat(1n));
  t.equal(toNumber(new PyFloat(3)), 3);
  t.equal(toNumber(7), 7);
  t.equal(toNumber(2n ** 64n), 18446744073709552000);
  t.equal(JSON.stringify({ v: new PyFloat(3) }), '{"v":3}');
  t.equal(+new PyFloat(4), 4);
});
