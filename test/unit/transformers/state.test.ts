import t from 'tap';
import { PyFloat } from '../../../src/model/py-float.js';
import type { Sample } from '../../../src/model/sample.js';
import type { Transformer, TransformerState } from '../../../src/transformers/index.js';
import { create, harness, T0 } from './fixtures.js';
import { type Scenario, SCENARIOS } from './scenarios.js';

/** Outputs with Python types made visible and the generated ids removed. */
function canon(samples: (Sample | null)[]): string {
  return JSON.stringify(
    samples.map((s) =>
      s === null
        ? null
        : Object.fromEntries(Object.entries({ ...s, id: undefined }).sort(([a], [b]) => a.localeCompare(b))),
    ),
    (_key, value) => {
      if (value instanceof PyFloat) return `float:${value.value}`;
      if (typeof value === 'bigint') return `int:${value}`;
      if (typeof value === 'number') return Number.isInteger(value) ? `int:${value}` : `float:${value}`;
      return value;
    },
  );
}

/** JSON round trip: what a state store would hand back. */
const viaJson = (state: TransformerState): TransformerState => JSON.parse(JSON.stringify(state));

interface Runner {
  transformer: Transformer;
  clock: ReturnType<typeof harness>['clock'];
}

function fresh(scenario: Scenario): Runner {
  const h = harness();
  return { transformer: create(scenario.name, scenario.parameters, h.context), clock: h.clock };
}

function runBatch(runner: Runner, scenario: Scenario, index: number): (Sample | null)[] {
  runner.clock.set(T0 + index * 10_000);
  const out: (Sample | null)[] = (scenario.batches[index] ?? []).map((s) => runner.transformer.handle(s));
  return out.concat(runner.transformer.flush());
}

function runAll(runner: Runner, scenario: Scenario, from = 0): (Sample | null)[] {
  const out: (Sample | null)[] = [];
  for (let i = from; i < scenario.batches.length; i += 1) out.push(...runBatch(runner, scenario, i));
  return out;
}

for (const scenario of SCENARIOS) {
  t.test(`${scenario.name}: snapshot → restore equals an uninterrupted run`, async (t) => {
    const expected = runAll(fresh(scenario), scenario);
    t.ok(
      expected.some((s) => s !== null),
      'the scenario produces output',
    );
    for (let cut = 1; cut < scenario.batches.length; cut += 1) {
      const first = fresh(scenario);
      const before: (Sample | null)[] = [];
      for (let i = 0; i < cut; i += 1) before.push(...runBatch(first, scenario, i));
      const state = viaJson(first.transformer.snapshot());
      const second = fresh(scenario);
      second.transformer.restore(state);
      t.same(viaJson(second.transformer.snapshot()), state, `restored state is identical (cut ${cut})`);
      const after = runAll(second, scenario, cut);
      t.equal(canon([...before, ...after]), canon(expected), `cut after batch ${cut}`);
    }
  });

  t.test(`${scenario.name}: snapshotChanges deltas applied in sequence`, async (t) => {
    const expected = runAll(fresh(scenario), scenario);
    const source = fresh(scenario);
    const deltas: TransformerState[] = [viaJson(source.transformer.snapshot())];
    const before: (Sample | null)[] = [];
    const cut = scenario.batches.length - 2;
    for (let i = 0; i < cut; i += 1) {
      before.push(...runBatch(source, scenario, i));
      deltas.push(viaJson(source.transformer.snapshotChanges()));
    }
    const target = fresh(scenario);
    for (const delta of deltas) target.transformer.restore(delta);
    t.same(viaJson(target.transformer.snapshot()), viaJson(source.transformer.snapshot()), 'same state');
    t.equal(canon([...before, ...runAll(target, scenario, cut)]), canon(expected));
    t.same(Object.keys(source.transformer.snapshotChanges().entries), [], 'nothing changed since');
  });

  t.test(`${scenario.name}: replaying a checkpointed batch changes nothing`, async (t) => {
    const expected = runAll(fresh(scenario), scenario);
    const cut = 3;
    const first = fresh(scenario);
    const before: (Sample | null)[] = [];
    for (let i = 0; i < cut; i += 1) before.push(...runBatch(first, scenario, i));
    const checkpoint = viaJson(first.transformer.snapshot());
    // Crash after the checkpoint, before the ack: the new owner gets the batch again.
    const second = fresh(scenario);
    second.transformer.restore(checkpoint);
    const replayed = runBatch(second, scenario, cut - 1).filter((s) => s !== null);
    if (scenario.name === 'unit_conversion') {
      t.equal(replayed.length, scenario.batches[cut - 1]?.length, 'stateless: converts again');
    } else {
      t.same(replayed, [], 'no output from the replay');
    }
    const stateAfter = viaJson(second.transformer.snapshot());
    t.same(stateAfter.entries, checkpoint.entries, 'entries unchanged');
    t.equal(canon([...before, ...runAll(second, scenario, cut)]), canon(expected), 'continues identically');
  });
}

t.test('restore refuses another kind', async (t) => {
  const runner = fresh(SCENARIOS[0] as Scenario);
  t.throws(() => runner.transformer.restore({ kind: 'delta', entries: {} }), { code: 'transformer_state_invalid' });
});
