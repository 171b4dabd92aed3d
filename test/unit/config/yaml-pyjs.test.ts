import t from 'tap';
import { parseYamlText } from '../../../src/config/yaml-source.js';

const keys = (text: string, path: string) =>
  Object.keys((parseYamlText('x.yaml', text).value as Record<string, Record<string, unknown>>)[path] ?? {});

t.test('merge keys are ordered as PyYAML builds the dict (trait order decides signatures)', async (t) => {
  const base = 'a: &a {p: 1, q: 2}\nb: &b {r: 3, p: 9}\n';
  // A list of merges: PyYAML takes the later maps' keys first; the earlier map's values win.
  const seq = parseYamlText('x.yaml', `${base}c:\n  <<: [*a, *b]\n  s: 4\n`).value as Record<
    string,
    Record<string, unknown>
  >;
  t.same(Object.keys(seq.c ?? {}), ['r', 'p', 'q', 's']);
  t.equal(seq.c?.p, 1);
  // Own keys come after merged ones even when written first; an override keeps the merged slot.
  t.same(keys(`${base}c:\n  s: 4\n  <<: *a\n  q: 5\n`, 'c'), ['p', 'q', 's']);
  t.equal(
    (parseYamlText('x.yaml', `${base}c:\n  s: 4\n  <<: *a\n  q: 5\n`).value as Record<string, Record<string, unknown>>)
      .c?.q,
    5,
  );
  // Duplicate keys: the last value, the first position.
  t.same(parseYamlText('x.yaml', 'm: {x: 1, y: 2, x: 3}\n').value, { m: { x: 3, y: 2 } });
});
