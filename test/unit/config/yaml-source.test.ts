import t from 'tap';
import { loadYaml, pathToString } from '../../../src/config/index.js';
import { parsePath } from '../../../src/config/yaml-source.js';

const TEXT = `---
sinks:
  - name: a
    publishers: [x]
  - name: b
    transformers:
    publishers:
      - test://
      - file:///tmp/x
base: &base
  unit: B
  type: gauge
other: &other
  type: delta
  extra: 1
derived:
  <<: [*base, *other]
  type: cumulative
list: &list [1, 2]
uses: *list
dup: 1
dup: 2
`;

t.test('locate: nested paths, missing keys, merge keys', async (t) => {
  const dir = t.testdir({ 'f.yaml': TEXT });
  const src = loadYaml(`${dir}/f.yaml`);
  t.same(src.issues, []);
  const cases: [(string | number)[], number, string][] = [
    [[], 2, 'root mapping'],
    [['sinks'], 2, 'key line'],
    [['sinks', 0], 3, 'sequence item mapping'],
    [['sinks', 1, 'publishers'], 7, 'key of a block value on the next line'],
    [['sinks', 1, 'publishers', 0], 8, 'scalar item'],
    [['sinks', 1, 'publishers', 1], 9, 'scalar item'],
    [['sinks', 1, 'transformers'], 6, 'key with null value'],
    [['sinks', 0, 'publishers', 0], 4, 'flow sequence item'],
    [['sinks', 1, 'missing'], 5, 'missing key → parent mapping'],
    [['sinks', 7, 'name'], 2, 'missing index → the list key'],
    [['sinks', 0, 'name', 'deeper'], 3, 'path through a scalar stops at it'],
    [['sinks', 'x'], 2, 'string into a sequence stops'],
    [['derived', 'type'], 18, 'explicit key wins over merged'],
    [['derived', 'unit'], 17, 'merged key → the <<: line'],
    [['derived', 'extra'], 17, 'key from the second merge source'],
    [['derived', '<<'], 17, 'the merge key itself'],
    [['uses', 1], 19, 'through an alias → the anchored node'],
    [['dup'], 22, 'duplicate key → the last one (PyYAML keeps it)'],
  ];
  for (const [path, line, why] of cases) t.equal(src.locate(path), line, `${pathToString(path) || '(root)'}: ${why}`);
  const value = src.value as Record<string, Record<string, unknown>>;
  t.same(value.derived, { unit: 'B', type: 'cumulative', extra: 1 }, 'merge applied, first source wins');
  t.equal(value.dup, 2);
});

t.test('YAML 1.1 by default, 1.2 on request', async (t) => {
  const dir = t.testdir({ 'f.yaml': 'a: yes\nb: True\nc: 010\nd: off\ny: n\n' });
  t.same(loadYaml(`${dir}/f.yaml`).value, { a: true, b: true, c: 8, d: false, y: 'n' }, 'PyYAML: y/n are strings');
  t.same(loadYaml(`${dir}/f.yaml`, { version: '1.2' }).value, { a: 'yes', b: true, c: 10, d: 'off', y: 'n' });
});

t.test('syntax errors and unreadable files are issues', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'a: 1\nb: [1, 2\nc: 3\n', 'alias.yaml': 'a: *nope\n', 'empty.yaml': '' });
  const bad = loadYaml(`${dir}/bad.yaml`);
  t.equal(bad.value, null);
  t.ok(bad.issues.length >= 1);
  t.match(bad.issues[0], { file: `${dir}/bad.yaml`, line: 3, path: '' });
  t.equal(bad.locate(['a']), 0);
  t.match(loadYaml(`${dir}/alias.yaml`).issues, [{ line: 1, path: '', message: 'unresolved alias *nope' }]);
  t.match(loadYaml(`${dir}/missing.yaml`).issues, [{ line: 0, path: '', message: /^cannot read file: ENOENT/ }]);
  t.match(loadYaml(dir).issues, [{ line: 0, message: /^cannot read file: EISDIR/ }]);
  const empty = loadYaml(`${dir}/empty.yaml`);
  t.same([empty.value, empty.issues, empty.locate(['x'])], [null, [], 0]);
});

t.test('pathToString and parsePath', async (t) => {
  t.equal(pathToString(['sinks', 1, 'publishers', 0]), 'sinks[1].publishers[0]');
  t.equal(pathToString([]), '');
  t.equal(pathToString([0, 'event_type']), '[0].event_type');
  t.equal(pathToString(['traits', 'a.b', 'fields']), 'traits["a.b"].fields');
  t.equal(pathToString(['DEFAULT', 'transport_url']), 'DEFAULT.transport_url');
  t.same(parsePath('target.scale'), ['target', 'scale']);
  t.same(parsePath('[0].x["a.b"][2]'), [0, 'x', 'a.b', 2]);
  t.same(parsePath(''), []);
  for (const path of [
    ['a', 0, 'b.c', 'd'],
    [1, 'x'],
  ] as (string | number)[][]) {
    t.same(parsePath(pathToString(path)), path, `round trip ${pathToString(path)}`);
  }
});
