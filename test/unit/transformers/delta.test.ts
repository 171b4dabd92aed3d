import t from 'tap';
import { transformerRegistry } from '../../../src/transformers/index.js';
import { at, create, harness, sample, volumes } from './fixtures.js';

const series = (values: number[]) => values.map((volume, i) => sample({ volume, timestamp: at(i * 60) }));

t.test('26 → 16 → 53 gives -10, 37', async (t) => {
  const tr = create('delta', { target: { name: 'cpu.delta' } }, harness().context);
  const out = series([26, 16, 53]).map((s) => tr.handle(s));
  t.same(volumes(out), [null, -10, 37]);
  t.match(out[1], { name: 'cpu.delta', unit: 'ns', type: 'delta', timestamp: at(60), id: 'out-1' });
});

t.test('growth_only keeps only 37', async (t) => {
  const h = harness();
  const tr = create('delta', { target: { name: 'cpu.delta' }, growth_only: true }, h.context);
  t.same(volumes(series([26, 16, 53]).map((s) => tr.handle(s))), [null, null, 37]);
  t.ok(h.logger.records.some((r) => r.msg === 'Negative delta detected, dropping value'));
});

t.test('int and float deltas keep Python types', async (t) => {
  const tr = create('delta', {}, harness().context);
  tr.handle(sample({ volume: 1.5, timestamp: at(0) }));
  t.equal(tr.handle(sample({ volume: 4, timestamp: at(1) }))?.volume, 2.5);
  const ints = create('delta', {}, harness().context);
  ints.handle(sample({ volume: 1, timestamp: at(0) }));
  t.equal(ints.handle(sample({ volume: 4, timestamp: at(1) }))?.volume, 3, 'int - int is an int');
});

t.test('out-of-order dropped, newer point kept; equal timestamps emit', async (t) => {
  const tr = create('delta', {}, harness().context);
  tr.handle(sample({ volume: 10, timestamp: at(60) }));
  t.equal(tr.handle(sample({ volume: 5, timestamp: at(0) })), null);
  t.same(volumes([tr.handle(sample({ volume: 15, timestamp: at(60) }))]), [5], 'same timestamp, new sample');
  t.same(volumes([tr.handle(sample({ volume: 18, timestamp: at(120) }))]), [3]);
});

t.test('map_from/map_to rename; unit never changes', async (t) => {
  const tr = create(
    'delta',
    { source: { map_from: { name: 'cpu' } }, target: { map_to: { name: 'cpu_delta' }, unit: 'ignored' } },
    harness().context,
  );
  tr.handle(sample({ volume: 1, timestamp: at(0) }));
  t.match(tr.handle(sample({ volume: 2, timestamp: at(1) })), { name: 'cpu_delta', unit: 'ns' });
});

t.test('validation', async (t) => {
  const issues = (p: Record<string, unknown>) => harnessSpecIssues(p);
  t.same(issues({ growth_only: 'yes' }), [{ path: 'growth_only', message: 'must be a boolean' }]);
  t.same(issues({ bogus: 1 }), [{ path: 'bogus', message: 'unknown parameter (known: source, target, growth_only)' }]);
});

function harnessSpecIssues(p: Record<string, unknown>) {
  return transformerRegistry.get('delta')?.validate(p);
}
