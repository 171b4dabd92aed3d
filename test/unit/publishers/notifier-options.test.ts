import t from 'tap';
import { validatePublisherUrl } from '../../../src/publishers/index.js';
import { parseNotifierUrl } from '../../../src/publishers/notifier-options.js';
import { parsePublisherUrl } from '../../../src/publishers/url-options.js';

const parse = (text: string) => parseNotifierUrl(parsePublisherUrl(text));

t.test('defaults', async (t) => {
  t.same(parse('notifier://'), {
    options: {
      brokerUrl: null,
      topics: null,
      perMeterTopic: false,
      policy: 'default',
      maxQueueLength: 1024,
      maxRetry: 100,
      durable: false,
    },
    problems: [],
  });
  t.same(validatePublisherUrl('notifier'), [], 'bare name');
});

t.test('every option', async (t) => {
  const { options, problems } = parse(
    'notifier://u:p@h:5672/v?topic=a&topic=b&per_meter_topic=1&policy=queue&max_queue_length=5&max_retry=0&durable=yes&driver=rabbit',
  );
  t.same(problems, []);
  t.same(options, {
    brokerUrl: 'rabbit://u:p@h:5672/v',
    topics: ['a', 'b'],
    perMeterTopic: true,
    policy: 'queue',
    maxQueueLength: 5,
    maxRetry: 0,
    durable: true,
  });
  t.equal(parse('notifier://?policy=queue&policy=drop').options.policy, 'drop', 'last value wins');
  t.equal(parse('notifier://h').options.brokerUrl, 'rabbit://h');
  t.equal(parse('notifier://?per_meter_topic=2').options.perMeterTopic, true, "Ceilometer's bool(int(x))");
  t.equal(parse('notifier://?durable=0').options.durable, false);
});

t.test('unknown options and bad values are all reported', async (t) => {
  t.same(
    validatePublisherUrl(
      'notifier://?topic=&per_meter_topic=yes&policy=retry&max_queue_length=-1&max_retry=x&durable=maybe&driver=kafka&foo=1',
    ).map((p) => p.message),
    [
      "unknown option 'foo' (known options: topic, per_meter_topic, policy, max_queue_length, max_retry, durable, driver)",
      'topic must not be empty',
      "policy must be one of default, queue, drop, got 'retry'",
      "driver must be one of rabbit, amqp, got 'kafka'",
      "per_meter_topic must be an integer (0 or 1), got 'yes'",
      "max_queue_length must be a non-negative integer, got '-1'",
      "max_retry must be a non-negative integer, got 'x'",
      "durable must be true or false, got 'maybe'",
    ],
  );
});
