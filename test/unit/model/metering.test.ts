import { readFileSync } from 'node:fs';
import t from 'tap';
import { BadInputError } from '../../../src/errors.js';
import {
  eventFromRecord,
  eventToMessage,
  sampleFromRecord,
  sampleToDict,
  sampleToMeteringMessage,
} from '../../../src/model/metering.js';
import { PyFloat } from '../../../src/model/py-float.js';
import { dumpsPyJson, parsePyJson } from '../../../src/model/py-json.js';
import type { PyJson } from '../../../src/model/sample.js';
import { verifySignature } from '../../../src/model/signature.js';

const SECRET = 'change this for valid signing';
type Rec = { [key: string]: PyJson };
const fixture = (path: string): string =>
  readFileSync(new URL(`../../../../shared/fixtures/${path}`, import.meta.url), 'utf8');
const defaults = { source: 'openstack', newId: () => 'new-id' };

const wire: Rec = {
  source: 'openstack',
  counter_name: 'memory',
  counter_type: 'gauge',
  counter_unit: 'MB',
  counter_volume: 2048,
  user_id: 'u',
  project_id: 'p',
  resource_id: 'r',
  timestamp: '2026-11-22T09:06:12.252017+00:00',
  resource_metadata: { host: 'compute-1' },
  message_id: 'm-1',
  monotonic_time: null,
};

t.test('file publisher lines: record → Sample → as_dict → json.dumps is the same line', async (t) => {
  for (const line of fixture('wire/file-publisher-lines.jsonl').split('\n').filter(Boolean)) {
    const sample = sampleFromRecord(parsePyJson(line), defaults);
    t.equal(dumpsPyJson(sampleToDict(sample)), line);
  }
});

t.test('captured notifier payloads: record → Sample → metering message re-signs identically', async (t) => {
  for (const { body_raw: body } of JSON.parse(fixture('wire/metering-sample.json')) as { body_raw: string }[]) {
    const inner = parsePyJson((parsePyJson(body) as Rec)['oslo.message'] as string) as Rec;
    for (const element of inner.payload as Rec[]) {
      const msg = sampleToMeteringMessage(sampleFromRecord(element, defaults), SECRET);
      t.equal(dumpsPyJson(msg), dumpsPyJson(element), String(element.message_id));
    }
  }
});

t.test('metering message keys and signature', async (t) => {
  const sample = sampleFromRecord(wire, defaults);
  const msg = sampleToMeteringMessage(sample, SECRET);
  t.same(Object.keys(msg), [...Object.keys(wire), 'message_signature']);
  t.ok(verifySignature(msg, SECRET));
  t.equal(sampleToMeteringMessage(sample, '').message_signature, '');
  t.same(Object.keys(sampleToDict(sample)), [
    'name',
    'type',
    'unit',
    'volume',
    'user_id',
    'project_id',
    'resource_id',
    'timestamp',
    'resource_metadata',
    'source',
    'id',
    'monotonic_time',
  ]);
});

t.test('sampleFromRecord reads both forms and fills defaults', async (t) => {
  const a = sampleFromRecord(wire, defaults);
  const b = sampleFromRecord(sampleToDict(a), defaults);
  t.same(b, a);
  const minimal = sampleFromRecord(
    {
      name: 'cpu',
      type: 'cumulative',
      unit: 'ns',
      volume: '1e3',
      timestamp: '2026-11-22 09:06:12',
      resource_metadata: null,
      monotonic_time: 12.5,
    },
    defaults,
  );
  t.same(minimal, {
    name: 'cpu',
    type: 'cumulative',
    unit: 'ns',
    volume: new PyFloat(1000),
    user_id: null,
    project_id: null,
    resource_id: null,
    timestamp: '2026-11-22 09:06:12',
    resource_metadata: {},
    source: 'openstack',
    id: 'new-id',
    monotonic_time: 12.5,
  });
  t.equal(sampleFromRecord({ ...wire, counter_volume: true }, defaults).volume, 1);
});

t.test('sampleFromRecord errors name the field', async (t) => {
  const cases: [unknown, RegExp][] = [
    [null, /expected an object, got null/],
    [[wire], /expected an object, got a list/],
    [{ ...wire, counter_name: '' }, /counter_name must be a non-empty string/],
    [{ ...wire, counter_name: undefined, name: 5 }, /name must be a non-empty string, got number 5/],
    [{ ...wire, counter_type: 'rate' }, /counter_type must be one of gauge, delta, cumulative, got "rate"/],
    [{ ...wire, counter_unit: null }, /counter_unit must be a string, got null/],
    [{ ...wire, counter_volume: null }, /counter_volume: volume is null/],
    [{ ...wire, counter_volume: 'abc' }, /counter_volume: volume "abc" is not a number/],
    [{ ...wire, user_id: 7 }, /user_id must be a string or null/],
    [{ ...wire, resource_id: {} }, /resource_id must be a string or null, got an object/],
    [{ ...wire, timestamp: 'yesterday' }, /timestamp must be an ISO 8601 time, got "yesterday"/],
    [{ ...wire, timestamp: undefined }, /timestamp must be a string, got nothing \(missing\)/],
    [{ ...wire, resource_metadata: [] }, /resource_metadata must be an object or null/],
    [{ ...wire, source: 1 }, /source must be a string/],
    [{ ...wire, message_id: '' }, /message_id must be a non-empty string/],
    [{ ...wire, monotonic_time: 'soon' }, /monotonic_time must be a number or null/],
  ];
  for (const [input, message] of cases) {
    t.throws(
      () => sampleFromRecord(input, defaults),
      { name: 'BadInputError', reason: 'invalid_sample', message },
      String(message),
    );
  }
  try {
    sampleFromRecord({}, defaults);
  } catch (err) {
    t.ok(err instanceof BadInputError);
  }
});

const eventRecord: Rec = {
  message_id: 'e-1',
  event_type: 'compute.instance.exists',
  generated: '2026-11-22T12:18:10.632511',
  traits: [
    ['service', 1, 'compute'],
    ['memory_mb', 2, 16384],
    ['ratio', 3, 25],
    ['launched_at', 4, '2024-02-22T19:20:07'],
  ],
  raw: {},
};

t.test('events: record → Event → message', async (t) => {
  const event = eventFromRecord(eventRecord);
  t.same(event.traits[2], { name: 'ratio', dtype: 3, value: new PyFloat(25) }, 'a float trait keeps being a float');
  const msg = eventToMessage(event, SECRET);
  t.same(Object.keys(msg), ['message_id', 'event_type', 'generated', 'traits', 'raw', 'message_signature']);
  t.same(msg.traits[0], ['service', 1, 'compute']);
  t.ok(verifySignature(msg, SECRET));
  t.same(eventFromRecord(msg), event, 'the message form reads back');
  const objects = eventFromRecord({ ...eventRecord, traits: [{ name: 'n', dtype: 2, value: 3n }], raw: null });
  t.same(objects.traits, [{ name: 'n', dtype: 2, value: 3n }]);
  t.same(objects.raw, {});
});

t.test('eventFromRecord errors name the field', async (t) => {
  const cases: [unknown, RegExp][] = [
    ['x', /expected an object/],
    [{ ...eventRecord, message_id: null }, /message_id must be a non-empty string/],
    [{ ...eventRecord, event_type: '' }, /event_type must be a non-empty string/],
    [{ ...eventRecord, generated: 'later' }, /generated must be an ISO 8601 time/],
    [{ ...eventRecord, traits: {} }, /traits must be a list/],
    [{ ...eventRecord, traits: [['', 1, 'x']] }, /traits\[0\]\.name must be a non-empty string/],
    [{ ...eventRecord, traits: [['a', 7, 'x']] }, /traits\[0\]\.dtype must be one of/],
    [{ ...eventRecord, traits: [['a', 1, 5]] }, /traits\[0\]\.value must be a string for a text trait/],
    [{ ...eventRecord, traits: [['a', 2, 2.5]] }, /value must be an integer for an int trait/],
    [{ ...eventRecord, traits: [['a', 3, 'x']] }, /value must be a number for a float trait/],
    [{ ...eventRecord, traits: [['a', 4, 'x']] }, /value must be an ISO 8601 time for a datetime trait/],
    [{ ...eventRecord, traits: ['nope'] }, /traits\[0\]\.name/],
    [{ ...eventRecord, raw: [] }, /raw must be an object or null/],
  ];
  for (const [input, message] of cases) {
    t.throws(
      () => eventFromRecord(input),
      { name: 'BadInputError', reason: 'invalid_event', message },
      String(message),
    );
  }
});
