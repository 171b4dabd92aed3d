import t from 'tap';
import { systemClock } from '../../../src/model/clock.js';
import {
  DEFAULT_IDLE_TTL_MS,
  defaultTransformerContext,
  sinkGroupingKeys,
  type Transformer,
  transformerRegistry,
} from '../../../src/transformers/index.js';
import { create, harness } from './fixtures.js';

t.test('registry is keyed by the names users write', async (t) => {
  t.same([...transformerRegistry.keys()].sort(), [
    'accumulator',
    'aggregator',
    'arithmetic',
    'delta',
    'rate_of_change',
    'unit_conversion',
  ]);
  for (const [name, spec] of transformerRegistry) {
    t.equal(spec.name, name);
    const tr = spec.create({}, harness().context);
    t.equal(tr.name, name);
    t.same(tr.groupingKeys, ['resource_id']);
  }
});

t.test('validate reports every problem with a path relative to parameters', async (t) => {
  const roc = transformerRegistry.get('rate_of_change');
  const issues = roc?.validate({
    source: { map_from: { name: '(a', unit: 'x' }, bogus: 1 },
    target: { scale: '1 +', type: 'rate', max: 'lots', map_to: { name: 'y', unit: '\\3' } },
    extra: true,
  });
  t.same(issues?.map((i) => i.path).sort(), [
    'extra',
    'source.bogus',
    'source.map_from.name',
    'target.map_to.unit',
    'target.max',
    'target.scale',
    'target.type',
  ]);
  t.match(
    issues?.find((i) => i.path === 'target.scale')?.message,
    /^cannot parse expression: unexpected end of expression at column 4$/,
  );
  t.same(transformerRegistry.get('accumulator')?.validate({ size: 'x' }), [
    { path: 'size', message: 'must be an integer' },
  ]);
  t.same(transformerRegistry.get('unit_conversion')?.validate({ source: 'B' }), [
    { path: 'source', message: 'must be a mapping' },
  ]);
});

t.test('the Newton default pipeline parameters validate', async (t) => {
  const params: [string, Record<string, unknown>][] = [
    [
      'rate_of_change',
      {
        target: {
          name: 'cpu_util',
          unit: '%',
          type: 'gauge',
          scale: '100.0 / (10**9 * (resource_metadata.cpu_number or 1))',
        },
      },
    ],
    ['delta', { target: { name: 'cpu.delta' }, growth_only: true }],
    [
      'rate_of_change',
      {
        source: { map_from: { name: '(disk\\.device|disk)\\.(read|write)\\.(bytes|requests)', unit: '(B|request)' } },
        target: { map_to: { name: '\\1.\\2.\\3.rate', unit: '\\1/s' }, type: 'gauge' },
      },
    ],
  ];
  for (const [name, p] of params) t.same(transformerRegistry.get(name)?.validate(p), [], name);
});

t.test('create without validate throws a ConfigError with every issue', async (t) => {
  t.throws(() => transformerRegistry.get('delta')?.create({ growth_only: 1, x: 1 }, harness().context), {
    code: 'config_invalid',
  });
});

t.test('sink grouping keys: sorted union, default resource_id', async (t) => {
  const fake = (keys: string[]) => ({ groupingKeys: keys }) as unknown as Transformer;
  t.same(sinkGroupingKeys([]), ['resource_id']);
  t.same(sinkGroupingKeys([fake(['resource_id']), fake(['counter_name', 'resource_id'])]), [
    'counter_name',
    'resource_id',
  ]);
  t.same(sinkGroupingKeys([fake([])]), ['resource_id']);
  t.same(sinkGroupingKeys([create('delta', {}, harness().context)]), ['resource_id']);
});

t.test('defaultTransformerContext fills the gaps', async (t) => {
  const ctx = defaultTransformerContext();
  t.equal(ctx.clock, systemClock);
  t.equal(ctx.idleTtlMs, DEFAULT_IDLE_TTL_MS);
  t.equal(DEFAULT_IDLE_TTL_MS, 3_600_000);
  t.equal(ctx.sampleSource, 'openstack');
  t.match(ctx.newId(), /^[0-9a-f-]{36}$/);
  t.equal(defaultTransformerContext({ sampleSource: 'x', idleTtlMs: 5 }).idleTtlMs, 5);
});
