import t from 'tap';
import { describeOptions, loadAgentOptions, redactUrl } from '../../../src/config/index.js';

t.test('METERFLOW_<SECTION>__<OPTION> overrides the file', async (t) => {
  const dir = t.testdir({ 'meterflow.yaml': 'notification:\n  batch_size: 10\n  workers: 2\n' });
  const { options, issues } = loadAgentOptions({
    file: `${dir}/meterflow.yaml`,
    env: {
      METERFLOW_NOTIFICATION__BATCH_SIZE: '50',
      METERFLOW_notification__workload_partitioning: 'true',
      REDIS_URL: 'redis://redis:6379',
      METERFLOW_DEFAULT__TRANSPORT_URL: 'rabbit://a:123@mq/',
      METERFLOW_NOTIFICATION__PIPELINES: '[meter]',
      METERFLOW_NOTIFICATION__MESSAGING_URLS: 'rabbit://x@y/',
      METERFLOW_PUBLISHER__TELEMETRY_SECRET: '*s3cret: [x]',
      METERFLOW_EVENT__STORE_RAW: '[info, ERROR]',
      METERFLOW_LOG_LEVEL: 'debug',
    },
  });
  t.same(issues, []);
  t.equal(options?.notification.batch_size, 50);
  t.equal(options?.notification.workers, 2, 'file value kept');
  t.equal(options?.notification.workload_partitioning, true);
  t.equal(options?.DEFAULT.transport_url, 'rabbit://a:123@mq/');
  t.same(options?.notification.pipelines, ['meter']);
  t.same(options?.notification.messaging_urls, ['rabbit://x@y/'], 'a single value is a one-item list');
  t.equal(options?.publisher.telemetry_secret, '*s3cret: [x]', 'strings are taken verbatim');
  t.same(options?.event.store_raw, ['info', 'error']);
});

t.test('AMQP_URL and REDIS_URL shortcuts; METERFLOW_* wins over them', async (t) => {
  const shortcut = loadAgentOptions({ env: { AMQP_URL: 'amqp://u:p@rabbit:5672/', REDIS_URL: 'redis://redis:6379' } });
  t.same(shortcut.issues, []);
  t.equal(shortcut.options?.DEFAULT.transport_url, 'amqp://u:p@rabbit:5672/');
  t.equal(shortcut.options?.coordination.backend_url, 'redis://redis:6379');
  const both = loadAgentOptions({
    env: { AMQP_URL: 'amqp://short/', METERFLOW_DEFAULT__TRANSPORT_URL: 'rabbit://specific/', REDIS_URL: '' },
  });
  t.equal(both.options?.DEFAULT.transport_url, 'rabbit://specific/');
  t.equal(both.options?.coordination.backend_url, null, 'an empty variable is unset');
  const nulled = loadAgentOptions({ env: { METERFLOW_COORDINATION__BACKEND_URL: '' } });
  t.equal(nulled.options?.coordination.backend_url, null);
});

t.test('invalid environment values name the variable', async (t) => {
  const dir = t.testdir({ 'meterflow.yaml': 'notification:\n  workers: 0\n' });
  const { options, issues } = loadAgentOptions({
    file: `${dir}/meterflow.yaml`,
    env: {
      METERFLOW_NOTIFICATION__BATCH_SIZE: 'lots',
      METERFLOW_NOTIFICATION__BATCH_TIMEOUT: '[1, 2',
      METERFLOW_NOTIFICATION__BATCH_SIZ: '5',
      METERFLOW_NOTIFICATON__WORKERS: '5',
      METERFLOW_A__B__C: '1',
      AMQP_URL: 'rabbit://ok/',
    },
  });
  t.equal(options, undefined);
  t.same(
    issues.map((i) => [i.file, i.line, i.path, i.message.replace(/ \(known: .*\)$/, '')]),
    [
      ['METERFLOW_A__B__C', 0, '', "unknown section 'A'"],
      ['METERFLOW_NOTIFICATION__BATCH_SIZ', 0, '', "unknown option 'BATCH_SIZ' in notification"],
      ['METERFLOW_NOTIFICATON__WORKERS', 0, '', "unknown section 'NOTIFICATON'"],
      [`${dir}/meterflow.yaml`, 2, 'notification.workers', 'Too small: expected number to be >=1'],
      [
        'METERFLOW_NOTIFICATION__BATCH_SIZE',
        0,
        'notification.batch_size',
        'Invalid input: expected number, received string',
      ],
      [
        'METERFLOW_NOTIFICATION__BATCH_TIMEOUT',
        0,
        'notification.batch_timeout',
        'Invalid input: expected number, received string',
      ],
    ],
  );
});

t.test('describeOptions redacts credentials and the telemetry secret', async (t) => {
  const { options } = loadAgentOptions({
    env: {
      AMQP_URL: 'rabbit://user:pa55@h1:5672,user:pa55@h2:5672/vhost?ssl=1',
      REDIS_URL: 'redis://:redispw@redis:6379?password=again&db=0',
      METERFLOW_NOTIFICATION__MESSAGING_URLS: '[rabbit://token@mq/, rabbit://mq/]',
      METERFLOW_PUBLISHER__TELEMETRY_SECRET: 'sign-me',
    },
  });
  if (options === undefined) throw new Error('options expected');
  const safe = describeOptions(options);
  t.equal(safe.DEFAULT.transport_url, 'rabbit://user:***@h1:5672,user:***@h2:5672/vhost?ssl=1');
  t.equal(safe.coordination.backend_url, 'redis://:***@redis:6379?password=***&db=0');
  t.same(safe.notification.messaging_urls, ['rabbit://***@mq/', 'rabbit://mq/']);
  t.equal(safe.publisher.telemetry_secret, '***');
  t.equal(options.publisher.telemetry_secret, 'sign-me', 'the original is untouched');
  t.equal(options.DEFAULT.transport_url, 'rabbit://user:pa55@h1:5672,user:pa55@h2:5672/vhost?ssl=1');
  t.notMatch(JSON.stringify(safe), /pa55|redispw|again|token|sign-me/);
  t.equal(describeOptions(loadAgentOptions({ env: {} }).options ?? options).coordination.backend_url, null);
});

t.test('redactUrl edge cases', async (t) => {
  t.equal(redactUrl('not a url'), 'not a url');
  t.equal(redactUrl('rabbit://guest:guest@127.0.0.1:5672/'), 'rabbit://guest:***@127.0.0.1:5672/');
  t.equal(redactUrl('redis://h?token=x#frag'), 'redis://h?token=***#frag');
  t.equal(redactUrl('http://h/p@x'), 'http://h/p@x', 'an @ in the path is not user info');
});
