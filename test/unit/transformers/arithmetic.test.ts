import t from 'tap';
import { PyFloat } from '../../../src/model/py-float.js';
import { transformerRegistry } from '../../../src/transformers/index.js';
import { escapeMeterName, rewriteExpr } from '../../../src/transformers/arithmetic-expr.js';
import { at, create, harness, sample } from './fixtures.js';

const MEMORY_UTIL = {
  target: { name: 'memory_util', unit: '%', type: 'gauge', expr: '100.0 * $(memory.usage) / $(memory)' },
};

t.test('memory 1024 + memory.usage 512 → 50.0; 2048 → 25.0', async (t) => {
  const tr = create('arithmetic', MEMORY_UTIL, harness().context);
  t.equal(tr.handle(sample({ name: 'memory', unit: 'MB', volume: 1024, timestamp: at(0) })), null);
  t.same(tr.flush(), [], 'incomplete: nothing');
  tr.handle(sample({ name: 'memory.usage', unit: 'MB', volume: 512, timestamp: at(1), resource_metadata: { m: 1 } }));
  const out = tr.flush();
  t.equal(out.length, 1);
  t.same(out[0]?.volume, new PyFloat(50));
  t.match(out[0], {
    name: 'memory_util',
    unit: '%',
    type: 'gauge',
    timestamp: at(1),
    resource_id: 'r1',
    resource_metadata: { m: 1 },
    id: 'out-1',
  });
  t.same(tr.flush(), [], 'resource removed after emitting');
  tr.handle(sample({ name: 'memory', volume: 2048, timestamp: at(2) }));
  tr.handle(sample({ name: 'memory.usage', volume: 512, timestamp: at(3) }));
  t.same(tr.flush()[0]?.volume, new PyFloat(25));
});

t.test('reference meter is the first referenced: defaults and ids', async (t) => {
  const tr = create('arithmetic', { target: { expr: '$(b) + $(a)' } }, harness().context);
  tr.handle(sample({ name: 'a', unit: 'ua', type: 'gauge', volume: 1, user_id: 'ua' }));
  tr.handle(sample({ name: 'b', unit: 'ub', type: 'delta', volume: 2, user_id: 'ub' }));
  t.match(tr.flush(), [{ name: 'b', unit: 'ub', type: 'delta', user_id: 'ub', volume: new PyFloat(3) }]);
});

t.test('missing meters: nothing emitted, kept for later', async (t) => {
  const tr = create('arithmetic', MEMORY_UTIL, harness().context);
  tr.handle(sample({ name: 'memory', volume: 1024, resource_id: 'x' }));
  tr.handle(sample({ name: 'memory.usage', volume: 512, resource_id: 'y' }));
  t.same(tr.flush(), []);
  tr.handle(sample({ name: 'memory.usage', volume: 256, resource_id: 'x' }));
  t.match(tr.flush(), [{ resource_id: 'x', volume: new PyFloat(25) }]);
});

t.test('timestamp is the latest seen by the transformer, any meter any resource', async (t) => {
  const tr = create('arithmetic', MEMORY_UTIL, harness().context);
  tr.handle(sample({ name: 'memory', volume: 1, timestamp: at(0) }));
  tr.handle(sample({ name: 'memory.usage', volume: 1, timestamp: at(1) }));
  tr.handle(sample({ name: 'unrelated', resource_id: 'other', timestamp: at(9) }));
  t.equal(tr.flush()[0]?.timestamp, at(9));
});

t.test('NaN, failures and non-numbers emit nothing', async (t) => {
  const h = harness();
  const cases = ['$(a) / 0', '$(a).resource_metadata.nope + 1', '$(a).name', '$(a) * 0.0 * 1e309'];
  for (const expr of cases) {
    const tr = create('arithmetic', { target: { expr } }, h.context);
    tr.handle(sample({ name: 'a', volume: 1 }));
    t.same(tr.flush(), [], expr);
    t.same(tr.flush(), [], 'the resource was removed anyway');
  }
  t.ok(h.logger.records.filter((r) => r.msg === 'Unable to evaluate expression').length >= 3);
});

t.test('attribute references and metadata', async (t) => {
  const tr = create(
    'arithmetic',
    { target: { expr: '$(cpu.util) * ($(cpu.util).resource_metadata.cpu_number or 1)' } },
    harness().context,
  );
  tr.handle(sample({ name: 'cpu.util', volume: 10, resource_metadata: { cpu_number: 4 } }));
  t.same(tr.flush()[0]?.volume, new PyFloat(40));
});

t.test('misconfigured expression never emits', async (t) => {
  const h = harness();
  for (const expr of ['', '1 + 2']) {
    const tr = create('arithmetic', { target: { expr } }, h.context);
    t.equal(tr.handle(sample()), null);
    t.same(tr.flush(), []);
  }
  t.ok(h.logger.records.some((r) => r.level === 'warn'));
});

t.test('meter name rewriting as Ceilometer', async (t) => {
  t.equal(rewriteExpr('$(cpu) + $(cpu.util)').source, 'cpu.volume + _cpu_util_ESC.volume');
  t.equal(rewriteExpr('$(cpu.util).resource_metadata').source, '_cpu_util_ESC.resource_metadata');
  t.equal(rewriteExpr('$(class)').source, '_class_ESC.volume');
  t.equal(rewriteExpr('$(_class_ESC)').source, '__class_ESC_ESC.volume');
  t.equal(escapeMeterName('None'), '_None_ESC');
  t.same([...rewriteExpr('$(b) + $(a) + $(b)').escaped.keys()], ['b', 'a'], 'first occurrence order');
});

t.test('validation reports parse errors with location', async (t) => {
  const spec = transformerRegistry.get('arithmetic');
  const issues = spec?.validate({ target: { expr: '$(a) + abs($(b))' } });
  t.equal(issues?.length, 1);
  t.equal(issues?.[0]?.path, 'target.expr');
  t.match(issues?.[0]?.message, /^cannot parse expression: function calls are not allowed at column \d+/);
  t.same(spec?.validate({ target: { expr: '$(a)', bogus: 1 } }), [
    { path: 'target.bogus', message: 'unknown parameter (known: name, unit, type, expr)' },
  ]);
});

t.test('replays of cached or emitted samples do not change state', async (t) => {
  const tr = create('arithmetic', MEMORY_UTIL, harness().context);
  const m = sample({ name: 'memory', volume: 1024 });
  const u = sample({ name: 'memory.usage', volume: 512 });
  tr.handle(m);
  tr.handle(u);
  t.equal(tr.flush().length, 1);
  tr.handle(m);
  tr.handle(u);
  t.same(tr.flush(), [], 'the emitted set replayed: nothing new');
  tr.handle(sample({ name: 'memory', volume: 2048 }));
  tr.handle(sample({ name: 'memory.usage', volume: 512 }));
  t.equal(tr.flush().length, 1, 'new samples still work');
});
