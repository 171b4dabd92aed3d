import t from 'tap';
import type { PyJson } from '../../../../src/model/sample.js';
import { PyFloat } from '../../../../src/model/py-float.js';
import { compileJsonPath, compileJsonPathUnion } from '../../../../src/definitions/jsonpath/index.js';

const values = (expr: string, data: PyJson): PyJson[] =>
  compileJsonPath(expr)
    .find(data)
    .map((m) => m.value);

const metrics: PyJson = {
  payload: {
    metrics: [
      { name: 'cpu.frequency', value: 1600, source: 'libvirt', n: { v: 1 } },
      { name: 'cpu.percent', value: 0.25, source: 'libvirt' },
      { name: 'cpu.idle.time', value: 9007199254740993n, flag: true },
      { name: 7, value: new PyFloat(3) },
      'not-a-dict',
      null,
    ],
    glance_metadata: [
      { key: 'image_id', value: 'img-1' },
      { key: 'kernel_id', value: 'k-1' },
    ],
    notalist: { name: 'cpu.frequency' },
  },
};

t.test('filter forms', async (t) => {
  t.same(values("$.payload.metrics[?(@.name='cpu.frequency')].value", metrics), [1600]);
  t.same(values('$.payload.metrics[?(@.name=="cpu.percent")].value', metrics), [0.25]);
  t.same(values('$.payload.glance_metadata[?key=image_id].value', metrics), ['img-1']);
  t.same(values('payload.glance_metadata[?key="kernel_id"].value', metrics), ['k-1']);
  t.same(values('$.payload.metrics[?@name=cpu.frequency].value', metrics), [1600], '@name and a dotted bare word');
  t.same(values('$.payload.metrics[?(@.n.v = 1)].name', metrics), ['cpu.frequency'], 'nested left side');
  t.same(values('$.payload.metrics[?(@.flag)].name', metrics), ['cpu.idle.time'], 'existence test');
  t.same(values('$.payload.metrics[?(@.flag = true)].name', metrics), ['cpu.idle.time']);
  t.same(values("$.payload.notalist[?(@.name='cpu.frequency')]", metrics), [], 'filter on a dict: no match');
  const p = compileJsonPath("$.payload.metrics[?(@.name='cpu.percent')].value");
  t.equal(p.find(metrics)[0]?.path, 'payload.metrics.[1].value');
});

t.test('filter operators and types', async (t) => {
  t.same(values('$.payload.metrics[?(@.value > 1000)].name', metrics), ['cpu.frequency', 'cpu.idle.time']);
  t.same(values('$.payload.metrics[?(@.value >= 3)].name', metrics), ['cpu.frequency', 'cpu.idle.time', 7]);
  t.same(values('$.payload.metrics[?(@.value < 1)].name', metrics), ['cpu.percent']);
  t.same(values('$.payload.metrics[?(@.value <= 3.0)].name', metrics), ['cpu.percent', 7]);
  t.same(values('$.payload.metrics[?(@.value == 3)].name', metrics), [7], 'PyFloat 3.0 == 3');
  t.same(values('$.payload.metrics[?(@.value = 9007199254740993)].name', metrics), ['cpu.idle.time'], 'big int');
  t.same(values('$.payload.metrics[?(@.name != "cpu.percent")].value', metrics).length, 3);
  t.same(values("$.payload.metrics[?(@.name > 'cpu.g')].name", metrics), ['cpu.percent', 'cpu.idle.time']);
  t.same(values('$.payload.metrics[?(@.name < 5)].name', metrics), [], 'string vs number: false');
  t.same(values('$.payload.metrics[?(@.value = -1)].name', metrics), []);
  t.same(values("$.payload.metrics[?(@.source='libvirt' & @.value > 1)].name", metrics), ['cpu.frequency']);
  t.same(values("$.payload.metrics[?(@.source='libvirt')&(@.value < 1)].name", metrics), ['cpu.percent']);
  t.same(values("$.payload.metrics[?((@.source='libvirt') & (@.value < 1))].name", metrics), ['cpu.percent']);
});

t.test('union has the lowest precedence (oddity 1 fixed)', async (t) => {
  const ctxt = (c: PyJson): PyJson => ({ ctxt: c });
  t.same(values('ctxt.user_id|ctxt.user', ctxt({ user: 'u' })), ['u']);
  t.same(values('ctxt.user_id|ctxt.user', ctxt({ user_id: 'a', user: 'b' })), ['a', 'b'], 'first expression first');
  t.same(values('$.ctxt.project_id|$.ctxt.tenant_id|$.ctxt.tenant', ctxt({ tenant: 't' })), ['t']);
  t.same(values('(payload.a)|(payload.b)', { payload: { b: 2, a: 1 } }), [1, 2]);
  t.same(values('payload.(a|b)', { payload: { b: 2, a: 1 } }), [1, 2], 'union as a step');
  t.same(values("('a')|('b')", { a: 1, b: 2 }), [1, 2], 'quoted names in a union are fields');
  t.same(values('(payload.x).y', { payload: { x: { y: 3 } } }), [3], 'steps after a group');
});

t.test('compileJsonPathUnion', async (t) => {
  const u = compileJsonPathUnion(['payload.firewall.id', 'payload.id']);
  t.equal(u.source, '(payload.firewall.id)|(payload.id)');
  t.same(
    u.find({ payload: { id: 'p', firewall: { id: 'f' } } }).map((m) => m.value),
    ['f', 'p'],
  );
  t.same(
    u.find({ payload: { id: 'p' } }).map((m) => m.value),
    ['p'],
  );
  t.equal(compileJsonPathUnion(['$.a']).source, '$.a');
  t.same(
    compileJsonPathUnion(['$.payload.created_at', '$.payload.launched_at'])
      .find({ payload: { launched_at: 'l', created_at: 'c' } })
      .map((m) => m.path),
    ['payload.created_at', 'payload.launched_at'],
  );
  t.throws(() => compileJsonPathUnion([]), { name: 'JsonPathSyntaxError' });
  t.throws(() => compileJsonPathUnion(['a', 'b[']), { name: 'JsonPathSyntaxError', expression: 'b[' });
});
