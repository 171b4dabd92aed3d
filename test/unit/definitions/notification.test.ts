import t from 'tap';
import { decodeNotification, decodeNotificationText, isNotificationLike } from '../../../src/definitions/index.js';
import { BadInputError } from '../../../src/errors.js';
import { PyFloat } from '../../../src/model/index.js';

const inner = {
  message_id: 'm-1',
  publisher_id: 'compute.host-1',
  event_type: 'compute.instance.exists',
  priority: 'INFO',
  payload: { instance_id: 'i-1', memory_mb: 512 },
  timestamp: '2026-11-22 03:41:11.225514',
  _unique_id: 'u',
  _context_user_id: 'user-1',
  _context_project_id: 'proj-1',
  _context_request_id: 'req-1',
};

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof BadInputError) return err.reason;
    throw err;
  }
  return undefined;
}

t.test('messagingv2 envelope: oslo.message decoded, _context_* keys become ctxt', async (t) => {
  const n = decodeNotification({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(inner) });
  t.equal(n.priority, 'info', 'priority is lower-cased');
  t.same(n.message, {
    ctxt: { user_id: 'user-1', project_id: 'proj-1', request_id: 'req-1' },
    publisher_id: 'compute.host-1',
    event_type: 'compute.instance.exists',
    payload: { instance_id: 'i-1', memory_mb: 512 },
    metadata: { message_id: 'm-1', timestamp: '2026-11-22 03:41:11.225514' },
  });
  t.notOk('_unique_id' in n.message, 'non-context envelope keys are not copied');
});

t.test('the envelope is parsed losslessly (integral floats stay floats)', async (t) => {
  const text = JSON.stringify({
    'oslo.version': '2.0',
    'oslo.message': '{"event_type": "a.b", "priority": "info", "payload": {"x": 1.0, "y": 1}}',
  });
  const n = decodeNotificationText(text);
  const payload = n.message.payload as { x: unknown; y: unknown };
  t.ok(payload.x instanceof PyFloat, '1.0 stays a Python float');
  t.equal(payload.y, 1);
});

t.test('inner (v1) message without envelope', async (t) => {
  const n = decodeNotification(inner);
  t.equal(n.message.ctxt.user_id, 'user-1');
  t.equal(n.message.metadata.message_id, 'm-1');
  t.equal(n.message.metadata.timestamp, '2026-11-22 03:41:11.225514');
});

t.test('inner message without id, time, publisher or payload', async (t) => {
  const n = decodeNotification({ event_type: 'a.b', priority: 'warn', payload: null });
  t.same(n.message.metadata, { message_id: null, timestamp: null });
  t.equal(n.message.publisher_id, null);
  t.equal(n.message.payload, null);
  t.same(n.message.ctxt, {});
  t.equal(n.priority, 'warn');
});

t.test('endpoint form: ctxt and metadata used as delivered', async (t) => {
  const n = decodeNotification({
    ctxt: { user_id: 'u', client_timeout: null },
    publisher_id: 'p',
    event_type: 'volume.create.end',
    priority: 'Info',
    payload: [1, 2],
    metadata: { message_id: 'm-2', timestamp: '2026-01-01 00:00:00' },
  });
  t.equal(n.priority, 'info');
  t.same(n.message.ctxt, { user_id: 'u', client_timeout: null });
  t.same(n.message.metadata, { message_id: 'm-2', timestamp: '2026-01-01 00:00:00' });
  t.same(n.message.payload, [1, 2], 'a non-dict payload is kept');
});

t.test("sender's form: ctxt without metadata has neither id nor time", async (t) => {
  const n = decodeNotification({
    ctxt: { user_id: 'u' },
    publisher_id: 'p',
    event_type: 'volume.create.end',
    priority: 'info',
    payload: {},
  });
  t.same(n.message.metadata, { message_id: null, timestamp: null });
  t.equal(n.message.ctxt.user_id, 'u');
});

t.test('BadInputError reasons', async (t) => {
  t.equal(
    reasonOf(() => decodeNotificationText('{nope')),
    'not_json',
  );
  t.equal(
    reasonOf(() => decodeNotification([1])),
    'not_an_envelope',
  );
  t.equal(
    reasonOf(() => decodeNotification(null)),
    'not_an_envelope',
  );
  t.equal(
    reasonOf(() => decodeNotification({ 'oslo.message': { a: 1 } })),
    'not_an_envelope',
  );
  t.equal(
    reasonOf(() => decodeNotification({ 'oslo.message': '{bad' })),
    'not_json',
  );
  t.equal(
    reasonOf(() => decodeNotification({ 'oslo.message': '[1]' })),
    'not_an_envelope',
  );
  t.equal(
    reasonOf(() => decodeNotification({ ...inner, event_type: '' })),
    'bad_field',
  );
  t.equal(
    reasonOf(() => decodeNotification({ ...inner, event_type: 3 })),
    'bad_field',
  );
  const { priority: _p, ...noPriority } = inner;
  t.equal(
    reasonOf(() => decodeNotification(noPriority)),
    'bad_field',
    'priority is required',
  );
  t.equal(
    reasonOf(() => decodeNotification({ ...inner, message_id: 7 })),
    'bad_field',
  );
  t.equal(
    reasonOf(() => decodeNotification({ ...inner, timestamp: 1234 })),
    'bad_field',
  );
  t.equal(
    reasonOf(() => decodeNotification({ ...inner, publisher_id: ['x'] })),
    'bad_field',
  );
  const endpoint = { ctxt: {}, event_type: 'a', priority: 'info', payload: {} };
  t.equal(
    reasonOf(() => decodeNotification({ ...endpoint, metadata: 'x' })),
    'bad_field',
  );
  t.equal(
    reasonOf(() => decodeNotification({ ...endpoint, metadata: { message_id: 1 } })),
    'bad_field',
  );
  t.equal(
    reasonOf(() => decodeNotification({ ...endpoint, metadata: null })),
    undefined,
    'null metadata = absent',
  );
});

t.test('a BadInputError is a MeterflowError with code bad_input and the cause kept', async (t) => {
  try {
    decodeNotificationText('not json');
    t.fail('should throw');
  } catch (err) {
    t.type(err, BadInputError);
    t.equal((err as BadInputError).code, 'bad_input');
    t.equal((err as BadInputError).retriable, false);
    t.ok((err as BadInputError).cause, 'the parse error is the cause');
  }
});

t.test('isNotificationLike', async (t) => {
  t.ok(isNotificationLike({ 'oslo.message': '{}' }));
  t.ok(isNotificationLike({ event_type: 'a', payload: {} }));
  t.notOk(isNotificationLike({ event_type: 'a' }));
  t.notOk(isNotificationLike([{ event_type: 'a', payload: {} }]));
  t.notOk(isNotificationLike(null));
});
