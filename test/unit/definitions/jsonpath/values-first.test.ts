import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import YAML from 'yaml';
import { compileJsonPath, compileJsonPathUnion, firstValue } from '../../../../src/definitions/jsonpath/index.js';
import type { JsonPath } from '../../../../src/definitions/jsonpath/index.js';
import { PyFloat } from '../../../../src/model/py-float.js';
import type { PyJson } from '../../../../src/model/sample.js';

// `values` and `first` walk plain field chains (and unions of them) without building matches;
// everything else goes through `find`. Either way they must be exactly what `find` gives.

function fromFind(path: JsonPath, data: PyJson): { values: PyJson[]; first: PyJson } {
  const values = path.find(data).map((m) => m.value);
  return { values, first: values.find((v) => v !== null) ?? null };
}

function agree(t: Test, path: JsonPath, data: PyJson, label: string): void {
  const want = fromFind(path, data);
  t.same(path.values(data), want.values, `${label}: values`);
  t.same(path.first(data), want.first, `${label}: first`);
  t.same(firstValue(path, data), want.first === null ? undefined : want.first, `${label}: firstValue`);
}

const doc: PyJson = {
  payload: {
    instance_id: 'i-1',
    nothing: null,
    zero: 0,
    empty: '',
    float: new PyFloat(80),
    list: [1, 2],
    nested: { a: { b: 'deep' } },
    constructor: 'own constructor',
    toString: { x: 1 },
  },
  ctxt: { user_id: 'u-1', tenant: 't-1' },
};

t.test('chains and unions of chains', async (t) => {
  const exprs = [
    'payload.instance_id',
    '$.payload.nested.a.b',
    '@.payload.nested.a',
    'payload.missing',
    'payload.nothing',
    'payload.zero',
    'payload.empty',
    'payload.float',
    'payload.float.value',
    'payload.list.length',
    'payload.instance_id.length',
    'payload.nothing.x',
    'ctxt.user_id|ctxt.user',
    'ctxt.project_id|ctxt.tenant_id|ctxt.tenant',
    'payload.nothing|payload.instance_id',
    'payload.missing|payload.nothing',
  ];
  for (const expr of exprs) agree(t, compileJsonPath(expr), doc, expr);
  t.same(compileJsonPath('payload.nothing|payload.instance_id').values(doc), [null, 'i-1'], 'nulls kept');
  t.equal(compileJsonPath('payload.nothing|payload.instance_id').first(doc), 'i-1', 'first skips nulls');
  t.equal(compileJsonPath('payload.missing').first(doc), null);
  agree(t, compileJsonPathUnion(['payload.missing', 'ctxt.user_id|payload.instance_id']), doc, 'nested union');
});

t.test('names that Object.prototype has are looked up as own keys only', async (t) => {
  for (const expr of [
    'payload.constructor',
    'payload.toString.x',
    'payload.hasOwnProperty',
    'payload.__proto__',
    'ctxt.constructor',
    'ctxt.toString|ctxt.user_id',
    'payload.nested.valueOf',
  ]) {
    agree(t, compileJsonPath(expr), doc, expr);
  }
  t.equal(compileJsonPath('payload.constructor').first(doc), 'own constructor');
  t.same(compileJsonPath('ctxt.constructor').values(doc), [], 'inherited: no match');
  const own = JSON.parse('{"__proto__": {"a": 1}}') as PyJson;
  agree(t, compileJsonPath('__proto__.a'), own, 'own __proto__ key');
});

t.test('other expressions fall back to find', async (t) => {
  const exprs = [
    '$',
    'payload.list[0]',
    'payload.list[*]',
    'payload.*',
    '$..b',
    'payload.instance_id.`split(-, 0, -1)`',
    '$.payload.zero + 2',
    'payload.nested.a|payload.list[1]',
  ];
  for (const expr of exprs) agree(t, compileJsonPath(expr), doc, expr);
  t.same(compileJsonPath('payload.list[*]').values(doc), [1, 2]);
});

t.test('every compat path agrees with find on every golden notification', async (t) => {
  const specs: (string | string[])[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string' && (v.includes('.') || v.startsWith('$'))) specs.push(v);
    else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) specs.push(v as string[]);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(collect);
  };
  for (const file of ['meters.yaml', 'event_definitions.yaml']) {
    const raw = YAML.parse(readFileSync(`/work/shared/compat/ceilometer-19/${file}`, 'utf8'), {
      version: '1.1',
      merge: true,
    }) as unknown;
    collect(raw);
  }
  const paths: JsonPath[] = [];
  for (const spec of specs) {
    try {
      paths.push(typeof spec === 'string' ? compileJsonPath(spec) : compileJsonPathUnion(spec));
    } catch {
      // event_type patterns and other plain strings are not paths
    }
  }
  const corpus = readFileSync('/work/shared/fixtures/golden/corpus.jsonl', 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { notification: PyJson }).notification);
  let checked = 0;
  let differ = 0;
  for (const message of corpus) {
    for (const path of paths) {
      const want = fromFind(path, message);
      if (JSON.stringify(path.values(message)) !== JSON.stringify(want.values)) differ++;
      if (JSON.stringify(path.first(message)) !== JSON.stringify(want.first)) differ++;
      checked++;
    }
  }
  t.ok(paths.length > 300, `${paths.length} paths`);
  t.ok(checked > 10_000, `${checked} evaluations`);
  t.equal(differ, 0);
});
