import { readFileSync } from 'node:fs';
import t from 'tap';
import YAML from 'yaml';
import { compileJsonPath, firstValue, looksLikeJsonPath } from '../../../../src/definitions/jsonpath/index.js';
import { PyFloat } from '../../../../src/model/py-float.js';
import type { PyJson } from '../../../../src/model/sample.js';

// Values taken straight from what Ceilometer 19 published for the shared golden cases.
const GOLDEN = '/work/shared/fixtures/golden';
const readJsonl = (file: string): Record<string, unknown>[] =>
  readFileSync(`${GOLDEN}/${file}`, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

interface GoldenSample {
  name: string;
  volume: PyJson;
  resource_id: PyJson;
  resource_metadata: Record<string, PyJson>;
}

const corpus = new Map(readJsonl('corpus.jsonl').map((c) => [c.id as string, c.notification as PyJson]));
const expected = readJsonl('expected.jsonl');
const meters = (
  YAML.parse(readFileSync('/work/shared/compat/ceilometer-19/meters.yaml', 'utf8'), {
    version: '1.1',
    merge: true,
  }) as { metric: Record<string, unknown>[] }
).metric;
const byName = new Map(meters.filter((m) => m.lookup === undefined).map((m) => [m.name as string, m]));

const asPlain = (v: PyJson | undefined): PyJson | undefined => (v instanceof PyFloat ? v.value : v);

t.test('volume and resource_id of non-lookup meters match Ceilometer', async (t) => {
  let checked = 0;
  for (const exp of expected) {
    const message = corpus.get(exp.id as string) as PyJson;
    for (const sample of exp.samples as GoldenSample[]) {
      const def = byName.get(sample.name);
      if (!def) continue;
      if (typeof def.volume === 'string' && typeof sample.volume === 'number') {
        t.equal(asPlain(firstValue(compileJsonPath(def.volume), message)), sample.volume, `${exp.id} ${sample.name}`);
        checked++;
      }
      if (typeof def.resource_id === 'string') {
        const got = firstValue(compileJsonPath(def.resource_id), message) ?? null;
        t.same(got, sample.resource_id, `${exp.id} ${sample.name} resource_id`);
      }
    }
  }
  t.ok(checked > 100, `${checked} volumes checked`);
});

t.test('cinder pool provider split matches Ceilometer', async (t) => {
  const provider = compileJsonPath('$.payload.name_to_id.`split(#, 0, 1)`');
  let checked = 0;
  for (const exp of expected) {
    for (const sample of exp.samples as GoldenSample[]) {
      if (!sample.name.startsWith('volume.provider.pool.')) continue;
      const got = firstValue(provider, corpus.get(exp.id as string) as PyJson);
      t.same(got ?? null, sample.resource_metadata.provider ?? null, `${exp.id} ${sample.name}`);
      checked++;
    }
  }
  t.ok(checked > 0);
});

t.test('swift lookup names come in Ceilometer order', async (t) => {
  const names = compileJsonPath('$.payload.measurements.[*].metric.[*].name');
  for (const exp of expected.filter((e) => (e.id as string).startsWith('swift-'))) {
    const got = names.find(corpus.get(exp.id as string) as PyJson).map((m) => m.value);
    const want = (exp.samples as GoldenSample[]).map((s) => s.name);
    if (want.length > 0) t.same(got, want, exp.id as string);
  }
});

t.test('every compat path runs on every golden notification without throwing', async (t) => {
  const specs = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string') specs.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(collect);
  };
  collect(meters.map(({ event_type: _e, type: _t, lookup: _l, ...rest }) => rest));
  const paths = [...specs].filter((s) => looksLikeJsonPath(s) || s.includes('.')).map((s) => compileJsonPath(s));
  let evaluations = 0;
  for (const message of corpus.values()) {
    for (const p of paths) {
      for (const m of p.find(message)) void m.path;
      evaluations++;
    }
  }
  t.ok(evaluations > 10_000, `${evaluations} evaluations`);
});
