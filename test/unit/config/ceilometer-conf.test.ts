import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { loadConfig } from '../../../src/agent/index.js';
import { agentOptionsSchema } from '../../../src/config/agent-options-schema.js';
import { sectionOptions } from '../../../src/config/agent-env.js';
import {
  CONF_OPTIONS,
  DEFAULT_CONTROL_EXCHANGES,
  isIniOptionsFile,
  loadAgentOptions,
  loadCeilometerConf,
  readCeilometerConf,
} from '../../../src/config/index.js';
import type { ConfigIssue } from '../../../src/errors.js';

const FIXTURE = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/config/ceilometer.conf');
/** The repository's `config/` (PACKAGED_CONFIG_DIR points there only from the built `dist/`). */
const PACKAGED = resolve(dirname(FIXTURE), '../../../config');

/** Reads INI text through the whole loader (schema, defaults, env), like `meterflow run`. */
function load(t: Test, text: string, env: NodeJS.ProcessEnv = {}) {
  const dir = t.testdir({ 'ceilometer.conf': text });
  return { ...loadAgentOptions({ file: `${dir}/ceilometer.conf`, env }), dir };
}

const brief = (issues: readonly ConfigIssue[]) => issues.map((i) => [i.line, i.path, i.message]);

t.test('a kolla-style ceilometer.conf end to end', async (t) => {
  const { options, issues, warnings } = loadAgentOptions({ file: FIXTURE, env: {} });
  t.same(issues, []);
  const dir = dirname(FIXTURE);
  t.same(options?.DEFAULT, {
    host: 'ctl-01',
    transport_url: 'rabbit://openstack:Rabb1tPw@10.0.0.11:5672,openstack:Rabb1tPw@10.0.0.12:5672//',
    pipeline_cfg_file: `${dir}/pipeline.yaml`,
    event_pipeline_cfg_file: '/var/lib/ceilometer/event_pipeline.yaml',
    sample_source: 'openstack',
    graceful_shutdown_timeout: 60,
  });
  t.same(options?.notification, {
    workers: 4,
    batch_size: 50,
    batch_timeout: 5,
    workload_partitioning: true,
    pipeline_processing_queues: 10,
    ack_on_event_error: false,
    messaging_urls: ['rabbit://nova:N0va-pw@rabbit-nova:5672/', 'rabbit://cinder:C1nder-pw@rabbit-cinder:5672/'],
    notification_control_exchanges: ['nova', 'neutron', 'cinder'],
    pipelines: ['meter', 'event'],
  });
  t.same(options?.meter.meter_definitions_dirs, ['/etc/ceilometer/meters.d', `${dir}/meters.yaml`]);
  t.same(options?.event, {
    definitions_cfg_file: `${dir}/event_definitions.yaml`,
    drop_unmatched_notifications: true,
    store_raw: ['info'],
  });
  t.equal(options?.publisher.telemetry_secret, 'k0lla$ecret', 'quotes removed, $$ is a dollar');
  t.same(options?.publisher_notifier, { metering_topic: 'metering', event_topic: 'event' });
  t.same(options?.coordination, {
    backend_url: 'redis://:Red1s-pw@10.0.0.11:26379?sentinel=kolla&db=0&socket_timeout=60',
    heartbeat: 1,
    check_watchers: 10,
  });
  t.same(options?.oslo_messaging_notifications.topics, ['notifications', 'notifications_designate']);
  t.same(options?.oslo_messaging_rabbit, {
    rabbit_qos_prefetch_count: 64,
    amqp_durable_queues: true,
    ssl: false,
    ssl_ca_file: null,
    ssl_cert_file: null,
    ssl_key_file: null,
  });
  t.same(options?.meterflow, {
    state_idle_ttl: 7200,
    metrics_address: '0.0.0.0:9464',
    partition_queue_prefix: 'ceilometer',
    group: 'meterflow-ctl-01',
    partition_migration: false,
    partition_lease_ttl: 3.5,
    member_ttl: 3,
  });
  t.same(brief(warnings), [
    [3, 'DEFAULT.debug', 'option not used by meterflow: ignored'],
    [4, 'DEFAULT.log_dir', 'option not used by meterflow: ignored'],
    [5, 'DEFAULT.use_stderr', 'option not used by meterflow: ignored'],
    [10, 'DEFAULT.notification_workers', 'deprecated name: use [notification] workers'],
    [13, 'DEFAULT.http_timeout', 'option not used by meterflow: ignored'],
    [15, 'database', 'section not used by meterflow: ignored'],
    [19, 'keystone_authtoken', 'section not used by meterflow: ignored'],
    [30, 'service_credentials', 'section not used by meterflow: ignored'],
    [69, 'publisher_notifier.telemetry_driver', 'option not used by meterflow: ignored'],
    [
      75,
      'oslo_messaging_notifications.transport_url',
      'option not used by meterflow: ignored (meterflow reads transport_url from [DEFAULT])',
    ],
    [76, 'oslo_messaging_notifications.driver', 'option not used by meterflow: ignored'],
    [83, 'oslo_messaging_rabbit.rabbit_ha_queues', 'option not used by meterflow: ignored'],
    [84, 'oslo_messaging_rabbit.heartbeat_in_pthread', 'option not used by meterflow: ignored'],
    [86, 'oslo_concurrency', 'section not used by meterflow: ignored'],
    [89, 'cache', 'section not used by meterflow: ignored'],
  ]);
  t.ok(
    warnings.every((w) => w.file === FIXTURE),
    'every warning names the file',
  );
  const text = JSON.stringify(warnings);
  for (const secret of ['Rabb1tPw', 'Db-Pa55', 'Ks-Pa55', 'N0va-pw', 'Red1s-pw', 'k0lla']) {
    t.notOk(text.includes(secret), `no ${secret} in warnings`);
  }
});

t.test('loadConfig passes the INI warnings through', async (t) => {
  const dir = t.testdir({
    'ceilometer.conf': `[DEFAULT]
pipeline_cfg_file = ${PACKAGED}/pipeline.yaml
event_pipeline_cfg_file = ${PACKAGED}/event_pipeline.yaml
debug = true
[meter]
meter_definitions_dirs = ${PACKAGED}/meters.yaml
[event]
definitions_cfg_file = ${PACKAGED}/event_definitions.yaml
`,
  });
  const loaded = loadConfig({ configFile: `${dir}/ceilometer.conf` }, {});
  t.same(loaded.issues, []);
  t.match(loaded.warnings, [{ line: 4, path: 'DEFAULT.debug', message: 'option not used by meterflow: ignored' }]);
  t.ok(loaded.pipelines.sample);
});

t.test('only DEFAULT options fall back to [DEFAULT]; no group does', async (t) => {
  const { options, issues, warnings } = load(
    t,
    `[DEFAULT]
transport_url = rabbit://a:b@mq/
batch_size = 5
topics = other
[notification]
`,
  );
  t.same(issues, []);
  t.equal(options?.DEFAULT.transport_url, 'rabbit://a:b@mq/');
  t.equal(options?.notification.batch_size, 100, '[DEFAULT] batch_size is not [notification] batch_size');
  t.same(options?.oslo_messaging_notifications.topics, ['notifications']);
  t.same(brief(warnings), [
    [3, 'DEFAULT.batch_size', 'option not used by meterflow: ignored (meterflow reads batch_size from [notification])'],
    [
      4,
      'DEFAULT.topics',
      'option not used by meterflow: ignored (meterflow reads topics from [oslo_messaging_notifications])',
    ],
  ]);
});

t.test('group names are case-insensitive except DEFAULT', async (t) => {
  const { options, issues, warnings } = load(
    t,
    `[Notification]
workers = 3
[default]
host = lower
[DEFAULT]
host = upper
`,
  );
  t.same(issues, []);
  t.equal(options?.notification.workers, 3);
  t.equal(options?.DEFAULT.host, 'upper');
  t.same(brief(warnings), [
    [
      3,
      'default',
      'section not used by meterflow: ignored (options of [DEFAULT] must be under "[DEFAULT]", upper-case)',
    ],
  ]);
});

t.test('duplicates: the last wins, multi-valued options collect every occurrence', async (t) => {
  const { options, issues, warnings } = load(
    t,
    `[notification]
batch_size = 10
messaging_urls = rabbit://a/
batch_size = 20
[meter]
meter_definitions_dirs = /a
[notification]
messaging_urls = rabbit://b/
batch_size = 30
[meter]
meter_definitions_dirs = /b
meter_definitions_dirs = /c
`,
  );
  t.same(issues, []);
  t.equal(options?.notification.batch_size, 30);
  t.same(options?.notification.messaging_urls, ['rabbit://a/', 'rabbit://b/']);
  t.same(options?.meter.meter_definitions_dirs, ['/a', '/b', '/c']);
  t.same(brief(warnings), [
    [2, 'notification.batch_size', 'set again at line 9: this value is ignored (oslo keeps the last)'],
    [4, 'notification.batch_size', 'set again at line 9: this value is ignored (oslo keeps the last)'],
  ]);
});

t.test('a multi-valued option set once is a one-item list; a list option splits at commas', async (t) => {
  const { options, issues } = load(
    t,
    `[notification]
pipelines = meter
[oslo_messaging_notifications]
topics = notifications, audit ,
`,
  );
  t.same(issues, []);
  t.same(options?.notification.pipelines, ['meter']);
  t.same(options?.notification.notification_control_exchanges, [...DEFAULT_CONTROL_EXCHANGES]);
  t.same(options?.oslo_messaging_notifications.topics, ['notifications', 'audit']);
});

t.test('deprecated names and groups', async (t) => {
  const { options, issues, warnings } = load(
    t,
    `[DEFAULT]
notification_workers = 3
metering_secret = from-default
http_control_exchanges = legacy
notification_topics = old_topic
rabbit_durable_queues = yes
[collector]
ack_on_event_error = False
udp_address = 0.0.0.0
[notification]
notification_control_exchanges = nova
[oslo_messaging_rabbit]
rabbit_use_ssl = true
kombu_ssl_ca_certs = /etc/ssl/ca.pem
kombu_ssl_certfile = /etc/ssl/cert.pem
kombu_ssl_keyfile = /etc/ssl/key.pem
`,
  );
  t.same(issues, []);
  t.equal(options?.notification.workers, 3);
  t.equal(options?.publisher.telemetry_secret, 'from-default');
  t.same(options?.notification.notification_control_exchanges, ['legacy', 'nova'], 'oslo: deprecated values first');
  t.same(options?.oslo_messaging_notifications.topics, ['old_topic']);
  t.equal(options?.oslo_messaging_rabbit.amqp_durable_queues, true);
  t.equal(options?.notification.ack_on_event_error, false);
  t.same(options?.oslo_messaging_rabbit, {
    rabbit_qos_prefetch_count: 100,
    amqp_durable_queues: true,
    ssl: true,
    ssl_ca_file: '/etc/ssl/ca.pem',
    ssl_cert_file: '/etc/ssl/cert.pem',
    ssl_key_file: '/etc/ssl/key.pem',
  });
  t.same(brief(warnings), [
    [2, 'DEFAULT.notification_workers', 'deprecated name: use [notification] workers'],
    [3, 'DEFAULT.metering_secret', 'deprecated name: use [publisher] telemetry_secret'],
    [4, 'DEFAULT.http_control_exchanges', 'deprecated name: use [notification] notification_control_exchanges'],
    [5, 'DEFAULT.notification_topics', 'deprecated name: use [oslo_messaging_notifications] topics'],
    [6, 'DEFAULT.rabbit_durable_queues', 'deprecated name: use [oslo_messaging_rabbit] amqp_durable_queues'],
    [8, 'collector.ack_on_event_error', 'deprecated name: use [notification] ack_on_event_error'],
    [9, 'collector.udp_address', 'option not used by meterflow: ignored'],
    [13, 'oslo_messaging_rabbit.rabbit_use_ssl', 'deprecated name: use [oslo_messaging_rabbit] ssl'],
    [14, 'oslo_messaging_rabbit.kombu_ssl_ca_certs', 'deprecated name: use [oslo_messaging_rabbit] ssl_ca_file'],
    [15, 'oslo_messaging_rabbit.kombu_ssl_certfile', 'deprecated name: use [oslo_messaging_rabbit] ssl_cert_file'],
    [16, 'oslo_messaging_rabbit.kombu_ssl_keyfile', 'deprecated name: use [oslo_messaging_rabbit] ssl_key_file'],
  ]);
});

t.test('the current name wins over deprecated ones, in oslo order among deprecated ones', async (t) => {
  const { options, issues, warnings } = load(
    t,
    `[DEFAULT]
metering_secret = a
[publisher_rpc]
metering_secret = b
[publisher]
metering_secret = c
telemetry_secret = d
[notification]
workers = 2
[DEFAULT]
notification_workers = 5
`,
  );
  t.same(issues, []);
  t.equal(options?.publisher.telemetry_secret, 'd');
  t.equal(options?.notification.workers, 2);
  t.same(brief(warnings), [
    [2, 'DEFAULT.metering_secret', 'ignored (deprecated name): line 7 sets [publisher] telemetry_secret'],
    [4, 'publisher_rpc.metering_secret', 'ignored (deprecated name): line 7 sets [publisher] telemetry_secret'],
    [6, 'publisher.metering_secret', 'ignored (deprecated name): line 7 sets [publisher] telemetry_secret'],
    [11, 'DEFAULT.notification_workers', 'ignored (deprecated name): line 9 sets [notification] workers'],
  ]);
  const older = load(t, '[publisher_rpc]\nmetering_secret = b\n[DEFAULT]\nmetering_secret = a\n');
  t.equal(older.options?.publisher.telemetry_secret, 'a', '[DEFAULT] comes before [publisher_rpc] in oslo order');
});

t.test('types: invalid values are issues with file, line and the path written', async (t) => {
  const { options, issues, dir } = load(
    t,
    `[notification]
workload_partitioning = maybe
batch_size = 1.5
batch_timeout = soon
workers =
[DEFAULT]
notification_workers = 0
[coordination]
heartbeat = -1
check_watchers = 2.5
[event]
store_raw = info
store_raw = LOUD
`,
  );
  t.equal(options, undefined);
  t.ok(issues.every((i) => i.file === `${dir}/ceilometer.conf`));
  t.same(brief(issues), [
    [2, 'notification.workload_partitioning', 'must be a boolean (true/false, yes/no, on/off, 1/0), not "maybe"'],
    [3, 'notification.batch_size', 'must be an integer, not "1.5"'],
    [4, 'notification.batch_timeout', 'must be a number, not "soon"'],
    [5, 'notification.workers', 'must be an integer, not ""'],
    [9, 'coordination.heartbeat', 'Too small: expected number to be >0'],
    [
      13,
      'event.store_raw',
      'Invalid option: expected one of "audit"|"critical"|"debug"|"error"|"info"|"sample"|"warn"',
    ],
  ]);
  const deprecated = load(t, '[DEFAULT]\nnotification_workers = 0\n');
  t.same(brief(deprecated.issues), [[2, 'DEFAULT.notification_workers', 'Too small: expected number to be >=1']]);
  const listItem = load(t, '[oslo_messaging_notifications]\ntopics = a,,b\n');
  t.same(brief(listItem.issues), [
    [2, 'oslo_messaging_notifications.topics[1]', 'Too small: expected string to have >=1 characters'],
  ]);
});

t.test('empty values', async (t) => {
  const { options, issues } = load(
    t,
    `[coordination]
backend_url =
[publisher]
telemetry_secret =
[oslo_messaging_notifications]
topics =
[oslo_messaging_rabbit]
ssl_ca_file = ""
`,
  );
  t.same(issues, []);
  t.equal(options?.coordination.backend_url, null, 'no coordination, as Ceilometer reads an empty URL');
  t.equal(options?.publisher.telemetry_secret, '', 'signing disabled');
  t.same(options?.oslo_messaging_notifications.topics, []);
  t.equal(options?.oslo_messaging_rabbit.ssl_ca_file, null);
});

t.test('interpolation as oslo.config does it', async (t) => {
  const { options, issues, warnings } = load(
    t,
    `[DEFAULT]
state_path = /srv/ceilo
queues = 12
pipeline_cfg_file = $state_path/pipeline.yaml
event_pipeline_cfg_file = \${pipeline_cfg_file}.event
sample_source = src-$host
[notification]
batch_size = 7
workers = $batch_size
pipeline_processing_queues = $DEFAULT.queues
batch_timeout = $meterflow.state_idle_ttl
messaging_urls = rabbit://x:$$y@mq/
messaging_urls = rabbit://x:\\$z@mq/
[meterflow]
state_idle_ttl = 12
group = g-$notification.workload_partitioning-$notification.batch_timeout-$coordination.backend_url
metrics_address = \${host}:9000
[coordination]
`,
  );
  t.same(issues, []);
  t.equal(options?.DEFAULT.pipeline_cfg_file, '/srv/ceilo/pipeline.yaml', 'an option meterflow does not implement');
  t.equal(options?.DEFAULT.event_pipeline_cfg_file, '/srv/ceilo/pipeline.yaml.event');
  t.equal(options?.DEFAULT.sample_source, `src-${hostname()}`, 'an unset option interpolates its default');
  t.equal(options?.notification.workers, 7, 'same group first');
  t.equal(options?.notification.pipeline_processing_queues, 12, '$group.option');
  t.equal(options?.notification.batch_timeout, 12, 'a float option interpolates as 12.0');
  t.same(options?.notification.messaging_urls, ['rabbit://x:$y@mq/', 'rabbit://x:$z@mq/']);
  t.equal(options?.meterflow.group, 'g-False-12.0-', "Python's str() of the typed values; unset is empty");
  t.equal(options?.meterflow.metrics_address, `${hostname()}:9000`, 'a DEFAULT option from another group');
  t.same(warnings, [], 'state_path is used by the interpolation');
});

t.test('interpolation errors: unknown references and cycles', async (t) => {
  const { options, issues } = load(
    t,
    `[DEFAULT]
host = $nope
sample_source = $notification.nothing
[notification]
batch_size = $workers
workers = $batch_size
[publisher_notifier]
metering_topic = $event_topic
event_topic = $a
a = $metering_topic
[meterflow]
group = $batch_size
`,
  );
  t.equal(options, undefined);
  t.same(brief(issues), [
    [2, 'DEFAULT.host', '$nope: no such option in [DEFAULT]'],
    [3, 'DEFAULT.sample_source', '$notification.nothing: no such option in [notification]'],
    [
      5,
      'notification.batch_size',
      'interpolation cycle: notification.workers -> notification.batch_size -> notification.workers',
    ],
    [
      6,
      'notification.workers',
      'interpolation cycle: notification.workers -> notification.batch_size -> notification.workers',
    ],
    [
      8,
      'publisher_notifier.metering_topic',
      'interpolation cycle: publisher_notifier.metering_topic -> publisher_notifier.event_topic -> publisher_notifier.a -> publisher_notifier.metering_topic',
    ],
    [
      9,
      'publisher_notifier.event_topic',
      'interpolation cycle: publisher_notifier.metering_topic -> publisher_notifier.event_topic -> publisher_notifier.a -> publisher_notifier.metering_topic',
    ],
    [12, 'meterflow.group', '$batch_size: no such option in [meterflow] or [DEFAULT]'],
  ]);
  const self = load(t, '[DEFAULT]\nhost = x$host\n');
  t.same(brief(self.issues), [[2, 'DEFAULT.host', 'interpolation cycle: DEFAULT.host -> DEFAULT.host']]);
});

t.test('secrets never appear in issues or warnings', async (t) => {
  const { issues } = load(
    t,
    `[DEFAULT]
transport_url = rabbit://user:pa$word@mq/
[publisher]
telemetry_secret = s3cr$t
[coordination]
backend_url = redis://:p$w@r/
[notification]
messaging_urls = rabbit://u:$hunter2@mq/
`,
  );
  t.equal(issues.length, 4);
  for (const issue of issues) {
    t.equal(
      issue.message,
      'cannot interpolate a "$" reference (secret option, value not shown; write "$$" for a literal "$")',
    );
  }
  const text = JSON.stringify(issues);
  for (const secret of ['word', 's3cr', 'hunter2', 'redis://', 'rabbit://']) t.notOk(text.includes(secret), secret);

  const pulled = load(
    t,
    `[DEFAULT]
transport_url = rabbit://user:Pw0rd@mq/
[notification]
batch_size = $transport_url
workers = 2$database.connection
[meterflow]
group = g-$notification.batch_size
[database]
connection = mysql://u:DbPw@db/
`,
  );
  t.same(brief(pulled.issues), [
    [4, 'notification.batch_size', 'must be an integer, not "$transport_url"'],
    [5, 'notification.workers', 'must be an integer, not "2$database.connection"'],
    [7, 'meterflow.group', '$notification.batch_size: must be an integer, not "$transport_url"'],
  ]);
  t.notOk(/Pw0rd|DbPw/.test(JSON.stringify([pulled.issues, pulled.warnings])), 'interpolated secrets are not echoed');
});

t.test('syntax errors stop the file; a missing file is an issue', async (t) => {
  const bad = load(t, 'host = x\n[DEFAULT]\nno separator\n');
  t.equal(bad.options, undefined);
  t.same(brief(bad.issues), [
    [1, '', 'section must be started before assignment'],
    [3, '', 'invalid assignment (expected "key = value" or "key: value")'],
  ]);
  const dir = t.testdir({});
  t.match(loadAgentOptions({ file: `${dir}/missing.conf`, env: {} }).issues, [
    { line: 0, message: /^cannot read file/ },
  ]);
  t.match(loadCeilometerConf(`${dir}/missing.conf`).issues, [{ line: 0, message: /^cannot read file/ }]);
  t.same(readCeilometerConf('x.conf', '').value, {});
});

t.test("cotyledon's [DEFAULT] graceful_shutdown_timeout is read, not warned as unused", async (t) => {
  const set = load(t, '[DEFAULT]\ngraceful_shutdown_timeout = 15\n');
  t.same(set.issues, []);
  t.same(set.warnings, []);
  t.equal(set.options?.DEFAULT.graceful_shutdown_timeout, 15);
  t.equal(load(t, '[DEFAULT]\ngraceful_shutdown_timeout = 0\n').options?.DEFAULT.graceful_shutdown_timeout, 0);
  t.same(brief(load(t, '[DEFAULT]\ngraceful_shutdown_timeout = 1m\n').issues), [
    [2, 'DEFAULT.graceful_shutdown_timeout', 'must be an integer, not "1m"'],
  ]);
  t.same(brief(load(t, '[DEFAULT]\ngraceful_shutdown_timeout = -5\n').issues), [
    [2, 'DEFAULT.graceful_shutdown_timeout', 'Too small: expected number to be >=0'],
  ]);
});

t.test('environment overrides apply on top of the INI file', async (t) => {
  const { options, issues } = load(t, '[notification]\nbatch_size = 10\nworkers = 2\n', {
    METERFLOW_NOTIFICATION__BATCH_SIZE: '50',
    AMQP_URL: 'rabbit://env@mq/',
    METERFLOW_OSLO_MESSAGING_RABBIT__SSL_CA_FILE: '/ca.pem',
  });
  t.same(issues, []);
  t.equal(options?.notification.batch_size, 50);
  t.equal(options?.notification.workers, 2);
  t.equal(options?.DEFAULT.transport_url, 'rabbit://env@mq/');
  t.equal(options?.oslo_messaging_rabbit.ssl_ca_file, '/ca.pem');
  const bad = load(t, '[notification]\nworkers = 2\n', { METERFLOW_NOTIFICATION__WORKERS: '0' });
  t.same(
    bad.issues.map((i) => [i.file, i.line, i.path]),
    [['METERFLOW_NOTIFICATION__WORKERS', 0, 'notification.workers']],
  );
});

t.test('format detection: name, else a first [section] line', async (t) => {
  t.ok(isIniOptionsFile('/etc/ceilometer/ceilometer.conf', ''));
  t.ok(isIniOptionsFile('x.INI', 'a: 1\n'));
  t.ok(isIniOptionsFile('options', '# generated\n\n; note\n[DEFAULT]\nhost = x\n'));
  t.notOk(isIniOptionsFile('meterflow.yaml', '# c\nDEFAULT:\n  host: x\n'));
  t.notOk(isIniOptionsFile('meterflow.yaml', '[a, b]\n'), 'a YAML flow list is not a section header');
  t.notOk(isIniOptionsFile('meterflow.yaml', ''));
  const dir = t.testdir({
    'options.txt': '[notification]\nworkers = 3\n',
    'options.yaml': 'notification:\n  workers: 4\n',
  });
  t.equal(loadAgentOptions({ file: `${dir}/options.txt`, env: {} }).options?.notification.workers, 3);
  const yaml = loadAgentOptions({ file: `${dir}/options.yaml`, env: {} });
  t.equal(yaml.options?.notification.workers, 4);
  t.same(yaml.warnings, []);
});

t.test('the option table covers the schema exactly', async (t) => {
  for (const section of Object.keys(agentOptionsSchema.shape) as (keyof typeof agentOptionsSchema.shape)[]) {
    const inTable = CONF_OPTIONS.filter((o) => o.group === section).map((o) => o.name);
    t.same(inTable.sort(), sectionOptions(section).sort(), section);
  }
  const defaults = agentOptionsSchema.parse({});
  for (const option of CONF_OPTIONS) {
    const value = (defaults[option.group] as Record<string, unknown>)[option.name];
    const kind = option.kind;
    const expected =
      kind === 'list' || kind === 'multi'
        ? Array.isArray(value)
        : kind === 'bool'
          ? typeof value === 'boolean'
          : kind === 'int' || kind === 'float'
            ? typeof value === 'number'
            : kind === 'nullable-str'
              ? value === null || typeof value === 'string'
              : typeof value === 'string';
    t.ok(expected, `${option.group}.${option.name} is ${kind}`);
  }
});
