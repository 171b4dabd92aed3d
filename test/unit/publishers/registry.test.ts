import t from 'tap';
import { ConfigError } from '../../../src/errors.js';
import { ManualClock } from '../../../src/model/clock.js';
import { silentLogger } from '../../../src/observability/logger.js';
import {
  createPublisher,
  type PublisherContext,
  publisherRegistry,
  redactUrl,
  testPublisherStore,
  validatePublisherUrl,
} from '../../../src/publishers/index.js';

const context: PublisherContext = {
  telemetrySecret: '',
  logger: silentLogger,
  clock: new ManualClock(0),
  baseDir: '/',
};

t.test('the registry is keyed by URL scheme', async (t) => {
  t.ok(publisherRegistry.has('file'));
  t.ok(publisherRegistry.has('test'));
  for (const [scheme, spec] of publisherRegistry) t.equal(spec.scheme, scheme);
});

t.test('an unknown scheme is a ConfigError that lists the known schemes', async (t) => {
  const known = [...publisherRegistry.keys()].sort().join(', ');
  for (const url of ['nope://x', 'nope', 'NOPE://u:secret@x']) {
    const error = t.throws(() => createPublisher(url, context)) as unknown;
    t.type(error, ConfigError, url);
    const issue = (error as ConfigError).issues[0];
    t.equal(issue?.message, `unknown publisher scheme 'nope' (known schemes: ${known})`, url);
    t.notMatch((error as ConfigError).message, /secret/, 'credentials never reach the message');
  }
  t.same(validatePublisherUrl('/var/log/samples.jsonl'), [
    { message: `not a publisher URL (expected scheme://…; known schemes: ${known})` },
  ]);
  t.same(validatePublisherUrl('test://a b'), [{ message: 'not a valid URL' }]);
});

t.test('schemes are case-insensitive; a bare name means name://', async (t) => {
  const name = `case-${process.pid}`;
  const publisher = createPublisher(`TEST://${name}`, context);
  await publisher.publishEvents([
    { message_id: 'm', event_type: 'e', generated: '2026-11-22T12:18:10', traits: [], raw: {} },
  ]);
  t.equal(testPublisherStore(name).events.length, 1);
  t.equal(createPublisher(' test ', context).target, 'test://');
});

t.test('redactUrl removes user-info only', async (t) => {
  t.equal(
    redactUrl('notifier://guest:s3cret@rabbit:5672/vhost?topic=m'),
    'notifier://guest:***@rabbit:5672/vhost?topic=m',
  );
  t.equal(redactUrl('http://user@host/x'), 'http://***@host/x');
  t.equal(redactUrl('https://u:p@ss@host:443/'), 'https://u:***@host:443/');
  t.equal(redactUrl('file:///var/log/a@b.jsonl'), 'file:///var/log/a@b.jsonl');
  t.equal(redactUrl('http://host/path?to=a@b'), 'http://host/path?to=a@b');
  t.equal(redactUrl('test://name'), 'test://name');
});

t.test('a publisher target is its URL without credentials', async (t) => {
  const name = `redacted-${process.pid}`;
  const publisher = createPublisher(`test://user:pw@${name}?fail=0`, context);
  t.equal(publisher.target, `test://user:***@${name}?fail=0`);
  await publisher.close();
});

t.test('all problems of a URL are reported at once, named by the redacted URL', async (t) => {
  const error = t.throws(() => createPublisher('test://u:pw@x?fail=maybe&colour=red', context)) as ConfigError;
  t.same(
    error.issues.map((i) => [i.file, i.message]),
    [
      ['test://u:***@x?fail=maybe&colour=red', "unknown option 'colour' (known options: fail)"],
      ['test://u:***@x?fail=maybe&colour=red', "fail must be 'always' or a count, got 'maybe'"],
    ],
  );
  t.equal(error.code, 'config_invalid');
});
