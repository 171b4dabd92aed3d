import { hostname } from 'node:os';
import { resolve } from 'node:path';
import t from 'tap';
import { DEFAULT_CONTROL_EXCHANGES, loadAgentOptions } from '../../../src/config/index.js';

t.test('defaults: no file, empty file, empty sections', async (t) => {
  const none = loadAgentOptions({ env: {} });
  t.same(none.issues, []);
  const options = none.options;
  t.same(options?.DEFAULT, {
    host: hostname(),
    transport_url: 'rabbit://guest:guest@127.0.0.1:5672/',
    pipeline_cfg_file: resolve('pipeline.yaml'),
    event_pipeline_cfg_file: resolve('event_pipeline.yaml'),
    sample_source: 'openstack',
    graceful_shutdown_timeout: 60,
  });
  t.same(options?.notification, {
    workers: 1,
    batch_size: 100,
    batch_timeout: 5,
    workload_partitioning: false,
    pipeline_processing_queues: 10,
    ack_on_event_error: true,
    messaging_urls: [],
    notification_control_exchanges: [...DEFAULT_CONTROL_EXCHANGES],
    pipelines: ['meter', 'event'],
  });
  t.equal(DEFAULT_CONTROL_EXCHANGES.length, 15);
  t.same(options?.meter, { meter_definitions_dirs: [resolve('meters.yaml')] });
  t.same(options?.event, {
    definitions_cfg_file: resolve('event_definitions.yaml'),
    drop_unmatched_notifications: false,
    store_raw: [],
  });
  t.same(options?.publisher, { telemetry_secret: 'change this for valid signing' });
  t.same(options?.publisher_notifier, { metering_topic: 'metering', event_topic: 'event' });
  t.same(options?.coordination, { backend_url: null, heartbeat: 1.0, check_watchers: 10.0 });
  t.same(options?.oslo_messaging_notifications, { topics: ['notifications'] });
  t.same(options?.oslo_messaging_rabbit, {
    rabbit_qos_prefetch_count: 100,
    amqp_durable_queues: false,
    ssl: false,
    ssl_ca_file: null,
    ssl_cert_file: null,
    ssl_key_file: null,
  });
  t.same(options?.meterflow, {
    state_idle_ttl: 3600,
    metrics_address: '127.0.0.1:9464',
    partition_queue_prefix: 'ceilometer',
    group: 'meterflow',
    partition_migration: false,
    partition_lease_ttl: 3.5,
    member_ttl: 3,
  });

  const dir = t.testdir({ 'empty.yaml': '', 'sections.yaml': 'notification:\nDEFAULT: {}\n' });
  const empty = loadAgentOptions({ file: `${dir}/empty.yaml`, env: {} });
  t.same(empty.issues, []);
  t.equal(empty.options?.DEFAULT.pipeline_cfg_file, `${dir}/pipeline.yaml`, 'relative to the options file');
  const sections = loadAgentOptions({ file: `${dir}/sections.yaml`, env: {} });
  t.same(sections.issues, []);
  t.equal(sections.options?.notification.batch_size, 100);
});

t.test('file values, relative and absolute paths', async (t) => {
  const dir = t.testdir({
    'meterflow.yaml': `DEFAULT:
  transport_url: rabbit://u:p@mq:5672/
  pipeline_cfg_file: conf/pipeline.yaml
  event_pipeline_cfg_file: /etc/ceilometer/event_pipeline.yaml
notification:
  workers: 4
  workload_partitioning: true
  pipelines: [meter]
meter:
  meter_definitions_dirs: [meters.yaml, /etc/meterflow/meters.d]
event:
  store_raw: [INFO, error]
coordination:
  backend_url: redis://redis:6379
`,
  });
  const { options, issues } = loadAgentOptions({ file: `${dir}/meterflow.yaml`, env: {} });
  t.same(issues, []);
  t.equal(options?.DEFAULT.transport_url, 'rabbit://u:p@mq:5672/');
  t.equal(options?.DEFAULT.pipeline_cfg_file, `${dir}/conf/pipeline.yaml`);
  t.equal(options?.DEFAULT.event_pipeline_cfg_file, '/etc/ceilometer/event_pipeline.yaml');
  t.same(options?.meter.meter_definitions_dirs, [`${dir}/meters.yaml`, '/etc/meterflow/meters.d']);
  t.equal(options?.notification.workers, 4);
  t.equal(options?.notification.workload_partitioning, true);
  t.same(options?.notification.pipelines, ['meter']);
  t.same(options?.event.store_raw, ['info', 'error'], 'lower-cased as Ceilometer does');
  t.equal(options?.coordination.backend_url, 'redis://redis:6379');
});

t.test('strict: unknown sections and options, bad values, all with lines', async (t) => {
  const dir = t.testdir({
    'meterflow.yaml': `notification:
  workers: 0
  batch_sise: 50
  workload_partitioning: yes
colection:
  x: 1
coordination:
  heartbeat: -1
event:
  store_raw: [loud]
`,
  });
  const file = `${dir}/meterflow.yaml`;
  const { options, issues } = loadAgentOptions({ file, env: {} });
  t.equal(options, undefined);
  t.same(
    issues.map((i) => [i.file === file, i.line, i.path, i.message.replace(/ \(known: .*\)$/, '')]),
    [
      [true, 2, 'notification.workers', 'Too small: expected number to be >=1'],
      [true, 3, 'notification.batch_sise', "unknown option 'batch_sise' in notification"],
      [true, 4, 'notification.workload_partitioning', 'Invalid input: expected boolean, received string'],
      [true, 5, 'colection', "unknown section 'colection'"],
      [true, 8, 'coordination.heartbeat', 'Too small: expected number to be >0'],
      [
        true,
        10,
        'event.store_raw[0]',
        'Invalid option: expected one of "audit"|"critical"|"debug"|"error"|"info"|"sample"|"warn"',
      ],
    ],
  );
  t.match(issues.find((i) => i.path === 'notification.batch_sise')?.message, /\(known: workers, batch_size, /);
  t.match(issues.find((i) => i.path === 'colection')?.message, /\(known: DEFAULT, notification, meter, /);
});

t.test('[DEFAULT] graceful_shutdown_timeout: seconds, 0 waits forever, from the file or the environment', async (t) => {
  const dir = t.testdir({
    'ten.yaml': 'DEFAULT:\n  graceful_shutdown_timeout: 10\n',
    'zero.yaml': 'DEFAULT:\n  graceful_shutdown_timeout: 0\n',
    'bad.yaml': 'DEFAULT:\n  host: h\n  graceful_shutdown_timeout: -1\n',
    'fraction.yaml': 'DEFAULT:\n  graceful_shutdown_timeout: 1.5\n',
  });
  const read = (name: string, env: NodeJS.ProcessEnv = {}) => loadAgentOptions({ file: `${dir}/${name}`, env });
  t.equal(read('ten.yaml').options?.DEFAULT.graceful_shutdown_timeout, 10);
  t.equal(read('zero.yaml').options?.DEFAULT.graceful_shutdown_timeout, 0);
  const env = read('ten.yaml', { METERFLOW_DEFAULT__GRACEFUL_SHUTDOWN_TIMEOUT: '5' });
  t.equal(env.options?.DEFAULT.graceful_shutdown_timeout, 5, 'the environment wins over the file');
  t.same(
    read('bad.yaml').issues.map((i) => [i.line, i.path, i.message]),
    [[3, 'DEFAULT.graceful_shutdown_timeout', 'Too small: expected number to be >=0']],
  );
  t.match(
    read('fraction.yaml').issues,
    [{ line: 2, path: 'DEFAULT.graceful_shutdown_timeout' }],
    'an integer, as cotyledon',
  );
});

t.test('not a mapping, syntax error, missing file', async (t) => {
  const dir = t.testdir({ 'list.yaml': '- a\n', 'bad.yaml': 'a: [\n', 'section.yaml': 'notification: 3\n' });
  t.same(
    loadAgentOptions({ file: `${dir}/list.yaml`, env: {} }).issues.map((i) => [i.line, i.message]),
    [[1, 'must be a mapping of sections, not a list']],
  );
  t.ok(loadAgentOptions({ file: `${dir}/bad.yaml`, env: {} }).issues.length > 0);
  t.match(loadAgentOptions({ file: `${dir}/missing.yaml`, env: {} }).issues, [
    { line: 0, message: /^cannot read file/ },
  ]);
  const section = loadAgentOptions({ file: `${dir}/section.yaml`, env: { METERFLOW_NOTIFICATION__WORKERS: '2' } });
  t.same(
    section.issues.map((i) => [i.line, i.path]),
    [[1, 'notification']],
  );
});
