import { Registry } from 'prom-client';
import t from 'tap';
import { createPartitionedMetrics } from '../../../../src/agent/partitioned/metrics.js';

t.test('counters and the checkpoint histogram, with bounded labels', async (t) => {
  const registry = new Registry();
  const metrics = createPartitionedMetrics(registry);
  metrics.routed('cpu', 3);
  metrics.routed('cpu', 2);
  metrics.routed('disk', 1);
  metrics.processed('cpu', 4);
  metrics.refused('cpu', 'bad_signature');
  metrics.refused('cpu', 'bad_signature');
  metrics.refused('disk', 'invalid_sample');
  metrics.rolledBack('disk');
  metrics.unrestorable('cpu');
  metrics.checkpoint(0.003);
  metrics.checkpoint(2);

  const text = await registry.metrics();
  t.match(text, /meterflow_partition_samples_routed_total\{pipeline="cpu"\} 5\n/);
  t.match(text, /meterflow_partition_samples_routed_total\{pipeline="disk"\} 1\n/);
  t.match(text, /meterflow_partition_samples_processed_total\{pipeline="cpu"\} 4\n/);
  t.match(text, /meterflow_partition_messages_dead_lettered_total\{pipeline="cpu",reason="bad_signature"\} 2\n/);
  t.match(text, /meterflow_partition_messages_dead_lettered_total\{pipeline="disk",reason="invalid_sample"\} 1\n/);
  t.match(text, /meterflow_partition_rollbacks_total\{pipeline="disk"\} 1\n/);
  t.match(text, /# TYPE meterflow_partition_checkpoint_seconds histogram/);
  t.match(text, /meterflow_partition_checkpoint_seconds_bucket\{le="0.005"\} 1\n/);
  t.match(text, /meterflow_partition_checkpoint_seconds_bucket\{le="1"\} 1\n/);
  t.match(text, /meterflow_partition_checkpoint_seconds_bucket\{le="\+Inf"\} 2\n/);
  t.match(text, /meterflow_partition_checkpoint_seconds_count 2\n/);

  const json = await registry.getMetricsAsJSON();
  t.same(json.map((m) => m.name).sort(), [
    'meterflow_partition_checkpoint_seconds',
    'meterflow_partition_messages_dead_lettered_total',
    'meterflow_partition_rollbacks_total',
    'meterflow_partition_samples_processed_total',
    'meterflow_partition_samples_routed_total',
    'meterflow_partition_state_unrestorable_total',
  ]);
  const counters = json.filter((m) => String(m.type) === 'counter');
  t.same(
    counters.map((m) => [m.name, [...new Set(m.values.flatMap((v) => Object.keys(v.labels)))].sort()]),
    counters.map((m) => [m.name, m.name.includes('dead_lettered') ? ['pipeline', 'reason'] : ['pipeline']]),
    'counters are labelled by pipeline (and reason) only',
  );
});

t.test('a registry of its own per agent: no global registration, no clash', async (t) => {
  const a = new Registry();
  const b = new Registry();
  createPartitionedMetrics(a).routed('cpu', 1);
  t.doesNotThrow(() => createPartitionedMetrics(b), 'a second registry takes the same names');
  t.match(await a.metrics(), /routed_total\{pipeline="cpu"\} 1/);
  t.notMatch(await b.metrics(), /routed_total\{pipeline="cpu"\}/);
  t.throws(() => createPartitionedMetrics(a), /already been registered/, 'twice on one registry is an error');
});
