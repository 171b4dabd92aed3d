import t from 'tap';
import { compileJsonPath, JsonPathSyntaxError } from '../../../../src/definitions/jsonpath/index.js';
import { MeterflowError } from '../../../../src/errors.js';

function errorOf(expr: string): JsonPathSyntaxError {
  try {
    compileJsonPath(expr);
  } catch (err) {
    if (err instanceof JsonPathSyntaxError) return err;
    throw err;
  }
  throw new Error(`${expr} compiled`);
}

t.test('syntax errors name the token and its column', async (t) => {
  const cases: [string, number, RegExp][] = [
    ['%', 1, /unexpected character '%'/],
    ['B/', 3, /unexpected end of expression/],
    ['$.a.', 5, /unexpected end of expression \(expected a field name\)/],
    ['$.a[', 5, /unexpected end/],
    ['$.a[x]', 5, /unexpected 'x'.*inside \[ \]/],
    ['$.a]', 4, /unexpected '\]'/],
    ['$.a $.b', 5, /unexpected '\$' \(expected an operator, \| or the end\)/],
    ["$.a[?(@.name='x']", 17, /unexpected '\]' \(expected '\)'\)/],
    ['$.a[?(@.name=)]', 14, /unexpected '\)' \(expected a quoted string, a number or a word\)/],
    ["$.a[?(@.name='x')", 18, /unexpected end/],
    ["$.a + 'unterminated", 7, /unterminated string/],
    ['$.a.`len', 5, /unterminated extension/],
    ['$.a.`nope`', 5, /unknown extension `nope` \(known: len/],
    ['$.a.`split(#)`', 5, /invalid extension `split\(#\)`/],
    ['$.a.`sub(/(/, x)`', 5, /invalid extension/],
    ['$.a.`sub(/a/, \\3)`', 5, /invalid group reference 3/],
    ['', 1, /unexpected end of expression \(expected a path\)/],
    ['$.a +', 6, /unexpected end/],
    ['(a|b', 5, /expected '\)'/],
    ['$.a[1:2:3]', 8, /unexpected ':'/],
  ];
  for (const [expr, column, message] of cases) {
    const err = errorOf(expr);
    t.equal(err.column, column, `${expr}: column`);
    t.match(err.message, message, `${expr}: message`);
    t.equal(err.expression, expr);
  }
});

t.test('the error is part of the meterflow hierarchy', async (t) => {
  const err = errorOf('%');
  t.ok(err instanceof Error);
  t.ok(err instanceof MeterflowError);
  t.equal(err.code, 'jsonpath_syntax');
  t.equal(err.name, 'JsonPathSyntaxError');
  t.match(err.message, /at column 1 in jsonpath "%"/);
});
