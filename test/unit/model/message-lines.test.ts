import t from 'tap';
import type { Event } from '../../../src/model/event.js';
import { eventMessageLine, meteringMessageLine } from '../../../src/model/message-lines.js';
import { eventToMessage, sampleToMeteringMessage } from '../../../src/model/metering.js';
import { PyFloat } from '../../../src/model/py-float.js';
import { dumpsPyJson } from '../../../src/model/py-json.js';
import type { PyJson, Sample } from '../../../src/model/sample.js';

// The fast lines must be exactly the generic dump of the generic message, signature included.
const SECRETS = ['change this for valid signing', '', 'sécret'];

const sample = (over: Partial<Sample> = {}): Sample => ({
  name: 'memory',
  type: 'gauge',
  unit: 'MB',
  volume: 2048,
  user_id: 'u',
  project_id: 'p',
  resource_id: 'r',
  timestamp: '2026-11-22T09:25:41.310093+00:00',
  resource_metadata: { host: 'compute-1', flavor: { vcpus: 2, name: 'm1.small' }, tags: ['a', 'ü'] },
  source: 'openstack',
  id: 'id-1',
  monotonic_time: null,
  ...over,
});

t.test('metering lines equal dumpsPyJson(sampleToMeteringMessage())', async (t) => {
  const shared = Object.freeze({ display_name: 'vm "1" \u00e9\u{1f600}', state: 'active', nested: { x: [1, null] } });
  const samples: Sample[] = [
    sample(),
    sample({ volume: new PyFloat(80), user_id: null, project_id: null, resource_id: null }),
    sample({ volume: 12345678901234567890n, monotonic_time: 12.5, unit: 'B/s', name: 'n\u00e4me\n' }),
    sample({ volume: 0.1, resource_metadata: {} }),
    sample({ resource_metadata: shared, id: 'a' }),
    sample({ resource_metadata: shared, id: 'b', name: 'cpu' }),
  ];
  for (const secret of SECRETS) {
    for (const s of samples) t.equal(meteringMessageLine(s, secret), dumpsPyJson(sampleToMeteringMessage(s, secret)));
  }
});

t.test('event lines equal dumpsPyJson(eventToMessage())', async (t) => {
  const event = (traits: Event['traits'], raw: { [key: string]: PyJson } = {}): Event => ({
    message_id: 'm-1',
    event_type: 'compute.instance.create.end',
    generated: '2026-11-22T12:18:10.632511',
    traits,
    raw,
  });
  const events = [
    event([]),
    event([
      { name: 'service', dtype: 1, value: 'compute' },
      { name: 'memory_mb', dtype: 2, value: 512 },
      { name: 'big', dtype: 2, value: 12345678901234567890n },
      { name: 'ratio', dtype: 3, value: new PyFloat(1) },
      { name: 'load', dtype: 3, value: 0.25 },
      { name: 'launched_at', dtype: 4, value: '2026-11-22T12:18:10' },
      { name: 'n\u00e4me \'q\' "d"', dtype: 1, value: 'v\u00e4l\\ue\u{1f600}' },
    ]),
    event([{ name: 'service', dtype: 1, value: 'x' }], { event_type: 'e', payload: { a: [1, 2.5, 'z'] } }),
  ];
  for (const secret of SECRETS) {
    for (const e of events) t.equal(eventMessageLine(e, secret), dumpsPyJson(eventToMessage(e, secret)));
  }
});

t.test('a frozen dict is dumped once per style', async (t) => {
  const frozen = Object.freeze({ a: 'é', b: [1, 2] });
  t.equal(dumpsPyJson(frozen), '{"a": "\\u00e9", "b": [1, 2]}');
  t.equal(dumpsPyJson(frozen), '{"a": "\\u00e9", "b": [1, 2]}', 'from the cache');
  t.equal(dumpsPyJson(frozen, { compact: true }), '{"a":"\\u00e9","b":[1,2]}', 'other separators');
  t.equal(dumpsPyJson(frozen, { ensureAscii: false }), '{"a": "é", "b": [1, 2]}', 'other escaping');
  t.equal(dumpsPyJson([frozen, frozen]), '[{"a": "\\u00e9", "b": [1, 2]}, {"a": "\\u00e9", "b": [1, 2]}]');
});
