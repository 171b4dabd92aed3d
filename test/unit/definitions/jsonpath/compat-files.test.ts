import { readFileSync } from 'node:fs';
import t from 'tap';
import YAML from 'yaml';
import {
  compileJsonPath,
  compileJsonPathUnion,
  looksLikeJsonPath,
} from '../../../../src/definitions/jsonpath/index.js';

const COMPAT = '/work/shared/compat';
const DIRS = ['ceilometer-19', 'ceilometer-newton'];
const PATH_KEYS = ['volume', 'resource_id', 'project_id', 'user_id', 'timestamp', 'user_metadata'];
const LITERAL_CAPABLE = ['name', 'unit', 'type'];

type Spec = string | string[];

// Newton's event_definitions.yaml repeats a key; PyYAML keeps the last one.
function load(dir: string, file: string): unknown {
  return YAML.parse(readFileSync(`${COMPAT}/${dir}/${file}`, 'utf8'), {
    version: '1.1',
    merge: true,
    uniqueKeys: false,
  });
}

/** A field value: a path, a list of paths, or `{fields, plugin}`. */
function fieldPaths(value: unknown): Spec[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return [value as string[]];
  if (typeof value === 'object' && value !== null && 'fields' in value) return fieldPaths(value.fields);
  return [];
}

function meterPaths(dir: string): Spec[] {
  const doc = load(dir, 'meters.yaml') as { metric: Record<string, unknown>[] };
  const out: Spec[] = [];
  for (const def of doc.metric) {
    for (const key of LITERAL_CAPABLE) {
      const v = def[key];
      if (typeof v === 'string' && looksLikeJsonPath(v)) out.push(v);
    }
    for (const key of PATH_KEYS) out.push(...fieldPaths(def[key]));
    for (const v of Object.values((def.metadata ?? {}) as Record<string, unknown>)) out.push(...fieldPaths(v));
  }
  return out;
}

function traitPaths(dir: string): Spec[] {
  const doc = load(dir, 'event_definitions.yaml') as { traits: Record<string, unknown> }[];
  return doc.flatMap((def) => Object.values(def.traits).flatMap(fieldPaths));
}

function compile(spec: Spec): void {
  if (typeof spec === 'string') compileJsonPath(spec);
  else compileJsonPathUnion(spec);
}

for (const dir of DIRS) {
  t.test(`every path of ${dir} compiles`, async (t) => {
    const meters = meterPaths(dir);
    const traits = traitPaths(dir);
    t.ok(meters.length > 150, `${meters.length} meter paths`);
    t.ok(traits.length > 150, `${traits.length} trait paths`);
    for (const spec of [...meters, ...traits]) {
      t.doesNotThrow(() => compile(spec), JSON.stringify(spec));
    }
  });
}

t.test('meter name/unit/type literals stay literals', async (t) => {
  const literals = new Set<string>();
  for (const dir of DIRS) {
    const doc = load(dir, 'meters.yaml') as { metric: Record<string, unknown>[] };
    for (const def of doc.metric) {
      for (const key of LITERAL_CAPABLE) {
        const v = def[key];
        if (typeof v === 'string' && !looksLikeJsonPath(v)) literals.add(v);
      }
    }
  }
  for (const word of ['B', 'GB', 'ns', 'percent', 'image.size', 'gauge', 'volume.provider.capacity.total']) {
    t.ok(literals.has(word), `${word} is a literal`);
  }
  for (const v of literals) t.notOk(v.includes('$'), `${v} has no path in it`);
});
