/**
 * Interop with the real oslo.messaging (Debian's python3-oslo.messaging, the client OpenStack
 * services use), both ways, on a private vhost of the shared broker:
 * - nova, glance, cinder and the polling agent send notifications through
 *   `oslo_messaging.Notifier(driver='messagingv2')` (test/interop/send_notifications.py) and
 *   `meterflow run` turns them into the expected samples and events, dead-letters nothing and
 *   drains the queues oslo declared;
 * - meterflow's `notifier://` publisher output is received by `oslo_messaging.get_notification_listener`
 *   on topic `metering` / exchange `ceilometer` (test/interop/receive_samples.py), whose payloads
 *   are lists of metering messages with a `message_signature` that Python re-computes.
 * Skips when /usr/bin/python3 cannot import oslo_messaging — except under CI, where that fails.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  decodeNotification,
  loadEventDefinitions,
  loadMeterDefinitions,
  NotificationConverter,
} from '../../../src/definitions/index.js';
import { listQueues, privateVhost, requireBroker, waitFor } from '../../helpers/broker.js';
import { BIN, tempDir } from '../../helpers/cli.js';
import { CEILOMETER_19, GOLDEN, REPO, SHARED } from '../../helpers/paths.js';
import { writeCatchAllPipelines } from '../../helpers/agent-files.js';

const PYTHON = '/usr/bin/python3';
const SEND = join(REPO, 'test/interop/send_notifications.py');
const RECEIVE = join(REPO, 'test/interop/receive_samples.py');
const SECRET = 'interop-secret-7f3a';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

/** Why oslo.messaging cannot be used here, or null when it can. */
function osloMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import oslo_messaging'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return null;
  return r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
}

const missing = osloMissing();
if (missing !== null) {
  const why = `${PYTHON} cannot import oslo_messaging (${missing}); install python3-oslo.messaging`;
  if (process.env.CI) throw new Error(`${why} (CI set: the interop test must run)`);
  t.plan(0, `skip: ${why}`);
}

interface Spec {
  exchange: string;
  publisher_id: string;
  event_type: string;
  priority: string;
  ctxt: Obj;
  payload: Obj;
}

const corpus = new Map(
  readFileSync(`${GOLDEN}corpus.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; exchange: string; notification: Spec })
    .map((c) => [c.id, c]),
);

/** A corpus notification (real payloads and contexts) as its service would send it. */
function fromCorpus(id: string, priority?: string): Spec {
  const c = corpus.get(id);
  if (!c) throw new Error(`corpus has no ${id}`);
  const n = c.notification;
  return {
    exchange: c.exchange,
    publisher_id: n.publisher_id,
    event_type: n.event_type,
    priority: priority ?? n.priority,
    ctxt: n.ctxt,
    payload: n.payload,
  };
}

/** The polling agent's IPC batch (exchange `ceilometer`, priority sample) with two samples. */
function polling(): Spec {
  const spec = fromCorpus('other-telemetry.polling');
  const first = (spec.payload.samples as Obj[])[0]!;
  const second: Obj = {
    ...first,
    counter_name: 'network.incoming.bytes',
    counter_unit: 'B',
    counter_volume: 2048.5,
    resource_id: 'instance-00000001-b5dc6c51-tap0',
    message_id: '7d5b0a4e-0a51-4d8e-9d0e-1f1f0b7c2a11',
  };
  return { ...spec, payload: { samples: [first, second] } };
}

const SPECS: Spec[] = [
  fromCorpus('fx-03-compute.instance.exists'),
  fromCorpus('fx-16-image.upload'),
  fromCorpus('fx-12-volume.exists'),
  fromCorpus('nova-create.error', 'error'),
  polling(),
];

/** What Ceilometer 19 makes of SPECS, written out: [meter, resource, volume] per sample. */
const WANT_SAMPLES: [string, string, number][] = [
  ['memory', '8e156734-25e1-4dad-92f6-2f9d1b435fdc', 16384],
  ['vcpus', '8e156734-25e1-4dad-92f6-2f9d1b435fdc', 8],
  ['disk.root.size', '8e156734-25e1-4dad-92f6-2f9d1b435fdc', 160],
  ['disk.ephemeral.size', '8e156734-25e1-4dad-92f6-2f9d1b435fdc', 10],
  ['image.size', '460017c8-71ef-4d6c-ba06-ae193c840528', 4979632],
  ['volume.size', 'e6db8a5b-4efc-4d6d-900b-39336f12ba3d', 10],
  ['cpu', 'b5dc6c51-b8ba-5491-8e70-1c4ed8e78dd5', 123456789000],
  ['network.incoming.bytes', 'instance-00000001-b5dc6c51-tap0', 2048.5],
];
/** Events on info and error priorities only (the polling batch is sample priority). */
const WANT_EVENTS = ['compute.instance.exists', 'image.upload', 'volume.exists', 'compute.instance.create.error'];
/** Notifications that produce at least one sample: one `notifier://` message each. */
const WANT_NOTIFIER_MESSAGES = 4;

const key = (s: [string, string, number]) => s.join(' ');

/** The same notifications converted in-process (sender's form), for a second opinion. */
function inProcess(): { samples: string[]; events: string[] } {
  const meters = loadMeterDefinitions([`${CEILOMETER_19}meters.yaml`]).converter;
  const events = loadEventDefinitions(`${CEILOMETER_19}event_definitions.yaml`).converter;
  if (!meters || !events) throw new Error('definitions failed to load');
  const converter = new NotificationConverter(meters, events, { sampleSource: 'openstack', newId: () => 'x' });
  const samples: string[] = [];
  const evts: string[] = [];
  for (const spec of SPECS) {
    const { exchange: _exchange, ...message } = spec;
    const conv = converter.convert(decodeNotification(message as never));
    for (const s of conv.samples) samples.push(key([s.name, s.resource_id ?? '', Number(s.volume)]));
    if (conv.event) evts.push(conv.event.event_type);
  }
  return { samples, events: evts };
}

/** A child process whose stdout is split into lines as they come. */
interface Proc {
  child: ChildProcess;
  lines: string[];
  output: () => string;
  exited: Promise<number | null>;
}

function start(file: string, args: string[]): Proc {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let all = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    all += d;
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter((l) => l.trim() !== ''));
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    all += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, output: () => all, exited };
}

/** Run a Python interop script to completion; reject with its output unless it exits 0. */
async function python(script: string, args: string[]): Promise<string[]> {
  const p = start(PYTHON, [script, ...args]);
  const code = await p.exited;
  if (code !== 0) throw new Error(`${script} exited ${code}:\n${p.output()}`);
  return p.lines;
}

/** oslo's URL for a private vhost (rabbit:// as services write it). */
const osloUrl = (url: string) => url.replace(/^amqp:/, 'rabbit:');

function writeAgentConfig(dir: string, url: string, samplePublisher: string): string {
  writeCatchAllPipelines(dir, samplePublisher, `file://${join(dir, 'events.jsonl')}`);
  const file = join(dir, 'meterflow.yaml');
  writeFileSync(
    file,
    [
      'DEFAULT:',
      `  transport_url: "${url}"`,
      '  host: interop-host',
      `  pipeline_cfg_file: ${join(dir, 'pipeline.yaml')}`,
      `  event_pipeline_cfg_file: ${join(dir, 'event_pipeline.yaml')}`,
      'notification:',
      '  batch_size: 10',
      '  batch_timeout: 0.1',
      'meter:',
      `  meter_definitions_dirs: [${CEILOMETER_19}meters.yaml]`,
      'event:',
      `  definitions_cfg_file: ${CEILOMETER_19}event_definitions.yaml`,
      'publisher:',
      `  telemetry_secret: ${SECRET}`,
      '',
    ].join('\n'),
  );
  return file;
}

function startAgent(t: { teardown(fn: () => unknown): void }, config: string): Proc {
  const p = start(process.execPath, [BIN, 'run', '--config-file', config]);
  t.teardown(() => p.child.kill('SIGKILL'));
  return p;
}

async function stopAgent(agent: Proc): Promise<number | null> {
  agent.child.kill('SIGTERM');
  return agent.exited;
}

const jsonLines = (file: string): Obj[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Obj)
    : [];

/** Every queue of the vhost is empty; the dead-letter and retry queues got nothing. */
async function drained(t: Test, vhost: string, names: string[]): Promise<void> {
  const queues = await listQueues(vhost);
  for (const name of names) {
    const q = queues.find((x) => x.name === name);
    t.ok(q, `queue ${name} exists`);
    t.equal(q?.messages, 0, `queue ${name} drained`);
  }
  for (const q of queues) t.equal(q.messages, 0, `${String(q.name)}: 0 messages`);
  t.notOk(
    queues.some((q) => String(q.name).includes('dead-letter') && (q.messages as number) > 0),
    'nothing dead-lettered',
  );
}

t.test('notifications sent by oslo.messaging become the expected samples and events', async (t) => {
  if (!(await requireBroker(t))) return;
  const { url, vhost } = await privateVhost(t);
  const dir = tempDir(t);
  const specsFile = join(dir, 'notifications.json');
  writeFileSync(specsFile, JSON.stringify(SPECS));

  // Services send before meterflow runs: oslo declares the queues itself, so nothing is lost.
  const sent = await python(SEND, ['--url', osloUrl(url), '--notifications', specsFile]);
  t.same(JSON.parse(sent.at(-1)!), { sent: SPECS.length }, 'oslo.messaging sent every notification');
  const before = await listQueues(vhost);
  const count = (name: string) => before.find((q) => q.name === name)?.messages;
  t.same(
    [count('notifications.info'), count('notifications.error'), count('notifications.sample')],
    [3, 1, 1],
    'oslo queued them by priority (notifications.info / .error / .sample)',
  );

  const samplesFile = join(dir, 'samples.jsonl');
  const eventsFile = join(dir, 'events.jsonl');
  const agent = startAgent(t, writeAgentConfig(dir, url, `file://${samplesFile}`));
  await waitFor(
    'every sample and event',
    () => {
      if (agent.child.exitCode !== null) throw new Error(`meterflow run exited:\n${agent.output()}`);
      return jsonLines(samplesFile).length >= WANT_SAMPLES.length && jsonLines(eventsFile).length >= WANT_EVENTS.length;
    },
    60_000,
  );
  t.equal(await stopAgent(agent), 0, 'SIGTERM: exit 0');

  const samples = jsonLines(samplesFile);
  const got = samples.map((s) => key([s.counter_name as string, s.resource_id as string, s.counter_volume as number]));
  t.same(got.sort(), WANT_SAMPLES.map(key).sort(), 'the expected samples, each once');
  t.same(got.sort(), inProcess().samples.sort(), 'the same as converting the sender-side notifications in-process');
  const exists = samples.find((s) => s.counter_name === 'memory')!;
  t.match(
    exists,
    {
      counter_type: 'gauge',
      counter_unit: 'MB',
      user_id: '25c73c443e7543b4a64fa6637e8f8095',
      project_id: '3eabedcbbaa84dd488bd64072bcfbe01',
      source: 'openstack',
    },
    'fields from the payload and the context oslo put on the wire',
  );
  const cpu = samples.find((s) => s.counter_name === 'cpu')!;
  t.equal(cpu.message_id, '61d6272c-fee2-54ba-8e25-8a35756f4d50', "polling samples keep the polling agent's ids");

  const events = jsonLines(eventsFile).map((e) => e.event_type as string);
  t.same(events.sort(), [...WANT_EVENTS].sort(), 'one event per info/error notification');
  t.same(events.sort(), inProcess().events.sort());
  await drained(t, vhost, ['notifications.info', 'notifications.error', 'notifications.sample']);
});

t.test('the oslo.messaging verifier itself: 52/52 captured Ceilometer signatures, 0 with a wrong secret', async (t) => {
  const fixture = `${SHARED}fixtures/wire/metering-sample.json`;
  const right = await python(RECEIVE, ['--self-test', fixture, '--secret', 'change this for valid signing']);
  t.same(JSON.parse(right.at(-1)!), { checked: 52, ok: 52 });
  const wrong = start(PYTHON, [RECEIVE, '--self-test', fixture, '--secret', 'not the secret']);
  t.equal(await wrong.exited, 1);
  t.same(JSON.parse(wrong.lines.at(-1)!), { checked: 52, ok: 0 });
});

t.test("meterflow's notifier:// output is received by an oslo.messaging listener, signatures valid", async (t) => {
  if (!(await requireBroker(t))) return;
  const { url, vhost } = await privateVhost(t);
  const dir = tempDir(t);
  const specsFile = join(dir, 'notifications.json');
  writeFileSync(specsFile, JSON.stringify(SPECS));

  const receiver = start(PYTHON, [
    RECEIVE,
    '--url',
    osloUrl(url),
    '--samples',
    String(WANT_SAMPLES.length),
    '--timeout',
    '90',
    '--secret',
    SECRET,
  ]);
  t.teardown(() => receiver.child.kill('SIGKILL'));
  await waitFor('the oslo listener ready', () => {
    if (receiver.child.exitCode !== null) throw new Error(`receive_samples.py exited:\n${receiver.output()}`);
    return receiver.lines.some((l) => l.includes('"ready"'));
  });

  const agent = startAgent(t, writeAgentConfig(dir, url, 'notifier://'));
  let stopping = false;
  const agentDied = agent.exited.then((c) => {
    if (!stopping) throw new Error(`meterflow run exited ${c}:\n${agent.output()}`);
  });
  agentDied.catch(() => undefined);
  await python(SEND, ['--url', osloUrl(url), '--notifications', specsFile]);
  const code = await Promise.race([receiver.exited, agentDied.then(() => null)]);
  t.equal(code, 0, `the listener got all ${WANT_SAMPLES.length} metering messages\n${receiver.output()}`);
  await waitFor('every event', () => jsonLines(join(dir, 'events.jsonl')).length >= WANT_EVENTS.length);
  stopping = true;
  t.equal(await stopAgent(agent), 0, 'SIGTERM: exit 0');

  const messages = receiver.lines.filter((l) => !l.includes('"ready"')).map((l) => JSON.parse(l) as Obj);
  // Ceilometer sends one notification per input notification and sink (wire-format.md); so does
  // meterflow, although it hands each publisher a whole batch in one call.
  t.equal(messages.length, WANT_NOTIFIER_MESSAGES, 'one notifier message per input notification with samples');
  for (const m of messages) {
    t.equal(m.publisher_id, 'telemetry.publisher.interop-host');
    t.equal(m.event_type, 'metering');
    t.equal(m.priority, 'sample');
    t.ok(Array.isArray(m.payload) && m.payload.length > 0, 'payload is a non-empty list of metering messages');
    t.match(m.metadata, { message_id: String, timestamp: String });
  }
  const elements = messages.flatMap((m) => m.payload as Obj[]);
  const signatures = messages.flatMap((m) => m.signatures as Obj[]);
  t.equal(signatures.length, WANT_SAMPLES.length, 'every metering message was checked');
  t.ok(
    signatures.every((s) => s.ok === true),
    `every message_signature verifies in Python (HMAC-SHA256 over recursive_keypairs)\n${JSON.stringify(
      signatures.filter((s) => s.ok !== true),
      null,
      1,
    )}`,
  );
  t.same(
    elements.map((e) => key([e.counter_name as string, e.resource_id as string, e.counter_volume as number])).sort(),
    WANT_SAMPLES.map(key).sort(),
    'the expected samples',
  );
  for (const e of elements) {
    t.same(
      Object.keys(e),
      [
        'source',
        'counter_name',
        'counter_type',
        'counter_unit',
        'counter_volume',
        'user_id',
        'project_id',
        'resource_id',
        'timestamp',
        'resource_metadata',
        'message_id',
        'monotonic_time',
        'message_signature',
      ],
      `${String(e.counter_name)}: Ceilometer's metering message keys, in order`,
    );
  }
  const queues = ['notifications.info', 'notifications.error', 'notifications.sample', 'metering.sample'];
  await waitFor('the listener acked everything', async () => {
    const qs = await listQueues(vhost);
    return qs.every((q) => q.messages === 0);
  });
  await drained(t, vhost, queues);
});
