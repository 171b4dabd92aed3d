import t from 'tap';
import {
  compileEventDefinition,
  EventConverter,
  MeterConverter,
  NotificationConverter,
} from '../../../src/definitions/index.js';
import type { EventDefinition, FieldIssue } from '../../../src/definitions/index.js';
import { meteringMessageLine, PyFloat } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';
import { meter, memoryDef, notification } from './meter-helpers.js';
import type { NotificationParts } from './meter-helpers.js';

function eventDefinition(raw: unknown): EventDefinition {
  const issues: FieldIssue[] = [];
  const d = compileEventDefinition(raw, 0, issues);
  if (!d) throw new Error(JSON.stringify(issues));
  return d;
}

function makeConverter(withEvents = true): NotificationConverter {
  let n = 0;
  const meters = new MeterConverter([meter(memoryDef())], { now: () => '2030-01-01T00:00:00+00:00' });
  const events = withEvents
    ? new EventConverter([eventDefinition({ event_type: '*', traits: {} })], { now: () => '2030-01-01T00:00:00' })
    : null;
  return new NotificationConverter(meters, events, { sampleSource: 'polling-src', newId: () => `new-${++n}` });
}

function run(parts: NotificationParts, withEvents = true) {
  return makeConverter(withEvents).convert(notification(parts));
}

t.test('info → samples and an event', async (t) => {
  const out = run({ priority: 'info' });
  t.same(
    out.samples.map((s) => s.name),
    ['memory'],
  );
  t.same(out.sampleOrigins, ['memory']);
  t.ok(out.event);
  t.equal(out.eventDefinition?.index, 0);
  t.equal(out.unknownPriority, false);
});

t.test('sample → samples only', async (t) => {
  const out = run({ priority: 'sample' });
  t.equal(out.samples.length, 1);
  t.equal(out.event, null);
  t.equal(out.eventDefinition, null);
  t.equal(out.unknownPriority, false);
});

t.test('error → event only', async (t) => {
  const out = run({ priority: 'error' });
  t.same(out.samples, []);
  t.ok(out.event);
  t.equal(out.unknownPriority, false);
});

t.test('warn, debug, audit, critical → nothing, not flagged', async (t) => {
  for (const priority of ['warn', 'debug', 'audit', 'critical']) {
    const out = run({ priority });
    t.same(out.samples, [], priority);
    t.equal(out.event, null, priority);
    t.equal(out.unknownPriority, false, priority);
  }
});

t.test('an unknown priority produces nothing and is flagged', async (t) => {
  const out = run({ priority: 'notice' });
  t.same(out.samples, []);
  t.equal(out.event, null);
  t.equal(out.unknownPriority, true);
});

t.test('without an event converter, info gives samples only', async (t) => {
  const out = run({ priority: 'info' }, false);
  t.equal(out.samples.length, 1);
  t.equal(out.event, null);
});

const POLLED = {
  source: 'openstack',
  counter_name: 'cpu',
  counter_type: 'cumulative',
  counter_unit: 'ns',
  counter_volume: 1000,
  user_id: 'u',
  project_id: 'p',
  resource_id: 'r',
  timestamp: '2026-11-22T09:25:41.310093+00:00',
  resource_metadata: { host: 'h' },
  message_id: 'polled-1',
  monotonic_time: 123.5,
  message_signature: 'sig',
};

function withoutIdAndSource(record: { [key: string]: PyJson }): { [key: string]: PyJson } {
  const { message_id: _id, source: _source, ...rest } = record;
  return rest;
}

t.test('telemetry.polling: payload.samples kept with their ids and monotonic_time', async (t) => {
  const out = run({
    priority: 'sample',
    event_type: 'telemetry.polling',
    payload: {
      samples: [POLLED, withoutIdAndSource({ ...POLLED, monotonic_time: null, counter_name: 'mem' })],
    },
  });
  t.same(out.failures, []);
  t.same(out.dropped, []);
  t.same(out.sampleOrigins, ['telemetry.polling', 'telemetry.polling']);
  t.same(out.samples[0], {
    name: 'cpu',
    type: 'cumulative',
    unit: 'ns',
    volume: 1000,
    user_id: 'u',
    project_id: 'p',
    resource_id: 'r',
    timestamp: '2026-11-22T09:25:41.310093+00:00',
    resource_metadata: { host: 'h' },
    source: 'openstack',
    id: 'polled-1',
    monotonic_time: 123.5,
  });
  t.equal(out.samples[1]?.id, 'new-1', 'a sample without an id gets a new one');
  t.equal(out.samples[1]?.source, 'polling-src', 'and the configured source');
  t.equal(out.samples[1]?.monotonic_time, null);
  t.equal(out.event, null, 'sample priority: no event');
});

t.test('telemetry.polling: consecutive samples with equal metadata share one frozen dict', async (t) => {
  const vnic = { host: 'h', mac: 'fa:16' };
  const out = run({
    priority: 'sample',
    event_type: 'telemetry.polling',
    payload: {
      samples: [
        POLLED,
        { ...POLLED, counter_name: 'disk.read.bytes', resource_metadata: { host: 'h' } },
        { ...POLLED, counter_name: 'network.incoming.bytes', resource_metadata: vnic },
        { ...POLLED, counter_name: 'network.outgoing.bytes', resource_metadata: { ...vnic } },
        { ...POLLED, counter_name: 'memory', resource_metadata: { host: 'h', size: 1 } },
        { ...POLLED, counter_name: 'memory.usage', resource_metadata: { size: 1, host: 'h' } },
      ],
    },
  });
  const [cpu, disk, rx, tx, mem, usage] = out.samples.map((s) => s.resource_metadata);
  t.equal(cpu, disk, 'equal metadata: one dict');
  t.equal(rx, tx);
  t.not(disk, rx, 'different metadata: its own dict');
  t.not(mem, usage, 'same items in another order dump differently: not shared');
  t.same(usage, { size: 1, host: 'h' });
  for (const m of [cpu, rx, mem, usage]) t.ok(Object.isFrozen(m));
});

t.test('telemetry.polling: an invalid sample is dropped alone', async (t) => {
  const out = run({
    priority: 'sample',
    event_type: 'telemetry.polling',
    payload: {
      samples: [{ ...POLLED, counter_volume: 'abc' }, POLLED, 'not an object', { ...POLLED, counter_type: 'counter' }],
    },
  });
  t.same(
    out.samples.map((s) => s.id),
    ['polled-1'],
  );
  t.same(
    out.dropped.map((d) => [d.definition, d.reason]),
    [
      ['telemetry.polling', 'invalid sample'],
      ['telemetry.polling', 'invalid sample'],
      ['telemetry.polling', 'invalid sample'],
    ],
  );
  t.match(out.dropped[0]?.detail, /^samples\[0\]: /);
  t.match(out.dropped[1]?.detail, /^samples\[2\]: /);
  t.match(out.dropped[2]?.detail, /^samples\[3\]: /);
});

t.test('telemetry.polling without a samples list is a failure', async (t) => {
  const out = run({ priority: 'sample', event_type: 'telemetry.polling', payload: { samples: 'x' } });
  t.same(out.failures, [{ definition: 'telemetry.polling', message: 'payload.samples must be a list' }]);
  t.same(out.samples, []);
});

t.test('telemetry.polling on info priority is not read as polling samples', async (t) => {
  const out = run({ priority: 'info', event_type: 'telemetry.polling', payload: { samples: [POLLED] } });
  t.same(out.samples, []);
  t.ok(out.event, 'but it becomes an event like any info notification');
});

t.test('meter failures, drops and event trait errors are all reported together', async (t) => {
  const meters = new MeterConverter(
    [
      meter(memoryDef({ name: 'bad', timestamp: '$.payload.when' })),
      meter(memoryDef({ name: 'novol', volume: '$.x' })),
    ],
    {},
  );
  const events = new EventConverter([
    eventDefinition({ event_type: '*', traits: { n: { type: 'int', fields: 'payload.n' } } }),
  ]);
  const out = new NotificationConverter(meters, events, { sampleSource: 's', newId: () => 'x' }).convert(
    notification({ payload: { instance_id: 'i', memory_mb: 1, when: 'nope', n: 'two' } }),
  );
  t.same(
    out.failures.map((f) => f.definition),
    ['bad'],
  );
  t.same(
    out.dropped.map((d) => d.reason),
    ['volume is None'],
  );
  t.equal(out.traitErrors.length, 1);
  t.ok(out.event);
});

t.test('a configured filter rule drops notifications before every endpoint', async (t) => {
  const { loadMeterDefinitions, loadEventDefinitions, NotificationConverter, decodeNotification } = await import(
    '../../../src/definitions/index.js'
  );
  const { CEILOMETER_19 } = await import('../../helpers/paths.js');
  const meters = loadMeterDefinitions([`${CEILOMETER_19}meters.yaml`]).converter;
  const events = loadEventDefinitions(`${CEILOMETER_19}event_definitions.yaml`).converter;
  if (!meters || !events) throw new Error('definitions');
  const converter = new NotificationConverter(meters, events, {
    sampleSource: 'openstack',
    newId: () => 'x',
    filter: { publisher_id: '^image\\.' },
  });
  const note = (publisher: string) =>
    decodeNotification({
      event_type: 'image.upload',
      publisher_id: publisher,
      priority: 'INFO',
      payload: { id: 'i1', size: 5, owner: 'p' },
      timestamp: '2026-11-22 10:00:00.000000',
      message_id: 'm1',
    });
  const kept = converter.convert(note('image.localhost'));
  t.equal(kept.samples.length, 1);
  t.ok(kept.event);
  const dropped = converter.convert(note('compute.localhost'));
  t.equal(dropped.samples.length, 0);
  t.equal(dropped.event, null);
});

t.test('telemetry.polling: the polls of a resource share its metadata dict while it stays the same', async (t) => {
  const converter = makeConverter();
  const poll = (id: string, metadata: { [key: string]: PyJson }) =>
    converter
      .convert(
        notification({
          priority: 'sample',
          event_type: 'telemetry.polling',
          payload: {
            samples: [
              { ...POLLED, message_id: `${id}-cpu`, resource_metadata: { ...metadata, cpu_number: 1 } },
              { ...POLLED, message_id: `${id}-disk`, counter_name: 'disk.read.bytes', resource_metadata: metadata },
              { ...POLLED, message_id: `${id}-r2`, resource_id: 'r2', resource_metadata: { ...metadata } },
            ],
          },
        }),
      )
      .samples.map((s) => s.resource_metadata);
  const first = poll('p1', { host: 'h', flavor: { vcpus: 1 } });
  const second = poll('p2', { host: 'h', flavor: { vcpus: 1 } });
  for (let i = 0; i < 3; i++) t.equal(second[i], first[i], `sample ${i}: the dict of the previous poll`);
  t.not(first[0], first[1], 'each meter of a resource keeps its own metadata');
  const resized = poll('p3', { host: 'h', flavor: { vcpus: 2 } });
  t.not(resized[1], first[1], 'changed metadata: a new dict');
  t.same(resized[1], { host: 'h', flavor: { vcpus: 2 } });
  t.same(resized[0], { host: 'h', flavor: { vcpus: 2 }, cpu_number: 1 });
});

t.test('telemetry.polling: remembered metadata signs and writes as a fresh converter would', async (t) => {
  // One long-lived converter against a fresh one per poll: every line (metadata rendering and
  // signature included) must be the same whatever the remembered dicts are.
  const remembering = makeConverter();
  const secret = 'change this for valid signing';
  const polls: { [key: string]: PyJson }[] = [
    { host: 'h', flavor: { vcpus: 1, ram: 2048 } },
    { host: 'h', flavor: { vcpus: 1, ram: 2048 } },
    { flavor: { vcpus: 1, ram: 2048 }, host: 'h' }, // the same content in another key order
    { host: 'h', flavor: { vcpus: 1, ram: new PyFloat(2048) } }, // 2048 -> 2048.0
    { host: 'h', flavor: { vcpus: 1, ram: 2048 } }, // and back
    { host: 'h', flavor: { ram: 2048, vcpus: 1 } }, // nested keys reordered
    { host: 'h', flavor: { vcpus: 1, ram: 2048n ** 3n } },
    { host: 'h', flavor: { vcpus: 1, ram: 2048n ** 3n } },
  ];
  const convert = (converter: ReturnType<typeof makeConverter>, metadata: { [key: string]: PyJson }, i: number) =>
    converter.convert(
      notification({
        priority: 'sample',
        event_type: 'telemetry.polling',
        payload: {
          samples: [
            { ...POLLED, message_id: `m${i}-a`, resource_metadata: metadata },
            { ...POLLED, message_id: `m${i}-b`, resource_id: null, resource_metadata: { ...metadata } },
            { ...POLLED, message_id: `m${i}-c`, resource_id: 'null', resource_metadata: { ...metadata } },
          ],
        },
      }),
    ).samples;
  let previous: PyJson[] = [];
  polls.forEach((metadata, i) => {
    const got = convert(remembering, metadata, i);
    const fresh = convert(makeConverter(), metadata, i);
    t.equal(got.length, 3, `poll ${i}: three samples`);
    t.same(
      got.map((s) => meteringMessageLine(s, secret)),
      fresh.map((s) => meteringMessageLine(s, secret)),
      `poll ${i}: the same lines as a fresh converter`,
    );
    const same = i === 1 || i === 7;
    t.equal(got[0]?.resource_metadata === previous[0], same, `poll ${i}: the previous dict ${same ? 'again' : 'not'}`);
    previous = got.map((s) => s.resource_metadata);
  });
});
