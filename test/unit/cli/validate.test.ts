import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli, tempDir } from '../../helpers/cli.js';
import { CEILOMETER_19, CEILOMETER_NEWTON } from '../../helpers/paths.js';

const compatFlags = (dir: string) => [
  '--pipeline',
  `${dir}pipeline.yaml`,
  '--event-pipeline',
  `${dir}event_pipeline.yaml`,
  '--meters',
  `${dir}meters.yaml`,
  '--event-definitions',
  `${dir}event_definitions.yaml`,
];

t.test('the packaged defaults are valid', async (t) => {
  const r = await runCli(['validate']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^valid: .*config\/pipeline\.yaml/);
});

t.test('the shipped agent options file is valid and names the shipped files', async (t) => {
  const r = await runCli(['validate', '--config-file', 'config/meterflow.yaml']);
  t.equal(r.code, 0, r.stderr);
  t.match(
    r.stdout,
    /config\/pipeline\.yaml, .*config\/event_pipeline\.yaml, .*config\/meters\.yaml, .*config\/event_definitions\.yaml/,
  );
});

t.test('Ceilometer 19 files load unmodified (gnocchi:// is skipped with a warning)', async (t) => {
  const r = await runCli(['validate', ...compatFlags(CEILOMETER_19)]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /pipeline\.yaml:\d+: sinks\[0\]\.publishers\[0\]: warning: unknown publisher scheme 'gnocchi'/);
});

t.test('Ceilometer Newton files load unmodified', async (t) => {
  const r = await runCli(['validate', ...compatFlags(CEILOMETER_NEWTON)]);
  t.equal(r.code, 0, r.stderr);
});

t.test('every error of every file at once, as file:line: path: message', async (t) => {
  const dir = tempDir(t);
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    [
      'sources:',
      '  - name: a',
      '    meters: ["cpu", "!disk.*"]',
      '    sinks: [s1, missing]',
      '  - name: a',
      '    meters: ["*"]',
      '    sinks: [s1]',
      'sinks:',
      '  - name: s1',
      '    transformers:',
      '      - name: no_such_transformer',
      '        parameters: {}',
      '    publishers: []',
      '',
    ].join('\n'),
  );
  const meters = join(dir, 'meters.yaml');
  writeFileSync(
    meters,
    [
      'metric:',
      '  - name: good',
      '    event_type: x.y',
      '    type: gauge',
      '    unit: B',
      '    volume: $.payload.size',
      '    resource_id: $.payload.id',
      '  - name: bad',
      '    event_type: x.z',
      '    type: sometimes',
      '    unit: B',
      '    volume: $.payload.[[',
      '',
    ].join('\n'),
  );
  const r = await runCli(['validate', '--pipeline', pipeline, '--meters', meters]);
  t.equal(r.code, 1);
  const lines = r.stderr.split('\n');
  const has = (re: RegExp) =>
    t.ok(
      lines.some((l) => re.test(l)),
      `${re} in:\n${r.stderr}`,
    );
  has(/pipeline\.yaml:5: sources\[1\]\.name: Duplicated source names: a$/);
  has(/pipeline\.yaml:3: sources\[0\]\.meters: Both included and excluded meters specified$/);
  has(/pipeline\.yaml:4: sources\[0\]\.sinks\[1\]: Dangling sink missing from source a$/);
  has(/pipeline\.yaml:11: sinks\[0\]\.transformers\[0\]\.name: No transformer named no_such_transformer loaded/);
  has(/pipeline\.yaml:13: sinks\[0\]\.publishers: No publisher specified$/);
  has(/meters\.yaml:8: metric\[1\]: Required fields \[resource_id\] not specified$/);
  has(/meters\.yaml:10: metric\[1\]\.type: Invalid type sometimes specified$/);
  has(/meters\.yaml:12: metric\[1\]\.volume: invalid jsonpath/);
  t.match(r.stderr, /\d+ error\(s\)/);
});

t.test('usage errors', async (t) => {
  const r = await runCli(['validate', '--bogus']);
  t.equal(r.code, 64);
  t.match(r.stderr, /meterflow validate: .*bogus/);
  const u = await runCli(['frobnicate']);
  t.equal(u.code, 64);
  t.match(u.stderr, /unknown command 'frobnicate' \(known: validate, replay, /);
});

t.test('workload_partitioning without a coordination backend is a config error with its line', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'meterflow.yaml');
  writeFileSync(file, 'DEFAULT: {host: x}\nnotification: {workload_partitioning: true}\n');
  const r = await runCli(['run', '--config-file', file]);
  t.equal(r.code, 1);
  t.match(r.stderr, /meterflow\.yaml:2: notification\.workload_partitioning: .*needs \[coordination\] backend_url/);
});
