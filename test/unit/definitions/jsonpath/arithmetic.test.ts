import t from 'tap';
import { PyFloat } from '../../../../src/model/py-float.js';
import type { PyJson } from '../../../../src/model/sample.js';
import { compileJsonPath } from '../../../../src/definitions/jsonpath/index.js';

const values = (expr: string, data: PyJson = {}): PyJson[] =>
  compileJsonPath(expr)
    .find(data)
    .map((m) => m.value);

t.test('precedence and associativity', async (t) => {
  t.same(values('2 + 3 * 4'), [14]);
  t.same(values('(2 + 3) * 4'), [20]);
  t.same(values('10 - 4 - 3'), [3], 'left-associative (oddity 4 fixed)');
  t.same(values('$.a - $.b - $.c', { a: 10, b: 4, c: 3 }), [3]);
  t.same(values('$.a / $.b / $.c', { a: 8, b: 2, c: 2 }), [new PyFloat(2)]);
  t.same(values('$.a.b * 100', { a: { b: 0.5 } }), [new PyFloat(50)], 'paths bind tighter than arithmetic');
  t.same(values('$.a * -1', { a: 3 }), [-3]);
  t.same(values('$.a + 1 | $.b', { b: 'fallback' }), ['fallback'], '| is looser than +');
});

t.test('string concatenation', async (t) => {
  const d = { payload: { host: 'h1', nodename: 'n1', base_id: 'b' } };
  t.same(values('$.payload.host + "_" + $.payload.nodename', d), ['h1_n1']);
  t.same(values("'prefix-' + $.payload.host", d), ['prefix-h1'], 'may start with a string literal');
  t.same(values('"profiler-" + $.payload.base_id', d), ['profiler-b']);
  t.same(values("'a' + 'b'"), ['ab']);
  t.same(values("$.n + 'a'.b", { n: 1, a: { b: 2 } }), [3], 'a quoted name followed by a step is a path');
  t.same(values("'a' * 2", { a: 3 }), [], "a quoted string next to an operator is a string: 'a' * 2 has no value");
  t.same(values('$.payload.host + "_" + $.payload.missing', d), [], 'a missing operand: no value');
  t.same(values('$.h + "_" + $.n', { h: 42, n: 'x' }), [], 'number + non-numeric string: no value');
  t.equal(compileJsonPath('$.payload.host + "_"').find(d)[0]?.path, 'payload.host', 'path of the left operand');
  t.equal(compileJsonPath('"p-" + $.payload.host').find(d)[0]?.path, 'payload.host', 'or of the path operand');
});

t.test('element-wise path × path', async (t) => {
  const d = { a: [1, 2, 3], b: [10, 20, 30], c: [1] };
  t.same(values('$.a[*] + $.b[*]', d), [11, 22, 33]);
  t.same(values('$.a[*] * $.c[*]', d), [], 'different counts: no match');
  t.same(values('$.a[*] * 2', d), [2, 4, 6], 'literal applies per match');
  t.same(values('100 - $.a[*]', d), [99, 98, 97]);
  t.same(values('$.x + $.y', {}), []);
  const paths = compileJsonPath('$.a[*] * 2')
    .find(d)
    .map((m) => m.path);
  t.same(paths, ['a.[0]', 'a.[1]', 'a.[2]']);
});

t.test('number types follow Python', async (t) => {
  t.same(values('$.a + $.b', { a: 1, b: 2 }), [3], 'int + int = int');
  t.same(values('$.a / $.b', { a: 6, b: 3 }), [new PyFloat(2)], 'true division gives a float');
  t.same(values('$.a / $.b', { a: 1, b: 4 }), [0.25]);
  t.same(values('$.a * 100', { a: 0.5 }), [new PyFloat(50)], 'float * int = float, integral stays a float');
  t.same(values('$.a + 1', { a: new PyFloat(2) }), [new PyFloat(3)]);
  t.same(values('$.a * $.a', { a: 9007199254740993n }), [81129638414606699710187514626049n], 'big ints');
  t.same(values('$.a * 2', { a: 9007199254740991 }), [18014398509481982n], 'overflow to big int');
  t.same(values('$.a - 1', { a: 9007199254740993n }), [9007199254740992n]);
  t.same(values('$.a - $.b', { a: 9007199254740993n, b: 9007199254740992n }), [1], 'back to a safe number');
  t.same(
    values('$.a * 2.5', { a: 2 }),
    [5].map((v) => new PyFloat(v)),
  );
  t.same(values('1.5e3 + 0'), [new PyFloat(1500)]);
});

t.test('numeric strings are numbers, not repeated (oddity 4 fixed)', async (t) => {
  t.same(values('$.a * 100', { a: '0.5' }), [new PyFloat(50)]);
  t.same(values('$.a * 100', { a: '1' }), [100]);
  t.same(values('$.a * 100', { a: ' 512 ' }), [51200]);
  t.same(values('$.a - $.b', { a: '10', b: '4' }), [6]);
  t.same(values('$.a + 1', { a: '41' }), [42], 'numeric string + number');
  t.same(values('$.a + $.b', { a: '4', b: '1' }), ['41'], 'string + string concatenates');
  t.same(values('$.a * 100', { a: 'abc' }), []);
  t.same(values('$.a * 100', { a: 'NaN' }), [], 'nan and inf are not numbers here');
  t.same(values('$.a / 2', { a: '1e3' }), [new PyFloat(500)]);
});

t.test('operands without a value never throw', async (t) => {
  for (const bad of [null, true, false, [1], { x: 1 }]) {
    t.same(values('$.a * 100', { a: bad }), [], `${JSON.stringify(bad)} * 100`);
    t.same(values('$.a + "_"', { a: bad }), []);
  }
  t.same(values('$.a / 0', { a: 1 }), [], 'division by zero');
  t.same(values('$.a / $.b', { a: 1, b: new PyFloat(0) }), []);
  t.same(values('$.a * 10', { a: new PyFloat(1e308) }), [], 'float overflow to infinity');
  t.same(values('$.a * 10', { a: 1e308 }).length, 1, 'an integral number is a Python int: no overflow');
  t.same(values('$.a[*] * 2', { a: [1, null, 'x', 3] }), [2, 6], 'bad elements are skipped');
});

t.test('identity idiom: (X - X) + Y folds to Y', async (t) => {
  const p = compileJsonPath("$.payload.outcome - $.payload.outcome + 'identity.authenticate.' + $.payload.outcome");
  t.same(
    p.find({ payload: { outcome: 'success' } }).map((m) => m.value),
    ['identity.authenticate.success'],
  );
  t.same(
    p.find({ payload: { outcome: 'failure' } }).map((m) => m.value),
    ['identity.authenticate.failure'],
  );
  t.same(
    p.find({ payload: {} }).map((m) => m.value),
    [],
    'missing outcome: no value',
  );
  t.same(
    p.find({ payload: { outcome: 7 } }).map((m) => m.value),
    [],
    'numeric outcome: no value',
  );
  t.same(values('$.a - $.a + $.b', { a: 5, b: 2 }), [2], 'for numbers the fold keeps the value');
  t.same(values('$.a - $.b + 1', { a: 5, b: 2 }), [4], 'different paths are not folded');
  t.same(values('$.a - $.a', { a: 5 }), [0]);
});

t.test('the fold compares whole paths', async (t) => {
  const same = [
    '$.a[*]',
    '$.a.*',
    '$.a[0:1]',
    '$.a[:2]',
    '$.a[-1]',
    "$.a[?(@.k='v' & @.n)]",
    '$.a[?(@.k=1.0)]',
    '$..a',
    '$.a.`len`',
    '$.a.(b|c)',
    "$.'x y'",
    '(($.a)|($.b))',
    '($.a + 1)',
    '(@.p).q',
  ];
  for (const x of same) t.same(values(`${x} - ${x} + 'k'`), ['k'], `${x} is folded`);
  const different = [
    ["$.a[?(@.k='v')]", "$.a[?(@.k='w')]"],
    ['$.a[?(@.k=1.0)]', '$.a[?(@.k=1)]'],
    ['$.a[0]', '$.a[1]'],
    ['$.a', '@.a.b'],
    ['($.a + 1)', '($.a + 2)'],
  ];
  for (const [x, y] of different) t.same(values(`${x} - ${y} + 'k'`), [], `${x} vs ${y} is not folded`);
  t.same(values("1 - 1 + 'k'"), [], 'literals are not folded: 0 + string has no value');
});
