import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  buildInnerMessage,
  encodeNotification,
  formatOsloTimestamp,
  notificationRoutingKey,
  OSLO_AMQP_PROPERTIES,
  osloPublishOptions,
  sanitizeContext,
  uuid4Hex,
} from '../../../src/messaging/oslo-envelope.js';
import { parsePyJson } from '../../../src/model/index.js';
import { SHARED } from '../../helpers/paths.js';

interface Capture {
  body_raw: string;
  exchange: string;
  routing_key: string;
  properties: Record<string, unknown>;
}

function captures(name: string): Capture[] {
  return JSON.parse(readFileSync(`${SHARED}fixtures/wire/${name}`, 'utf8')) as Capture[];
}

/** Re-encode a captured body from its own fields (ids, timestamp, context) with our encoder. */
function reencode(body: string): Buffer {
  const envelope = parsePyJson(body) as Record<string, unknown>;
  const inner = parsePyJson(envelope['oslo.message'] as string) as Record<string, unknown>;
  const context: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inner)) if (k.startsWith('_context_')) context[k.slice(9)] = v;
  return encodeNotification({
    messageId: inner.message_id as string,
    publisherId: inner.publisher_id as string,
    eventType: inner.event_type as string,
    priority: (inner.priority as string).toLowerCase(),
    payload: inner.payload,
    timestamp: inner.timestamp as string,
    uniqueId: inner._unique_id as string,
    context,
  });
}

for (const file of ['notifications-info.json', 'metering-sample.json']) {
  t.test(`re-encoding every capture of ${file} gives the same bytes`, async (t) => {
    const all = captures(file);
    t.ok(all.length > 0);
    for (const [i, capture] of all.entries()) {
      const ours = reencode(capture.body_raw);
      t.equal(ours.toString('utf8'), capture.body_raw, `capture ${i}`);
      t.ok(ours.equals(Buffer.from(capture.body_raw, 'utf8')), `capture ${i} bytes`);
    }
  });
}

t.test('AMQP properties are the captured ones', async (t) => {
  const props = captures('notifications-info.json')[0]?.properties;
  t.same(props, {
    application_headers: OSLO_AMQP_PROPERTIES.headers,
    content_encoding: OSLO_AMQP_PROPERTIES.contentEncoding,
    content_type: OSLO_AMQP_PROPERTIES.contentType,
    delivery_mode: OSLO_AMQP_PROPERTIES.deliveryMode,
    priority: OSLO_AMQP_PROPERTIES.priority,
  });
  const options = osloPublishOptions();
  t.same(options, { contentType: 'application/json', contentEncoding: 'utf-8', persistent: true, headers: {} });
  t.not(osloPublishOptions().headers, options.headers, 'a fresh headers object per call');
});

t.test('generated ids, timestamp and key order', async (t) => {
  const inner = buildInnerMessage({
    publisherId: 'p',
    eventType: 'e',
    priority: 'sample',
    payload: [],
    timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    context: { a: 1 },
  });
  t.same(Object.keys(inner), [
    'message_id',
    'publisher_id',
    'event_type',
    'priority',
    'payload',
    'timestamp',
    '_unique_id',
    '_context_a',
  ]);
  t.match(inner.message_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.match(inner._unique_id, /^[0-9a-f]{32}$/);
  t.equal(inner.priority, 'SAMPLE');
  t.equal(inner.timestamp, '2026-01-02 03:04:05.678000');
  const now = buildInnerMessage({ publisherId: 'p', eventType: 'e', priority: 'info', payload: {} });
  t.match(now.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  t.not(uuid4Hex(), uuid4Hex());
});

t.test('formatOsloTimestamp keeps microseconds and carries', async (t) => {
  t.equal(formatOsloTimestamp(Date.UTC(2026, 10, 22, 9, 4, 25) + 486.624), '2026-11-22 09:04:25.486624');
  t.equal(formatOsloTimestamp(Date.UTC(2026, 11, 31, 23, 59, 59) + 999.9996), '2027-01-01 00:00:00.000000');
  t.equal(formatOsloTimestamp(0), '1970-01-01 00:00:00.000000');
});

t.test('non-ASCII is escaped like ensure_ascii, at both levels', async (t) => {
  const body = encodeNotification({
    messageId: 'm',
    uniqueId: 'u',
    publisherId: 'p',
    eventType: 'e',
    priority: 'INFO',
    payload: { name: 'café ☃' },
    timestamp: 't',
  }).toString('utf8');
  t.equal(
    body,
    '{"oslo.version": "2.0", "oslo.message": "{\\"message_id\\": \\"m\\", \\"publisher_id\\": \\"p\\", ' +
      '\\"event_type\\": \\"e\\", \\"priority\\": \\"INFO\\", \\"payload\\": {\\"name\\": \\"caf\\\\u00e9 \\\\u2603\\"}, ' +
      '\\"timestamp\\": \\"t\\", \\"_unique_id\\": \\"u\\"}"}',
  );
  t.ok(/^[\x20-\x7e]*$/.test(body), 'pure ASCII');
});

t.test('sanitizeContext keeps oslo 14 keys only, in order', async (t) => {
  t.same(
    Object.entries(sanitizeContext({ tenant: 't', user_id: 'u', auth_token: 'x', is_admin: true, roles: ['r'] })),
    [
      ['user_id', 'u'],
      ['is_admin', true],
      ['roles', ['r']],
    ],
  );
  t.equal(notificationRoutingKey('notifications', 'INFO'), 'notifications.info');
});
