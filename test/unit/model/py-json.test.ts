import { readFileSync } from 'node:fs';
import t from 'tap';
import { PyFloat } from '../../../src/model/py-float.js';
import { dumpsPyJson, parsePyJson } from '../../../src/model/py-json.js';
import type { PyJson } from '../../../src/model/sample.js';

const fixture = (path: string): string =>
  readFileSync(new URL(`../../../../shared/fixtures/${path}`, import.meta.url), 'utf8');
const lines = (path: string): string[] =>
  fixture(path)
    .split('\n')
    .filter((line) => line !== '');

t.test('file publisher lines (Python json.dumps) round-trip byte for byte', async (t) => {
  const all = lines('wire/file-publisher-lines.jsonl');
  t.ok(all.length > 0);
  for (const line of all) t.equal(dumpsPyJson(parsePyJson(line)), line);
});

t.test('golden files (ensure_ascii=False) round-trip byte for byte', async (t) => {
  for (const file of ['golden/expected.jsonl', 'golden/corpus.jsonl']) {
    const all = lines(file);
    let same = 0;
    for (const line of all) if (dumpsPyJson(parsePyJson(line), { ensureAscii: false }) === line) same++;
    t.equal(same, all.length, file);
  }
});

t.test('captured AMQP bodies and their inner oslo.message round-trip', async (t) => {
  for (const file of ['wire/notifications-info.json', 'wire/metering-sample.json']) {
    for (const { body_raw: body } of JSON.parse(fixture(file)) as { body_raw: string }[]) {
      const envelope = parsePyJson(body) as { [key: string]: PyJson };
      t.equal(dumpsPyJson(envelope), body);
      const inner = envelope['oslo.message'] as string;
      t.equal(dumpsPyJson(parsePyJson(inner)), inner, 'inner message (ensure_ascii, surrogate pairs)');
    }
  }
});

t.test('numbers keep their Python type', async (t) => {
  t.same(parsePyJson('[1, 1.0, 2.5, 1e16, 1E2, -0.0, 0]'), [
    1,
    new PyFloat(1),
    2.5,
    new PyFloat(1e16),
    new PyFloat(100),
    new PyFloat(-0),
    0,
  ]);
  t.ok(parsePyJson('-0.0') instanceof PyFloat);
  t.equal(parsePyJson('18446744073709551617'), 18446744073709551617n);
  t.equal(parsePyJson('-18446744073709551617'), -18446744073709551617n);
  t.equal(parsePyJson('9007199254740991'), 9007199254740991, 'safe 16-digit ints stay numbers');
  t.equal(parsePyJson('9007199254740992'), 9007199254740992n);
  t.same(parsePyJson('{"a": [9007199254740993, 1.5e-7]}'), { a: [9007199254740993n, 1.5e-7] });
  t.same(parsePyJson('[NaN, Infinity, -Infinity]'), [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  t.equal(parsePyJson('1e400'), Number.POSITIVE_INFINITY, 'Python reads an overflow as inf');
});

t.test('fast path and lossless path agree on everything else', async (t) => {
  const docs = [
    '{"s": "a.b 1.5e3 \\" NaN", "n": 12, "t": true, "f": false, "z": null, "l": [], "o": {}}',
    '  [ "x\\\\", {"k\\u00e9": "\\ud83d\\udcbe"} ]  ',
    '"plain"',
    '{"__proto__": 1, "a": {"a": 2}}',
    '{"dup": 1, "x": 0, "dup": 2}',
  ];
  for (const doc of docs) {
    const fast = parsePyJson(doc);
    const slow = parsePyJson(`[${doc}, 0.5]`) as PyJson[];
    t.same(slow[0], fast, doc);
    t.same(fast, JSON.parse(doc));
  }
  const proto = (parsePyJson('[{"__proto__": {"polluted": 1}}, 1.0]') as PyJson[])[0] as object;
  t.equal(Object.getPrototypeOf(proto), Object.prototype, '__proto__ is a plain key');
  t.same(Object.keys(proto), ['__proto__']);
  t.equal(dumpsPyJson(proto), '{"__proto__": {"polluted": 1}}');
});

t.test('the pre-scan finds lossy numbers outside strings only, at any size', async (t) => {
  // Number-free documents skip the scan; short ones use the token regex, long ones the loop.
  t.same(parsePyJson('{"a": "1.0", "b": ["2e5", "NaN"], "c": {"d": "\\"3.5\\""}}'), {
    a: '1.0',
    b: ['2e5', 'NaN'],
    c: { d: '"3.5"' },
  });
  for (const pad of [0, 300_000]) {
    const filler = `"${'x\\"1.5 '.repeat(pad / 8)}"`;
    const doc = (n: string) => `{"f": ${filler}, "s": "9.0", "n": ${n}}`;
    t.equal((parsePyJson(doc('12')) as { n: PyJson }).n, 12, `int, ${pad}`);
    t.same((parsePyJson(doc('80.0')) as { n: PyJson }).n, new PyFloat(80), `float, ${pad}`);
    t.equal((parsePyJson(doc('123456789012345678')) as { n: PyJson }).n, 123456789012345678n, `big, ${pad}`);
    t.same((parsePyJson(doc('1E2')) as { n: PyJson }).n, new PyFloat(100), `exponent, ${pad}`);
    t.equal((parsePyJson(doc('-123456789012345')) as { n: PyJson }).n, -123456789012345, `15 digits, ${pad}`);
    // 16 digits below 9·10^15 are exact doubles: the native result stands.
    t.equal((parsePyJson(doc('1307374400000000')) as { n: PyJson }).n, 1307374400000000, `16 digits, ${pad}`);
    t.equal((parsePyJson(doc('-8999999999999999')) as { n: PyJson }).n, -8999999999999999, `16 digits <9e15, ${pad}`);
    t.equal((parsePyJson(doc('9007199254740993')) as { n: PyJson }).n, 9007199254740993n, `16 digits ≥9e15, ${pad}`);
    t.equal((parsePyJson(doc('9007199254740991')) as { n: PyJson }).n, 9007199254740991, `16 digits, 9…, ${pad}`);
    t.equal((parsePyJson(doc('10000000000000000')) as { n: PyJson }).n, 10000000000000000n, `17 digits, ${pad}`);
    t.same((parsePyJson(doc('1307374400000000.0')) as { n: PyJson }).n, new PyFloat(1307374400000000), `16.0, ${pad}`);
  }
  // Too deep for the recursive number walk (and for the lossless parser): the scan decides.
  const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
  let value = parsePyJson(deep);
  while (Array.isArray(value)) value = value[0] as PyJson;
  t.equal(value, 1, 'nested deeper than a recursive walk');
  t.same(parsePyJson('[NaN, -Infinity]'), [Number.NaN, Number.NEGATIVE_INFINITY], 'not JSON to V8');
});

t.test('decimals that cannot be integral stay on the native parser, the rest go lossless', async (t) => {
  const cases: [string, PyJson][] = [
    ['73.27905743666666', 73.27905743666666],
    ['-0.5', -0.5],
    ['123456789012345.8', 123456789012345.8],
    ['2.1000000000000000000001', 2.1],
    ['1.0', new PyFloat(1)],
    ['1.09', 1.09],
    ['1.9', 1.9],
    ['2.99999999999999999999', new PyFloat(3)],
    ['1.00000000000000000001', new PyFloat(1)],
    ['9007199254740993.5', new PyFloat(9007199254740994)],
    ['1234567890123456.5', 1234567890123456.5],
    ['1.5e3', new PyFloat(1500)],
    ['1.55e3', new PyFloat(1550)],
    ['1.25E+2', new PyFloat(125)],
    ['4.5e-1', 0.45],
    // At most 15 digits with a non-zero fraction digit: native, whatever the first fraction digit.
    ['0.05', 0.05],
    ['-7.96', -7.96],
    ['4568333.095969', 4568333.095969],
    ['99999999999999.9', 99999999999999.9],
    ['0.000000000001', 1e-12],
    ['1.000', new PyFloat(1)],
    ['0.0', new PyFloat(0)],
    ['-0.0', new PyFloat(-0)],
    // Longer: lossless, integral or not.
    ['0.99999999999999999', new PyFloat(1)],
    ['4503599627370495.9', new PyFloat(4503599627370496)],
    ['12345678901234.09', 12345678901234.09],
  ];
  for (const [token, want] of cases) {
    t.same(parsePyJson(`{"v": ${token}, "s": "x"}`), { v: want, s: 'x' }, token);
    t.same(parsePyJson(`[${token}]`), [want], `${token} in an array`);
  }
  // Whatever the path, the result equals the lossless parser's (forced by a NaN elsewhere).
  for (const [token] of cases) {
    const forced = parsePyJson(`[${token}, NaN]`) as PyJson[];
    t.same(parsePyJson(`[${token}]`), [forced[0]], `${token} as the lossless parser reads it`);
  }
});

t.test('invalid JSON throws SyntaxError on both paths', async (t) => {
  const bad = [
    '',
    '{',
    '[1,]',
    '{"a" 1}',
    '01',
    '1.',
    '.5',
    '1e',
    '-',
    'nan',
    'tru',
    '"open',
    '"a\\x"',
    '"\t"',
    '[1] x',
    '{"a": 1.0,}',
    '[1.0 2]',
  ];
  for (const doc of bad) t.throws(() => parsePyJson(doc), SyntaxError, JSON.stringify(doc));
});

t.test('dumps formats like json.dumps', async (t) => {
  const value = {
    a: 1,
    b: new PyFloat(25),
    c: 2.5,
    d: 1e-7,
    e: new PyFloat(1e16),
    f: 18446744073709551617n,
    g: null,
    h: [true, false],
    i: 'é"\\\n\u007f💾',
    skip: undefined,
  };
  t.equal(
    dumpsPyJson(value),
    '{"a": 1, "b": 25.0, "c": 2.5, "d": 1e-07, "e": 1e+16, "f": 18446744073709551617, "g": null, "h": [true, false], "i": "\\u00e9\\"\\\\\\n\\u007f\\ud83d\\udcbe"}',
  );
  t.equal(dumpsPyJson(value, { compact: true }).slice(0, 26), '{"a":1,"b":25.0,"c":2.5,"d');
  t.equal(dumpsPyJson({ i: 'é"\u0001💾' }, { ensureAscii: false }), '{"i": "é\\"\\u0001💾"}');
  t.equal(
    dumpsPyJson([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, new PyFloat(-0)]),
    '[NaN, Infinity, -Infinity, 0, -0.0]',
  );
  t.equal(dumpsPyJson([1e21, undefined]), '[1000000000000000000000, null]');
  t.equal(dumpsPyJson({}), '{}');
  t.equal(dumpsPyJson([]), '[]');
  t.throws(() => dumpsPyJson(undefined), TypeError);
  t.throws(() => dumpsPyJson({ f: () => 1 }), TypeError);
});
