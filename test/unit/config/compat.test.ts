import { join } from 'node:path';
import t from 'tap';
import {
  loadAgentOptions,
  loadEventDefinitionsFile,
  loadMeterDefinitionFiles,
  loadPipelineFile,
} from '../../../src/config/index.js';
import { REPO, SHARED } from '../../helpers/paths.js';
import { fakeRegistries } from './fakes.js';

const COMPAT = join(SHARED, 'compat');

for (const release of ['ceilometer-19', 'ceilometer-newton']) {
  const dir = join(COMPAT, release);

  t.test(`${release} pipeline.yaml loads`, async (t) => {
    const result = loadPipelineFile(join(dir, 'pipeline.yaml'), 'sample', fakeRegistries());
    t.same(result.issues, []);
    t.ok(result.config);
    if (release === 'ceilometer-19') {
      t.equal(result.warnings.length, 1);
      t.match(result.warnings[0], {
        line: 11,
        path: 'sinks[0].publishers[0]',
        message: "unknown publisher scheme 'gnocchi' (known: file, notifier, test): skipped",
      });
      t.same(result.config?.sinks[0]?.publishers, []);
      t.same(result.config?.pipelines, [
        { name: 'meter_source:meter_sink', source: 'meter_source', sink: 'meter_sink' },
      ]);
    } else {
      t.same(result.warnings, []);
      t.same(
        result.config?.pipelines.map((p) => p.name),
        [
          'meter_source:meter_sink',
          'cpu_source:cpu_sink',
          'cpu_source:cpu_delta_sink',
          'disk_source:disk_sink',
          'network_source:network_sink',
        ],
      );
      const cpuDelta = result.config?.sinks.find((s) => s.name === 'cpu_delta_sink');
      t.same(cpuDelta?.transformers[0]?.parameters, { target: { name: 'cpu.delta' }, growth_only: true });
      t.same(result.config?.sinks[0]?.transformers, []);
    }
  });

  t.test(`${release} event_pipeline.yaml loads`, async (t) => {
    const result = loadPipelineFile(join(dir, 'event_pipeline.yaml'), 'event', fakeRegistries());
    t.same(result.issues, []);
    t.same(result.warnings, []);
    t.same(result.config?.pipelines, [
      { name: 'event:event_source:event_sink', source: 'event_source', sink: 'event_sink' },
    ]);
    t.same(result.config?.sources[0]?.patterns, ['*']);
    t.same(
      result.config?.sinks[0]?.publishers.map((p) => p.url),
      ['notifier://'],
    );
  });

  t.test(`${release} meters.yaml loads raw`, async (t) => {
    const result = loadMeterDefinitionFiles([join(dir, 'meters.yaml')]);
    t.same(result.issues, []);
    t.ok(result.definitions.length > 20);
    for (const d of result.definitions) t.ok(d.locate([]) > 0, `definition ${d.index} has a line`);
  });

  t.test(`${release} event_definitions.yaml loads raw`, async (t) => {
    const result = loadEventDefinitionsFile(join(dir, 'event_definitions.yaml'));
    t.same(result.issues, []);
    t.ok(result.definitions.length > 10);
    t.same(
      result.definitions.map((d) => d.index),
      result.definitions.map((_, i) => i),
    );
  });
}

t.test('merge keys are applied in the compat files', async (t) => {
  const result = loadEventDefinitionsFile(join(COMPAT, 'ceilometer-19', 'event_definitions.yaml'));
  const second = result.definitions.find((d) => d.locate(['traits', '<<']) === 55);
  t.ok(second, 'a definition merges &instance_traits at line 55');
  const traits = second?.value.traits as Record<string, unknown>;
  t.ok('instance_id' in traits, 'merged trait is present');
  t.equal(second?.locate(['traits', 'instance_id']), 55, 'merged key points at the <<: line');
});

t.test("the repository's shipped config/ loads", async (t) => {
  const { options, issues } = loadAgentOptions({ file: join(REPO, 'config', 'meterflow.yaml'), env: {} });
  t.same(issues, []);
  if (options === undefined) return;
  const pipelines = loadPipelineFile(options.DEFAULT.pipeline_cfg_file, 'sample', fakeRegistries());
  t.same(pipelines.issues, []);
  const events = loadPipelineFile(options.DEFAULT.event_pipeline_cfg_file, 'event', fakeRegistries());
  t.same(events.issues, []);
  t.same(loadMeterDefinitionFiles(options.meter.meter_definitions_dirs).issues, []);
  t.same(loadEventDefinitionsFile(options.event.definitions_cfg_file).issues, []);
});
