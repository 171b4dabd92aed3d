import t from 'tap';
import { create, harness, sample } from './fixtures.js';

t.test('holds samples until size is reached, releases all in order', async (t) => {
  const tr = create('accumulator', { size: 3 }, harness().context);
  const inputs = [sample(), sample(), sample(), sample()];
  t.equal(tr.handle(inputs[0]!), null);
  t.same(tr.flush(), [], 'below size: nothing');
  tr.handle(inputs[1]!);
  t.same(tr.flush(), []);
  tr.handle(inputs[2]!);
  t.same(tr.flush(), inputs.slice(0, 3), 'the original samples, in arrival order');
  t.same(tr.flush(), [], 'emptied');
  tr.handle(inputs[3]!);
  t.same(tr.flush(), []);
});

t.test('more than size held: everything is released', async (t) => {
  const tr = create('accumulator', { size: 2 }, harness().context);
  const inputs = [sample(), sample(), sample()];
  for (const s of inputs) tr.handle(s);
  t.same(tr.flush(), inputs);
});

t.test('default size 1', async (t) => {
  const tr = create('accumulator', {}, harness().context);
  const s = sample();
  tr.handle(s);
  t.same(tr.flush(), [s]);
});

t.test('size < 1 passes through and flush does not fail (Ceilometer raised)', async (t) => {
  for (const size of [0, -1]) {
    const tr = create('accumulator', { size }, harness().context);
    const s = sample();
    t.equal(tr.handle(s), s);
    t.same(tr.flush(), []);
  }
});

t.test('a replayed sample is not held twice, even after release', async (t) => {
  const tr = create('accumulator', { size: 2 }, harness().context);
  const a = sample();
  const b = sample();
  tr.handle(a);
  tr.handle(a);
  t.same(tr.flush(), [], 'a counted once');
  tr.handle(b);
  t.same(tr.flush(), [a, b]);
  tr.handle(a);
  tr.handle(b);
  t.same(tr.flush(), [], 'the released batch replayed: ignored');
});

t.test('validation', async (t) => {
  t.throws(() => create('accumulator', { size: 'x' }, harness().context), /size.*must be an integer/);
  t.throws(() => create('accumulator', { size: 1.5 }, harness().context), /must be an integer/);
  t.throws(() => create('accumulator', { sizes: 1 }, harness().context), /unknown parameter/);
});
