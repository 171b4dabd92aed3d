import t from 'tap';
import { PyFloat } from '../../../src/model/py-float.js';
import {
  bytesRepr,
  comparePyStr,
  floatRepr,
  numberStr,
  pyRepr,
  pyReprBytesList,
  pyStr,
  strRepr,
} from '../../../src/model/py-str.js';

t.test('float repr matches CPython', async (t) => {
  // [value, repr(value)] as printed by Python 3.
  const table: [number, string][] = [
    [0, '0.0'],
    [-0, '-0.0'],
    [1, '1.0'],
    [25, '25.0'],
    [2.5, '2.5'],
    [0.1, '0.1'],
    [1e-4, '0.0001'],
    [1e-5, '1e-05'],
    [0.00012, '0.00012'],
    [9.999999999999999e-6, '9.999999999999999e-06'],
    [1e15, '1000000000000000.0'],
    [1e16, '1e+16'],
    [9999999999999998, '9999999999999998.0'],
    [1.0000000000000002e16, '1.0000000000000002e+16'],
    [1.5e-7, '1.5e-07'],
    [1e-7, '1e-07'],
    [123456789.123, '123456789.123'],
    [1e21, '1e+21'],
    [1e22, '1e+22'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [-1.5e300, '-1.5e+300'],
    [0.30000000000000004, '0.30000000000000004'],
    [1e100, '1e+100'],
    [2 ** 53, '9007199254740992.0'],
    [1234567890123456.8, '1234567890123456.8'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
    [Number.NaN, 'nan'],
  ];
  for (const [value, want] of table) t.equal(floatRepr(value), want, want);
});

t.test('pyStr of scalars follows the int/float convention', async (t) => {
  t.equal(pyStr(null), 'None');
  t.equal(pyStr(true), 'True');
  t.equal(pyStr(false), 'False');
  t.equal(pyStr(10), '10');
  t.equal(pyStr(-0), '0');
  t.equal(pyStr(1e21), '1000000000000000000000', 'an integral number is an int, never an exponent');
  t.equal(pyStr(2.5), '2.5');
  t.equal(pyStr(new PyFloat(25)), '25.0');
  t.equal(pyStr(new PyFloat(1e16)), '1e+16');
  t.equal(numberStr(new PyFloat(3)), '3.0');
  t.equal(numberStr(2n ** 70n), '1180591620717411303424');
  t.equal(pyStr(18446744073709551617n), '18446744073709551617');
  t.equal(pyStr('text as is'), 'text as is');
  t.equal(pyStr(['a', 1, { k: null, b: [true, new PyFloat(2)] }]), "['a', 1, {'k': None, 'b': [True, 2.0]}]");
  t.equal(pyStr({}), '{}');
  t.equal(pyStr([]), '[]');
  t.equal(pyStr({ state: 'alarm', n: 1.5 }), "{'state': 'alarm', 'n': 1.5}", 'dict repr keeps insertion order');
});

t.test('str repr quoting and escapes', async (t) => {
  t.equal(strRepr("a'b"), `"a'b"`);
  t.equal(strRepr('a"b'), `'a"b'`);
  t.equal(strRepr(`a'"b`), `'a\\'"b'`);
  t.equal(strRepr('tab\there\n\r\\'), "'tab\\there\\n\\r\\\\'");
  t.equal(
    strRepr('\x00\x7f\x85\xa0é\u200b\u2028ü日本💾\ud800'),
    "'\\x00\\x7f\\x85\\xa0é\\u200b\\u2028ü日本💾\\ud800'",
    'non-printable as \\x/\\u, printable non-ASCII kept',
  );
  t.equal(strRepr('\u{e0001}\u{10ffff}'), "'\\U000e0001\\U0010ffff'", 'astral non-printable as \\U');
  t.equal(pyRepr('x'), "'x'");
  t.equal(pyRepr(undefined), 'None');
});

t.test('bytes repr as decode_unicode leaves lists', async (t) => {
  t.equal(bytesRepr('über'), "b'\\xc3\\xbcber'");
  t.equal(bytesRepr("it's"), `b"it's"`);
  t.equal(bytesRepr(`it's "q"`), `b'it\\'s "q"'`);
  t.equal(bytesRepr('\t\n\r\\\x00\x7f'), "b'\\t\\n\\r\\\\\\x00\\x7f'");
  t.equal(bytesRepr('💾'), "b'\\xf0\\x9f\\x92\\xbe'");
  t.equal(pyReprBytesList(['ubuntu', 'über']), "[b'ubuntu', b'\\xc3\\xbcber']");
  t.equal(pyReprBytesList([]), '[]');
  t.equal(pyReprBytesList([1, 2, { z: null }]), "[1, 2, {b'z': None}]");
  t.equal(
    pyReprBytesList([{ result: 1048576, metric: { name: 'x', unit: 'B' } }]),
    "[{b'metric': {b'name': b'x', b'unit': b'B'}, b'result': 1048576}]",
    'dict keys sorted, nested dicts too',
  );
  t.equal(
    pyReprBytesList([
      ['service', 1, 'compute'],
      ['size', 2, 3],
      ['f', 3, new PyFloat(25)],
    ]),
    "[[b'service', 1, b'compute'], [b'size', 2, 3], [b'f', 3, 25.0]]",
  );
  t.equal(pyReprBytesList('s'), "b's'");
});

t.test('comparePyStr orders by code point, not UTF-16 unit', async (t) => {
  const keys = ['b', '\uffff', '💾', 'a', 'ab', '', 'é'];
  t.same([...keys].sort(comparePyStr), ['', 'a', 'ab', 'b', 'é', '\uffff', '💾']);
  t.equal(comparePyStr('x', 'x'), 0);
  t.ok(comparePyStr('\ud800', '\ue000') < 0, 'a lone surrogate is below U+E000, as in Python');
});
