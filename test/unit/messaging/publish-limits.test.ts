import t from 'tap';
import { checkPublishable, HEADERS_MAX } from '../../../src/messaging/publish-limits.js';

const refused = (f: () => void) => {
  try {
    f();
    return undefined;
  } catch (err) {
    return err;
  }
};

t.test('names: at most 255 bytes of UTF-8', async (t) => {
  t.equal(
    refused(() => checkPublishable('x'.repeat(255), 'é'.repeat(127))),
    undefined,
  );
  t.match(
    refused(() => checkPublishable('x'.repeat(256), 'k')),
    {
      code: 'amqp_publish_invalid',
      retriable: false,
      message: /exchange is 256 bytes/,
    },
  );
  t.match(
    refused(() => checkPublishable('x', 'é'.repeat(128))),
    { message: /routing key is 256 bytes/ },
  );
});

t.test('headers: an upper bound of amqplib’s encoding against its 64 KiB', async (t) => {
  t.equal(
    refused(() => checkPublishable('x', 'k')),
    undefined,
    'no headers',
  );
  const typed = { n: 1, f: 1.5, b: true, z: null, d: new Date(0), u: undefined, l: { '!': 'long', value: 2 } };
  t.equal(
    refused(() => checkPublishable('x', 'k', { ...typed, a: [1, 'two', Buffer.from('3')], t: { ...typed } })),
    undefined,
  );
  // 4 (table) + 1 + 1 (key) + 5 (string) = 11 bytes around the value.
  t.equal(
    refused(() => checkPublishable('x', 'k', { s: 'x'.repeat(HEADERS_MAX - 11) })),
    undefined,
    'just fits',
  );
  t.match(
    refused(() => checkPublishable('x', 'k', { s: 'x'.repeat(HEADERS_MAX - 10) })),
    {
      code: 'amqp_publish_invalid',
      message: /headers take up to 65537 bytes/,
    },
  );
  t.match(
    refused(() => checkPublishable('x', 'k', { nested: { a: [Buffer.alloc(HEADERS_MAX)] } })),
    {
      code: 'amqp_publish_invalid',
    },
  );
});
