import t from 'tap';
import { isPyFloat, PyFloat } from '../../../src/model/py-float.js';
import { create, harness, sample } from './fixtures.js';

t.test('numeric scale and target attributes', async (t) => {
  const tr = create(
    'unit_conversion',
    { source: { unit: 'B' }, target: { name: 'disk.kilobytes', unit: 'KB', scale: 0.5 } },
    harness().context,
  );
  const input = sample({ name: 'disk.bytes', unit: 'B', type: 'gauge', volume: 2048 });
  const out = tr.handle(input);
  t.match(out, { name: 'disk.kilobytes', unit: 'KB', type: 'gauge', id: 'out-1', source: 'openstack' });
  t.same(out?.volume, new PyFloat(1024), 'int × float is a float');
  t.equal(out?.resource_metadata, input.resource_metadata, 'metadata copied');
});

t.test('samples of another unit pass through unchanged (same object)', async (t) => {
  const tr = create('unit_conversion', { source: { unit: 'B' }, target: { scale: 2 } }, harness().context);
  const other = sample({ unit: 'KB', volume: 1 });
  t.equal(tr.handle(other), other);
});

t.test('expression scale on the sample; int scale keeps ints', async (t) => {
  const expr = create('unit_conversion', { target: { scale: 'volume * 1.8 + 32', unit: 'F' } }, harness().context);
  t.same(expr.handle(sample({ volume: 100, unit: 'C' }))?.volume, new PyFloat(212));
  const ints = create('unit_conversion', { target: { scale: 3 } }, harness().context);
  const v = ints.handle(sample({ volume: 7 }))?.volume;
  t.equal(v, 21);
  t.notOk(isPyFloat(v));
  const div = create('unit_conversion', { target: { scale: 'volume / 60' } }, harness().context);
  t.same(div.handle(sample({ volume: 120 }))?.volume, new PyFloat(2), 'true division (Python 3)');
});

t.test('falsy scale leaves the volume; max caps', async (t) => {
  for (const scale of [0, '']) {
    const tr = create('unit_conversion', { target: { scale } }, harness().context);
    t.equal(tr.handle(sample({ volume: 9 }))?.volume, 9);
  }
  const capped = create('unit_conversion', { target: { max: 5 } }, harness().context);
  t.equal(capped.handle(sample({ volume: 9 }))?.volume, 5);
  t.equal(capped.handle(sample({ volume: 3 }))?.volume, 3);
});

t.test('map_from/map_to: no match keeps the name, target.name not consulted', async (t) => {
  const tr = create(
    'unit_conversion',
    { source: { map_from: { name: '^disk\\.(.*)' } }, target: { map_to: { name: 'd.\\1' }, name: 'fallback' } },
    harness().context,
  );
  t.equal(tr.handle(sample({ name: 'disk.read' }))?.name, 'd.read');
  t.equal(tr.handle(sample({ name: 'cpu' }))?.name, 'cpu');
  const empty = create(
    'unit_conversion',
    { source: { map_from: { name: '.*' } }, target: { map_to: { name: '\\g<0>' }, name: 'fallback' } },
    harness().context,
  );
  t.equal(empty.handle(sample({ name: 'x' }))?.name, 'x');
});

t.test('flush is empty, state trivially restorable', async (t) => {
  const tr = create('unit_conversion', {}, harness().context);
  t.same(tr.flush(), []);
  const snap = tr.snapshot();
  t.same(snap, { kind: 'unit_conversion', entries: {}, global: { full: true } });
  tr.restore(snap);
  t.throws(() => tr.restore({ kind: 'delta', entries: {} }), { code: 'transformer_state_invalid' });
});
