import t from 'tap';
import {
  loadEventDefinitionsFile,
  loadMeterDefinitionFiles,
  type RawMeterDefinition,
} from '../../../src/config/index.js';

const meter = (name: string, unit: string) => `  - name: ${name}\n    event_type: e\n    unit: ${unit}\n`;

/** `name@unit` of each definition, in the order returned. */
function names(definitions: RawMeterDefinition[]): string[] {
  return definitions.map((d) => `${String(d.value.name)}@${String(d.value.unit)}`);
}

t.test('within a file: reverse order, last duplicate wins', async (t) => {
  const dir = t.testdir({
    'meters.yaml': `metric:\n${meter('a', 'first')}${meter('b', 'B')}${meter('a', 'last')}  - name: 5\n`,
  });
  const result = loadMeterDefinitionFiles([`${dir}/meters.yaml`]);
  t.same(result.issues, []);
  t.same(names(result.definitions), ['5@undefined', 'a@last', 'b@B']);
  t.same(
    result.definitions.map((d) => d.index),
    [3, 2, 1],
  );
  const a = result.definitions[1];
  t.equal(a?.file, `${dir}/meters.yaml`);
  t.equal(a?.locate([]), 8, 'definition line');
  t.equal(a?.locate(['unit']), 10, 'field line');
  t.equal(a?.locate(['nope']), 8, 'missing field → definition line');
});

t.test('across files a later file overrides; directories are read sorted by name', async (t) => {
  const dir = t.testdir({
    'shipped.yaml': `metric:\n${meter('a', 'shipped')}${meter('b', 'shipped')}`,
    'meters.d': {
      '20-late.yml': `metric:\n${meter('b', 'late')}`,
      '10-early.yaml': `metric:\n${meter('a', 'early')}${meter('c', 'early')}`,
      'README.txt': 'not yaml',
    },
  });
  const result = loadMeterDefinitionFiles([`${dir}/shipped.yaml`, `${dir}/meters.d`]);
  t.same(result.issues, []);
  t.same(names(result.definitions), ['c@early', 'a@early', 'b@late']);
  t.same(
    result.definitions.map((d) => d.file.slice(dir.length + 1)),
    ['meters.d/10-early.yaml', 'meters.d/10-early.yaml', 'meters.d/20-late.yml'],
  );
  const reversed = loadMeterDefinitionFiles([`${dir}/meters.d`, `${dir}/shipped.yaml`]);
  t.same(names(reversed.definitions), ['c@early', 'b@shipped', 'a@shipped'], 'the file listed last wins');
});

t.test('merge keys inside definitions', async (t) => {
  const dir = t.testdir({
    'meters.yaml': `metric:
  - name: a
    metadata: &meta
      x: $.payload.x
  - name: b
    metadata:
      <<: *meta
      y: $.payload.y
`,
  });
  const result = loadMeterDefinitionFiles([`${dir}/meters.yaml`]);
  const b = result.definitions[0];
  t.same(b?.value, { name: 'b', metadata: { x: '$.payload.x', y: '$.payload.y' } });
  t.equal(b?.locate(['metadata', 'x']), 7);
  t.equal(b?.locate(['metadata', 'y']), 8);
});

t.test('shape problems are issues; the rest still loads', async (t) => {
  const dir = t.testdir({
    'bad-list.yaml': 'metric:\n  - name: ok\n  - just a string\n',
    'no-list.yaml': 'metric: {name: a}\n',
    'extra.yaml': 'metric: []\nmetrics: []\n',
    'list.yaml': '- name: a\n',
    'syntax.yaml': 'metric: [\n',
    'empty.yaml': '',
    'null.yaml': 'metric:\n',
  });
  const files = ['bad-list', 'no-list', 'extra', 'list', 'syntax', 'empty', 'null', 'missing'];
  const result = loadMeterDefinitionFiles(files.map((f) => `${dir}/${f}.yaml`));
  t.same(names(result.definitions), ['ok@undefined']);
  t.same(
    result.issues.map((i) => [i.file.slice(dir.length + 1), i.line, i.path, i.message.split(':')[0]]),
    [
      ['bad-list.yaml', 3, 'metric[1]', 'must be a mapping, not string "just a string"'],
      ['no-list.yaml', 1, 'metric', 'must be a list of meter definitions, not a mapping'],
      ['extra.yaml', 2, 'metrics', "unknown key 'metrics' (allowed"],
      ['list.yaml', 1, '', "must be a mapping with a 'metric' list, not a list"],
      ['syntax.yaml', 2, '', result.issues[4]?.message.split(':')[0]],
      ['missing.yaml', 0, '', 'cannot read file'],
    ],
  );
});

t.test('event definitions: a top-level list in file order', async (t) => {
  const dir = t.testdir({
    'events.yaml': `---
- event_type: 'compute.instance.*'
  traits: &traits
    a: {fields: payload.a}
- event_type: x
  traits:
    <<: *traits
    b: {fields: payload.b}
- 42
`,
    'map.yaml': 'event_type: x\n',
    'empty.yaml': '',
  });
  const result = loadEventDefinitionsFile(`${dir}/events.yaml`);
  t.same(
    result.definitions.map((d) => [d.index, d.value.event_type, d.locate([])]),
    [
      [0, 'compute.instance.*', 2],
      [1, 'x', 5],
    ],
  );
  t.same(result.definitions[1]?.value.traits, { a: { fields: 'payload.a' }, b: { fields: 'payload.b' } });
  t.equal(result.definitions[1]?.locate(['traits', 'b', 'fields']), 8);
  t.same(
    result.issues.map((i) => [i.line, i.path, i.message]),
    [[9, '[2]', 'must be a mapping, not number 42']],
  );
  t.same(
    loadEventDefinitionsFile(`${dir}/map.yaml`).issues.map((i) => [i.line, i.message]),
    [[1, 'must be a list of event definitions, not a mapping']],
  );
  t.same(loadEventDefinitionsFile(`${dir}/empty.yaml`), { definitions: [], issues: [] });
  t.match(loadEventDefinitionsFile(`${dir}/nope.yaml`).issues, [{ line: 0, message: /^cannot read file/ }]);
});
