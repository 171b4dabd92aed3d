import t from 'tap';
import {
  interpolate,
  type Lookup,
  parseBool,
  parseFloat10,
  parseInt10,
  parseList,
  pythonStr,
} from '../../../src/config/ini-values.js';

t.test('booleans: oslo spellings, any case', async (t) => {
  for (const text of ['true', 'True', 'TRUE', 'yes', 'Yes', 'on', 'ON', '1']) t.equal(parseBool(text), true, text);
  for (const text of ['false', 'False', 'no', 'NO', 'off', 'Off', '0']) t.equal(parseBool(text), false, text);
  for (const text of ['', 'y', 'n', 't', 'enabled', '2', 'truee']) t.equal(parseBool(text), undefined, text);
});

t.test('integers and floats: Python literals', async (t) => {
  t.equal(parseInt10('42'), 42);
  t.equal(parseInt10(' +7 '), 7);
  t.equal(parseInt10('-1'), -1);
  t.equal(parseInt10('1_000'), 1000);
  for (const text of ['', '1.0', '1e3', '0x10', 'ten', '1__0', '_1', '99999999999999999999']) {
    t.equal(parseInt10(text), undefined, text);
  }
  t.equal(parseFloat10('2.5'), 2.5);
  t.equal(parseFloat10('10'), 10);
  t.equal(parseFloat10('.5'), 0.5);
  t.equal(parseFloat10('5.'), 5);
  t.equal(parseFloat10('1e-3'), 0.001);
  t.equal(parseFloat10(' -1_0.2_5 '), -10.25);
  for (const text of ['', 'inf', 'nan', '1.2.3', 'e3', '1e999', 'one']) t.equal(parseFloat10(text), undefined, text);
});

t.test('lists: oslo types.List', async (t) => {
  t.same(parseList('a, b ,c'), ['a', 'b', 'c']);
  t.same(parseList('a,b,'), ['a', 'b'], 'one trailing comma dropped');
  t.same(parseList(''), []);
  t.same(parseList('  '), []);
  t.same(parseList('a,,b'), ['a', '', 'b'], 'empty items are kept');
  t.same(parseList('one,\ntwo'), ['one', 'two'], 'continuation lines');
});

t.test('pythonStr: what a reference to a typed option interpolates', async (t) => {
  t.equal(pythonStr(true), 'True');
  t.equal(pythonStr(false), 'False');
  t.equal(pythonStr(4), '4');
  t.equal(pythonStr(5, true), '5.0');
  t.equal(pythonStr(2.5, true), '2.5');
  t.equal(pythonStr(null), '');
  t.equal(pythonStr(['a', "b'c"]), `['a', 'b\\'c']`);
  t.equal(pythonStr('x'), 'x');
});

t.test('interpolation: $name, $' + '{name}, $$, \\$, stray $', async (t) => {
  const values: Record<string, string> = { a: 'A', 'g.b': 'GB', host: 'ctl' };
  const lookup = (name: string): Lookup =>
    values[name] === undefined ? { error: `no ${name}` } : { value: values[name] as string };
  t.same(interpolate('x-$a-y', lookup), { value: 'x-A-y' });
  t.same(interpolate('$' + '{a}b', lookup), { value: 'Ab' }, 'braced');
  t.same(interpolate('$g.b/z', lookup), { value: 'GB/z' }, 'dots belong to the name');
  t.same(interpolate('cost $$5 and \\$a', lookup), { value: 'cost $5 and $a' });
  t.same(interpolate('a $ b $1 ${ c', lookup), { value: 'a $ b $1 ${ c' }, 'a $ starting no name stays');
  t.same(interpolate('$$$a', lookup), { value: '$A' });
  t.same(interpolate('$missing and $a', lookup), { error: 'no missing' });
  t.same(interpolate('plain', lookup), { value: 'plain' });
});
