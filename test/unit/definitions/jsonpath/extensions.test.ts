import t from 'tap';
import { compileJsonPath } from '../../../../src/definitions/jsonpath/index.js';
import { PyFloat } from '../../../../src/model/py-float.js';
import type { PyJson } from '../../../../src/model/sample.js';

const values = (expr: string, data: PyJson): PyJson[] =>
  compileJsonPath(expr)
    .find(data)
    .map((m) => m.value);

t.test('split (golden oddity 14)', async (t) => {
  const provider = compileJsonPath('$.payload.name_to_id.`split(#, 0, 1)`');
  const of = (v: PyJson): PyJson[] => provider.find({ payload: { name_to_id: v } }).map((m) => m.value);
  t.same(of('host@backend'), ['host@backend'], 'no separator: whole string');
  t.same(of('h@b#p#q'), ['h@b']);
  t.same(of(42), [], 'non-string: no value');
  t.same(of(null), []);
  t.equal(provider.find({ payload: { name_to_id: 'a#b' } })[0]?.path, 'payload.name_to_id.`split(#, 0, 1)`');
  t.same(values('$.s.`split(#, 1, 1)`', { s: 'a#b#c' }), ['b#c'], 'maxsplit limits the cuts');
  t.same(values('$.s.`split(#, 2, -1)`', { s: 'a#b#c' }), ['c'], '-1: unlimited');
  t.same(values('$.s.`split(#, 3, -1)`', { s: 'a#b#c' }), [], 'index out of range');
  t.same(values('$.s.`split(#, -1, -1)`', { s: 'a#b#c' }), ['c'], 'negative index');
  t.same(values('$.s.`split(., 1, -1)`', { s: 'x.y.z' }), ['y']);
  t.same(values('$.s.`split(,, 1, -1)`', { s: 'x,y' }), ['y'], 'a comma separator');
  t.same(values('$.s.`split(::, 1, -1)`', { s: 'a::b' }), ['b'], 'a longer separator');
  t.same(values('$.s.`split(#, 0, 0)`', { s: 'a#b' }), ['a#b'], 'maxsplit 0: no cut');
});

t.test('sub', async (t) => {
  t.same(values('$.s.`sub(/foo/, bar)`', { s: 'foofoo' }), ['barbar'], 'every occurrence');
  t.same(values('$.s.`sub(/(\\w+)@(\\w+)/, \\2:\\1)`', { s: 'host@back' }), ['back:host'], 'numbered groups');
  t.same(values('$.s.`sub(/(?P<h>\\w+)@/, \\g<h>-)`', { s: 'host@back' }), ['host-back'], 'named groups');
  t.same(values('$.s.`sub(/x/, y)`', { s: 'abc' }), ['abc'], 'no match: unchanged');
  t.same(values('$.s.`sub(/^/, $1)`', { s: 'a' }), ['$1a'], 'a $ in the replacement is literal');
  t.same(values('$.s.`sub(/a/, b)`', { s: 5 }), [], 'non-string: no value');
  t.same(values('$.s.`sub(/(?i)A/, b)`', { s: 'aA' }), ['bb'], 'inline flags');
});

t.test('len, sorted, str, this', async (t) => {
  t.same(values('$.l.`len`', { l: [1, 2, 3] }), [3]);
  t.same(values('$.l.`len`', { l: 'h\u{1F600}!' }), [3], 'Python counts code points');
  t.same(values('$.l.`len`', { l: { a: 1, b: 2 } }), [2]);
  t.same(values('$.l.`len`', { l: 5 }), []);
  t.same(values('`len`', [1, 2]), [2], 'alone: applies to the document');
  t.same(values('$.l.`sorted`', { l: [3, 1.5, new PyFloat(2), 10n] }), [[1.5, new PyFloat(2), 3, 10n]]);
  t.same(values('$.l.`sorted`', { l: ['b', 'a', 'C'] }), [['C', 'a', 'b']]);
  t.same(values('$.l.`sorted`', { l: { b: 1, a: 2 } }), [['a', 'b']], 'a dict: its sorted keys');
  t.same(values('$.l.`sorted`', { l: [1, 'a'] }), [], 'mixed types cannot be sorted');
  t.same(values('$.l.`sorted`', { l: 'x' }), ['x'], 'other values unchanged');
  t.same(values('$.n.`str`', { n: 5 }), ['5']);
  t.same(values('$.n.`str()`', { n: new PyFloat(25) }), ['25.0']);
  t.same(values('$.n.`str`', { n: 1e-5 }), ['1e-05']);
  t.same(values('$.n.`str`', { n: true }), ['True']);
  t.same(values('$.n.`this`', { n: 'x' }), ['x']);
  t.same(values('$.l[*].`str`', { l: [1, 2] }), ['1', '2'], 'per match');
  t.same(values('$.l.`len` * 2', { l: [1, 2] }), [4], 'extensions feed arithmetic');
});
