import t from 'tap';
import {
  compileExpression,
  ExpressionEvaluationError,
  ExpressionSyntaxError,
  MISSING,
  type PyValue,
} from '../../../src/expression/index.js';
import { isPyFloat, PyFloat } from '../../../src/model/py-float.js';

const scope = {
  volume: 60,
  fvolume: 2.5,
  name: 'cpu',
  resource_metadata: { cpu_number: 4, flavor: { vcpus: 2 }, list: [1, 2, 3], empty: {} },
};
const run = (src: string, s: Record<string, PyValue> = scope): PyValue => compileExpression(src).evaluate(s);
const num = (v: PyValue): number => Number((v as number | PyFloat).valueOf());

t.test('arithmetic with Python precedence and types', async (t) => {
  t.equal(run('1 + 2 * 3'), 7);
  t.equal(run('(1 + 2) * 3'), 9);
  t.equal(run('-2 ** 2'), -4, 'power binds tighter than unary minus');
  t.equal(run('2 ** 3 ** 2'), 512, 'power is right associative');
  t.equal(num(run('2 ** -1')), 0.5);
  t.equal(run('10 ** 9'), 1_000_000_000);
  t.equal(run('10 ** 30'), 10n ** 30n, 'big ints stay exact');
  t.equal(run('7 % 3'), 1);
  t.equal(run('-7 % 3'), 2, 'modulo takes the sign of the divisor');
  t.equal(run('-7 // 2'), -4, 'floor division');
  t.equal(num(run('7 / 2')), 3.5);
  const div = run('6 / 3');
  t.ok(div instanceof PyFloat && div.value === 2, '/ is true division: int / int is a float (2.0)');
  t.ok(isPyFloat(run('100.0')), 'float literal stays a float');
  t.ok(isPyFloat(run('2.5 * 2')), 'float result stays a float');
  t.equal(run('3 * 2'), 6);
  t.equal(run('True + 1'), 2, 'bool is an int');
  t.equal(run("'a' + 'b'"), 'ab');
});

t.test('cpu_util scale expression', async (t) => {
  const expr = compileExpression('100.0 / (10**9 * (resource_metadata.cpu_number or 1))');
  t.equal(num(expr.evaluate({ resource_metadata: { cpu_number: 4 } })), 2.5e-8);
  t.equal(num(expr.evaluate({ resource_metadata: {} })), 1e-7, 'missing cpu_number falls back to 1');
  t.equal(num(expr.evaluate({})), 1e-7, 'missing resource_metadata too');
});

t.test('attribute and subscript access', async (t) => {
  t.equal(run('resource_metadata.cpu_number'), 4);
  t.equal(run("resource_metadata['cpu_number']"), 4);
  t.equal(run('resource_metadata.flavor.vcpus'), 2);
  t.equal(run("resource_metadata['flavor']['vcpus']"), 2);
  t.equal(run('resource_metadata.list[1]'), 2);
  t.equal(run('resource_metadata.list[-1]'), 3);
  t.equal(run('name'), 'cpu');
  t.throws(() => run('resource_metadata.list[5]'), ExpressionEvaluationError);
  t.throws(() => run('volume.real'), ExpressionEvaluationError, 'no attributes on numbers');
});

t.test('missing names are the falsy empty namespace', async (t) => {
  t.equal(run('nope'), MISSING);
  t.equal(run('resource_metadata.missing.deeper.still'), MISSING, 'a.b.c.d on missing data is fine');
  t.equal(run("resource_metadata['missing']['x']"), MISSING);
  t.equal(run('resource_metadata.missing or 1'), 1);
  t.equal(run('resource_metadata.empty or 5'), 5, 'an empty dict is falsy');
  t.equal(run('not resource_metadata.missing'), true);
  t.throws(() => run('resource_metadata.missing + 1'), ExpressionEvaluationError, 'fails in arithmetic');
  t.throws(() => run('-nope'), ExpressionEvaluationError);
  t.throws(() => run('nope < 1'), ExpressionEvaluationError);
});

t.test('boolean operators return operands (Python semantics)', async (t) => {
  t.equal(run('0 or 2'), 2);
  t.equal(run('3 or 2'), 3);
  t.equal(run('0 and 2'), 0);
  t.equal(run('3 and 2'), 2);
  t.equal(run("'' or 'x'"), 'x');
  t.equal(run('None or False'), false);
  t.equal(run('not 0'), true);
  t.equal(run('not 1 and 0'), false, 'not binds tighter than and');
  t.equal(run('1 or 0 and 0'), 1, 'and binds tighter than or');
  t.equal(run('None'), null);
});

t.test('comparisons', async (t) => {
  t.equal(run('1 < 2'), true);
  t.equal(run('1 < 2 < 3'), true, 'chained');
  t.equal(run('1 < 3 < 2'), false);
  t.equal(run('2 == 2.0'), true);
  t.equal(run('1 != 2'), true);
  t.equal(run("'a' < 'b'"), true);
  t.equal(run('volume >= 60'), true);
  t.equal(run('1 + 1 == 2'), true, 'arithmetic binds tighter');
  t.equal(run("1 == 'a'"), false);
  t.throws(() => run("1 < 'a'"), ExpressionEvaluationError);
});

t.test('evaluation errors are typed', async (t) => {
  t.throws(() => run('1 / 0'), { code: 'expression_failed', message: 'division by zero' });
  t.throws(() => run('1.0 / 0'), { message: 'float division by zero' });
  t.throws(() => run('1 % 0'), ExpressionEvaluationError);
  t.throws(() => run('10 ** 10 ** 10'), { message: 'integer result too large' });
  t.throws(() => run("'a' * 2"), ExpressionEvaluationError);
});

t.test('syntax errors carry a column', async (t) => {
  const cases: [string, string, number][] = [
    ['abs(1)', 'function calls are not allowed', 4],
    ["float('nan')", 'function calls are not allowed', 6],
    ['resource_metadata.get(1)', 'function calls are not allowed', 22],
    ['1 +', 'unexpected end of expression', 4],
    ['(1 + 2', "expected ')'", 7],
    ['1 + * 2', "unexpected '*'", 5],
    ["'abc", 'unterminated string literal', 1],
    ['1 @ 2', "unexpected character '@'", 3],
    ['lambda x', "unsupported keyword 'lambda'", 1],
    ['1 if 2 else 3', "unexpected 'if'", 3],
    ['a.', 'unexpected end of expression', 3],
    ['012', 'leading zeros in integer literals are not permitted', 1],
    ['1 2', "unexpected '2'", 3],
  ];
  for (const [src, reason, column] of cases) {
    const err = t.throws(() => compileExpression(src), ExpressionSyntaxError) as unknown as ExpressionSyntaxError;
    t.equal(err.reason, reason, src);
    t.equal(err.column, column, `${src} column`);
    t.equal(err.message, `${reason} at column ${column}`);
  }
});

t.test('literals', async (t) => {
  t.equal(run('1_000'), 1000);
  t.equal(num(run('1e3')), 1000);
  t.ok(isPyFloat(run('1e3')));
  t.equal(num(run('.5')), 0.5);
  t.equal(run('"a\\tb"'), 'a\tb');
  t.equal(run('True'), true);
  t.equal(run('False'), false);
});

t.test('a function scope resolves names', async (t) => {
  const expr = compileExpression('x * 2');
  t.equal(
    expr.evaluate((name) => (name === 'x' ? 21 : MISSING)),
    42,
  );
  t.equal(expr.source, 'x * 2');
});
