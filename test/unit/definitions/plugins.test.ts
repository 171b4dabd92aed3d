import t from 'tap';
import { pluginRegistry, pySplit } from '../../../src/definitions/index.js';
import { PyFloat } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';

function plugin(name: string, parameters: Record<string, unknown> = {}) {
  const factory = pluginRegistry.get(name);
  if (!factory) throw new Error(`no plugin ${name}`);
  return factory(parameters);
}

function run(name: string, parameters: Record<string, unknown>, matches: [string, PyJson][]) {
  const warnings: string[] = [];
  const values = plugin(name, parameters).values(matches, { warn: (m) => warnings.push(m) });
  return { values, warnings };
}

t.test('timedelta: abs(end - start) in seconds, always a float', async (t) => {
  const forward = run('timedelta', {}, [
    ['payload.created_at', '2026-01-01T00:00:00'],
    ['payload.launched_at', '2026-01-01T00:00:25'],
  ]);
  t.same(forward.warnings, []);
  t.equal(forward.values.length, 1);
  const v = forward.values[0];
  t.ok(v instanceof PyFloat, 'an integral result is still a Python float (25.0)');
  t.equal((v as PyFloat).value, 25);
  const backward = run('timedelta', {}, [
    ['a', '2026-01-01 01:00:00'],
    ['b', '2026-01-01 00:00:00'],
  ]);
  t.equal((backward.values[0] as PyFloat).value, 3600, 'abs() of a negative difference');
  const fraction = run('timedelta', {}, [
    ['a', '2026-01-01T00:00:00.000000'],
    ['b', '2026-01-01T00:00:01.500000'],
  ]);
  t.equal(fraction.values[0], 1.5);
  const zones = run('timedelta', {}, [
    ['a', '2026-01-01T10:00:00+05:30'],
    ['b', '2026-01-01T04:30:00Z'],
  ]);
  t.equal((zones.values[0] as PyFloat).value, 0, 'offsets are honoured');
  t.equal(plugin('timedelta').perMatch, false);
});

t.test('timedelta: exactly two matches, both parsable, else a warning and no value', async (t) => {
  for (const matches of [
    [],
    [['a', '2026-01-01T00:00:00']],
    [
      ['a', '2026-01-01'],
      ['b', '2026-01-02'],
      ['c', '2026-01-03'],
    ],
  ] as [string, PyJson][][]) {
    const out = run('timedelta', {}, matches);
    t.same(out.values, [null], `${matches.length} matches`);
    t.same(out.warnings, ['Timedelta plugin is required two timestamp fields to create timedelta value.']);
  }
  const empty = run('timedelta', {}, [
    ['payload.a', ''],
    ['payload.b', '2026-01-01T00:00:00'],
  ]);
  t.same(empty.values, [null], "'' is not null and fails to parse");
  t.equal(empty.warnings.length, 1);
  t.match(
    empty.warnings[0],
    /^Failed to parse date from set fields, both fields payload\.a and payload\.b must be datetime/,
  );
  const numeric = run('timedelta', {}, [
    ['a', 1],
    ['b', 2],
  ]);
  t.same(numeric.values, [null]);
  t.equal(numeric.warnings.length, 1);
});

t.test('split: one segment per match, default separator `.` and segment 0', async (t) => {
  t.same(run('split', {}, [['a', 'compute.host-1']]).values, ['compute']);
  t.same(
    run('split', { segment: 1 }, [
      ['a', 'compute.host-1'],
      ['b', 'network.node'],
      ['c', 'nodot'],
    ]).values,
    ['host-1', 'node', null],
    'out of range → null',
  );
  t.same(run('split', { separator: '#', segment: -1 }, [['a', 'h@b#p#q']]).values, ['q'], 'negative segment');
  t.same(run('split', { separator: '#', segment: 1, max_split: 1 }, [['a', 'h@b#p#q']]).values, ['p#q']);
  t.same(run('split', { separator: '#', segment: -1, max_split: 1 }, [['a', 'h@b#p#q']]).values, ['p#q']);
  t.same(run('split', { separator: '-', segment: 1 }, [['a', 12]]).values, [null], 'str() of a number');
  t.same(run('split', { separator: '.', segment: 1 }, [['a', 1.5]]).values, ['5'], "str(1.5) = '1.5'");
  t.equal(plugin('split').perMatch, true);
});

t.test('split: parameter validation', async (t) => {
  t.throws(() => plugin('split', { separator: '' }), /separator must be a non-empty string/);
  t.throws(() => plugin('split', { separator: 3 }), /separator must be a non-empty string/);
  t.throws(() => plugin('split', { segment: 1.5 }), /segment must be an integer/);
  t.throws(() => plugin('split', { max_split: 'x' }), /max_split must be an integer/);
  t.doesNotThrow(() => plugin('split', { segment: '2' }), 'a numeric string is an integer');
});

t.test('pySplit matches Python str.split(sep, maxsplit)[i]', async (t) => {
  t.equal(pySplit('a.b.c', '.', null, 2), 'c');
  t.equal(pySplit('a.b.c', '.', 0, 0), 'a.b.c', 'maxsplit 0: no split');
  t.equal(pySplit('a.b.c', '.', -1, 2), 'c', 'maxsplit -1: unlimited');
  t.equal(pySplit('a..b', '.', null, 1), '', 'empty segments are kept');
  t.equal(pySplit('a::b::c', '::', 1, 1), 'b::c', 'multi-char separator');
  t.equal(pySplit('a.b', '.', null, -3), null);
  t.equal(pySplit('a.b', '.', null, 2), null);
});

t.test('bitfield: sets 2**bit for each matching flag', async (t) => {
  const flags = [
    { path: 'payload.a', bit: 0 },
    { path: 'payload.b', bit: 2, value: 'on' },
    { path: 'payload.c', bit: 4 },
  ];
  t.same(run('bitfield', { flags }, []).values, [0], 'no match → initial value');
  t.same(
    run('bitfield', { flags }, [
      ['payload.a', 'anything'],
      ['payload.b', 'on'],
    ]).values,
    [5],
  );
  t.same(run('bitfield', { flags }, [['payload.b', 'off']]).values, [0], 'a flag with value needs that value');
  t.same(run('bitfield', { flags, initial_bitfield: 8 }, [['payload.c', null]]).values, [24], 'a null match counts');
  t.same(run('bitfield', { flags: [{ path: 'x', bit: 1, value: 3 }] }, [['x', 3]]).values, [2]);
  t.same(
    run('bitfield', { flags: [{ path: 'x', bit: 1, value: 3 }] }, [['x', '3']]).values,
    [0],
    'value compared strictly',
  );
  t.equal(plugin('bitfield').perMatch, false);
});

t.test('bitfield: parameter validation', async (t) => {
  t.throws(() => plugin('bitfield', { flags: 'x' }), /flags must be a list/);
  t.throws(() => plugin('bitfield', { flags: [null] }), /flags\[0\] must be a mapping/);
  t.throws(() => plugin('bitfield', { flags: [{ bit: 1 }] }), /flags\[0\]\.path must be a string/);
  t.throws(
    () => plugin('bitfield', { flags: [{ path: 'a', bit: 'x' }] }),
    /flags\[0\]\.bit must be a non-negative integer/,
  );
  t.throws(() => plugin('bitfield', { flags: [{ path: 'a', bit: null }] }), /bit must be a non-negative integer/);
  t.throws(() => plugin('bitfield', { initial_bitfield: 0.5 }), /initial_bitfield must be an integer/);
});
