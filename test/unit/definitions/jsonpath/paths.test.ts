import t from 'tap';
import type { PyJson } from '../../../../src/model/sample.js';
import { compileJsonPath, firstValue } from '../../../../src/definitions/jsonpath/index.js';

const values = (expr: string, data: PyJson): PyJson[] =>
  compileJsonPath(expr)
    .find(data)
    .map((m) => m.value);
const paths = (expr: string, data: PyJson): string[] =>
  compileJsonPath(expr)
    .find(data)
    .map((m) => m.path);

const doc: PyJson = {
  payload: {
    instance_id: 'i-1',
    'a.b': 'dotted',
    image_meta: { 'org.openstack__1__architecture': 'x86_64' },
    'os-vol-host': 'h1',
    metrics: [
      { name: 'cpu.frequency', value: 1600, source: 'libvirt' },
      { name: 'cpu.percent', value: 0.5 },
    ],
    list: [10, 20, 30, 40],
    empty: [],
    nothing: null,
  },
  ctxt: { user_id: 'u-1' },
};

t.test('root, fields, optional $', async (t) => {
  t.same(values('$.payload.instance_id', doc), ['i-1']);
  t.same(values('payload.instance_id', doc), ['i-1']);
  t.same(values('$.payload.missing', doc), []);
  t.same(values('$.payload.instance_id.deeper', doc), [], 'field on a string: no match');
  t.same(values('$.payload.list.x', doc), [], 'field on a list: no match');
  t.same(values('payload.nothing', doc), [null], 'a null value is a match');
  t.same(values('$', 7), [7]);
  t.equal(compileJsonPath('$').find(7)[0]?.path, '$');
  t.same(values('$.payload.os-vol-host', doc), ['h1'], 'identifiers may contain -');
});

t.test('quoted fields', async (t) => {
  t.same(values("payload.image_meta.'org.openstack__1__architecture'", doc), ['x86_64']);
  t.same(values('payload."a.b"', doc), ['dotted']);
  t.same(values("$.payload['a.b']", doc), ['dotted']);
  t.same(values('"payload"."instance_id"', doc), ['i-1']);
  t.same(values("'payload'", doc).length, 1, 'a lone quoted string is a field');
  t.same(paths("payload.image_meta.'org.openstack__1__architecture'", doc), [
    'payload.image_meta.org.openstack__1__architecture',
  ]);
});

t.test('wildcards and indexes', async (t) => {
  t.same(values('$.ctxt.*', doc), ['u-1']);
  t.same(values('$.payload.list.*', doc), [10, 20, 30, 40]);
  t.same(paths('$.payload.list.*', doc)[1], 'payload.list.[1]');
  t.same(values('$.payload.list[0]', doc), [10]);
  t.same(values('$.payload.list.[1]', doc), [20]);
  t.same(values('$.payload.list[-1]', doc), [40]);
  t.same(values('$.payload.list[-5]', doc), []);
  t.same(values('$.payload.list[4]', doc), []);
  t.same(values('$.payload.instance_id[0]', doc), [], 'index on a string: no match');
  t.same(values('$.ctxt[0]', doc), [], 'index on a dict: no match');
  t.same(values('$.payload.list[1:3]', doc), [20, 30]);
  t.same(values('$.payload.list[-2:]', doc), [30, 40]);
  t.same(values('$.payload.list[:1]', doc), [10]);
  t.same(paths('$.payload.list[2:]', doc), ['payload.list.[2]', 'payload.list.[3]']);
});

t.test('[*] and the jsonpath-rw single-element hack', async (t) => {
  t.same(values('$.payload.list[*]', doc), [10, 20, 30, 40]);
  t.same(values('$.payload.list.[*]', doc), [10, 20, 30, 40]);
  t.same(values('$.ctxt.[*]', doc), [{ user_id: 'u-1' }], 'a dict is its own single element');
  t.same(values('$.payload.instance_id[*]', doc), ['i-1'], 'so is a string');
  t.same(values('$.x[*]', { x: 5 }), [5], 'and a number');
  t.same(values('$.payload.nothing[*]', doc), []);
  t.same(values('$.payload.empty[*]', doc), []);
  t.same(values('$.x[*]', { x: '' }), []);
  t.same(values('$.x[*]', { x: {} }), []);
  const swift: PyJson = {
    payload: {
      measurements: [
        { metric: { name: 'storage.objects.incoming.bytes', unit: 'B' }, result: 28 },
        { metric: [{ name: 'a' }, { name: 'b' }], result: 1 },
      ],
    },
  };
  const p = compileJsonPath('$.payload.measurements.[*].metric.[*].name');
  t.same(
    p.find(swift).map((m) => m.value),
    ['storage.objects.incoming.bytes', 'a', 'b'],
  );
  t.same(p.find(swift)[0]?.path, 'payload.measurements.[0].metric.[0].name');
});

t.test('recursive descent', async (t) => {
  t.same(values('$..name', doc), ['cpu.frequency', 'cpu.percent']);
  t.same(values('payload..value', doc), [1600, 0.5]);
  t.same(paths('$..value', doc), ['payload.metrics.[0].value', 'payload.metrics.[1].value']);
  t.same(values('$..user_id', doc), ['u-1']);
  t.same(values('$.a..b', { a: { b: 1, c: { b: 2 }, d: [{ b: 3 }] } }), [1, 2, 3], 'own field first, then children');
});

t.test('match paths like jsonpath-rw str(full_path)', async (t) => {
  t.same(paths('$.payload.instance_id', doc), ['payload.instance_id']);
  t.same(paths('payload.metrics[0].value', doc), ['payload.metrics.[0].value']);
});

t.test('firstValue', async (t) => {
  const p = compileJsonPath('payload.nothing|payload.instance_id');
  t.equal(firstValue(p, doc), 'i-1', 'skips null matches');
  t.equal(firstValue(compileJsonPath('payload.nope'), doc), undefined);
  t.equal(firstValue(compileJsonPath('payload.nothing'), doc), undefined);
});

t.test('never mutates its input', async (t) => {
  const data: PyJson = { a: [3, 1, 2], b: { y: 1, x: 2 }, s: 'a#b' };
  const before = JSON.stringify(data);
  for (const expr of ['$.a.`sorted`', '$.b.`sorted`', '$.a[*]', '$..*', '$.s.`split(#, 0, 1)`', '$.a[0] + 1']) {
    compileJsonPath(expr).find(data);
  }
  t.equal(JSON.stringify(data), before);
});

t.test('other starts and small forms', async (t) => {
  t.same(values('..user_id', doc), ['u-1'], 'a leading .. descends from the document');
  t.same(values('$[1]', [5, 6]), [6]);
  t.same(values('[0]', [5, 6]), [5]);
  t.same(values('*', { a: 1, b: 2 }), [1, 2]);
  t.same(values('42', doc), [42], 'a lone number is a constant');
  t.same(values('$.tags[?(@ = "a")]', { tags: ['a', 'b', 'a'] }), ['a', 'a'], '@ alone is the element');
  t.same(values('$.tags[?(@ != "a")]', { tags: ['a', 'b', 1] }), ['b', 1]);
  t.same(values('$.x-1', { 'x-1': 'dash' }), ['dash'], 'like jsonpath-rw, - inside a name is part of it');
  t.equal(compileJsonPath(' $.payload.x ').source, ' $.payload.x ', 'source is kept as written');
  t.equal(String(compileJsonPath('$.a')), '$.a');
});
