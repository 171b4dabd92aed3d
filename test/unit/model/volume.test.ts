import t from 'tap';
import { PyFloat } from '../../../src/model/py-float.js';
import { coerceVolume } from '../../../src/model/volume.js';

t.test('accepted volumes and what they become', async (t) => {
  const table: [unknown, unknown][] = [
    [0, 0],
    [-5, -5],
    [2.5, 2.5],
    [new PyFloat(64), new PyFloat(64)],
    [18446744073709551617n, 18446744073709551617n],
    [true, 1],
    [false, 0],
    ['4096', 4096],
    ['  512 ', 512],
    ['-40', -40],
    ['+7', 7],
    ['007', 7],
    ['-0', 0],
    ['4_096', 4096],
    ['1'.repeat(100), BigInt('1'.repeat(100))],
    ['9007199254740993', 9007199254740993n],
    ['9007199254740991', 9007199254740991],
    ['1e3', new PyFloat(1000)],
    ['1.5e3', new PyFloat(1500)],
    ['40.0', new PyFloat(40)],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['5.', new PyFloat(5)],
    ['-2.25E-1', -0.225],
    ['1_000.5', 1000.5],
  ];
  for (const [input, want] of table) {
    const got = coerceVolume(input);
    t.same(got, { ok: true, volume: want }, `${String(input).slice(0, 20)}`);
    if (got.ok) t.equal(got.volume.constructor, (want as object).constructor, 'Python type kept');
  }
});

t.test('refused volumes', async (t) => {
  t.same(coerceVolume(null), { ok: false, reason: 'volume is None', detail: 'volume is null' });
  t.same(coerceVolume(undefined), { ok: false, reason: 'volume is None', detail: 'volume is missing' });
  const bad: unknown[] = [
    'nan',
    'NaN',
    'inf',
    '-inf',
    '+Infinity',
    'INFINITY',
    '1e400',
    '',
    '  ',
    'abc',
    '2GB',
    '0x10',
    '1__0',
    '_1',
    '1_',
    '1e',
    'e5',
    '.',
    '0.5'.repeat(100),
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    new PyFloat(Number.NaN),
    [],
    [1],
    {},
    { v: 1 },
    Symbol('x'),
  ];
  for (const input of bad) {
    const got = coerceVolume(input);
    t.equal(got.ok, false, String(typeof input === 'symbol' ? 'symbol' : (JSON.stringify(input) ?? input)));
    if (!got.ok) t.equal(got.reason, 'volume is not a number');
  }
  const abc = coerceVolume('abc');
  t.equal(abc.ok ? '' : abc.detail, 'volume "abc" is not a number');
  const long = coerceVolume('x'.repeat(500));
  t.ok(!long.ok && long.detail.length < 100, 'detail stays short');
});
