import t from 'tap';
import { NotificationFilter } from '../../../src/definitions/index.js';
import type { NotificationMessage } from '../../../src/definitions/index.js';

const message = (over: Partial<NotificationMessage> = {}): NotificationMessage => ({
  ctxt: { user_id: 'u1', project_id: 'p1' },
  publisher_id: 'compute.compute-1',
  event_type: 'compute.instance.exists',
  payload: { state: 'active', size: 10 },
  metadata: { message_id: 'm1', timestamp: '2026-11-22 10:00:00.000000' },
  ...over,
});

t.test("oslo's NotificationFilter semantics", async (t) => {
  t.ok(new NotificationFilter({}).accepts(message()), 'no condition: everything');
  t.ok(
    new NotificationFilter({ event_type: 'compute\\.instance' }).accepts(message()),
    're.match: anchored at the start only',
  );
  t.notOk(new NotificationFilter({ event_type: 'instance' }).accepts(message()), 'not a search');
  t.ok(new NotificationFilter({ event_type: 'compute.instance.exists$' }).accepts(message()));
  t.notOk(
    new NotificationFilter({ event_type: 'compute.instance.exists$' }).accepts(
      message({ event_type: 'compute.instance.exists.verified' }),
    ),
  );
  t.ok(new NotificationFilter({ publisher_id: '^compute\\.' }).accepts(message()));
  t.notOk(
    new NotificationFilter({ publisher_id: 'compute' }).accepts(message({ publisher_id: null })),
    'a missing field never matches',
  );
  t.ok(new NotificationFilter({ context: { user_id: 'u' } }).accepts(message()));
  t.notOk(new NotificationFilter({ context: { tenant: '.*' } }).accepts(message()), 'the key must exist');
  t.ok(new NotificationFilter({ payload: { state: 'act', size: '10' } }).accepts(message()), 'values compared as text');
  t.notOk(new NotificationFilter({ payload: { state: 'deleted' } }).accepts(message()));
  t.notOk(new NotificationFilter({ payload: { state: '.*' } }).accepts(message({ payload: ['not', 'a', 'dict'] })));
  t.ok(new NotificationFilter({ metadata: { message_id: 'm' } }).accepts(message()));
  t.notOk(
    new NotificationFilter({ event_type: 'compute', publisher_id: 'image' }).accepts(message()),
    'all conditions must hold',
  );
});
