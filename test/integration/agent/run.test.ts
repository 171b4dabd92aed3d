/**
 * `meterflow run` end to end on the real RabbitMQ: notifications published byte for byte as
 * oslo.messaging does become the right samples and events; SIGTERM drains and exits 0; a worker
 * killed with SIGKILL mid-batch loses nothing (every input yields its outputs at least once);
 * with `workers: 2` both worker processes consume, a killed one is restarted, and SIGTERM stops
 * them all.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import t from 'tap';
import {
  decodeNotification,
  loadEventDefinitions,
  loadMeterDefinitions,
  NotificationConverter,
} from '../../../src/definitions/index.js';
import { dumpsPyJson, parsePyJson } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';
import { listQueues, privateVhost, requireBroker, waitFor as poll } from '../../helpers/broker.js';
import { BIN, childEnv, tempDir } from '../../helpers/cli.js';
import { CEILOMETER_19, GOLDEN } from '../../helpers/paths.js';
import { writeAgentConfig } from '../../helpers/agent-files.js';

type Obj = { [key: string]: PyJson };
interface Case {
  id: string;
  exchange: string;
  routing_key: string;
  envelope: { 'oslo.version': string; 'oslo.message': string };
}
const corpus = readFileSync(`${GOLDEN}corpus.jsonl`, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Case);

const meters = loadMeterDefinitions([`${CEILOMETER_19}meters.yaml`]).converter;
const events = loadEventDefinitions(`${CEILOMETER_19}event_definitions.yaml`).converter;
if (!meters || !events) throw new Error('definitions failed to load');
const converter = new NotificationConverter(meters, events, { sampleSource: 'openstack', newId: () => 'x' });

function writeConfig(dir: string, url: string, batchSize: number, workers = 1): string {
  return writeAgentConfig(
    dir,
    url,
    { samples: `file://${join(dir, 'samples.jsonl')}`, events: `file://${join(dir, 'events.jsonl')}` },
    { notification: [`batch_size: ${batchSize}`, 'batch_timeout: 0.2', `workers: ${workers}`] },
  );
}

/** Publish like oslo's notifier: declare the exchange and the default queue, then send. */
async function publish(url: string, cases: Case[]): Promise<void> {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  for (const exchange of new Set(cases.map((c) => c.exchange))) {
    await ch.assertExchange(exchange, 'topic', { durable: false, autoDelete: false });
  }
  for (const c of cases) {
    await ch.assertQueue(c.routing_key, { durable: false, autoDelete: false });
    await ch.bindQueue(c.routing_key, c.exchange, c.routing_key);
  }
  for (const c of cases) {
    ch.publish(c.exchange, c.routing_key, Buffer.from(dumpsPyJson(c.envelope)), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      priority: 0,
      headers: {},
    });
  }
  await ch.waitForConfirms();
  await conn.close();
}

function startAgent(config: string): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [BIN, 'run', '--config-file', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: childEnv(),
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

/** The whole lines of `file`: a worker may be writing the last one while it is read. */
const lines = (file: string): Obj[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.trim() !== '')
        .map((l) => parsePyJson(l) as Obj)
    : [];

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('oslo-published notifications become the right samples and events; SIGTERM exits 0', async (t) => {
  if (!(await requireBroker(t))) return;
  const { url, vhost } = await privateVhost(t);
  const dir = tempDir(t);
  const cases = corpus.filter(
    (c) => c.routing_key === 'notifications.info' || c.routing_key === 'notifications.sample',
  );
  let wantSamples = 0;
  let wantEvents = 0;
  let wantDead = 0;
  const wantIds = new Set<string>();
  for (const c of cases) {
    const conv = converter.convert(decodeNotification(c.envelope));
    wantSamples += conv.samples.length;
    wantEvents += conv.event ? 1 : 0;
    wantDead += conv.failures.length + conv.traitErrors.length > 0 ? 1 : 0;
    for (const s of conv.samples) wantIds.add(s.id);
  }
  await publish(url, cases);
  const agent = startAgent(writeConfig(dir, url, 20));
  t.teardown(() => agent.child.kill('SIGKILL'));
  await waitFor(
    'all samples and events',
    () =>
      lines(join(dir, 'samples.jsonl')).length >= wantSamples && lines(join(dir, 'events.jsonl')).length >= wantEvents,
  );
  const got = lines(join(dir, 'samples.jsonl'));
  t.equal(got.length, wantSamples, 'each sample once');
  t.same(new Set(got.map((m) => m.message_id as string)), wantIds, 'the same samples as the in-process conversion');
  t.equal(lines(join(dir, 'events.jsonl')).length, wantEvents);
  agent.child.kill('SIGTERM');
  t.equal(await agent.exited, 0, 'exit 0 after SIGTERM', { stderr: agent.stderr() });
  const queues = await listQueues(vhost);
  const info = queues.find((q) => q.name === 'notifications.info');
  t.equal(info?.messages, 0, 'everything acked');
  t.ok(wantDead > 0, 'the corpus has notifications a definition fails on');
  t.equal(
    queues.find((q) => q.name === 'meterflow.dead-letter')?.messages,
    wantDead,
    'a copy of each notification a definition failed on is dead-lettered (after its other outputs were published)',
  );
});

t.test('SIGKILL mid-batch: nothing is lost', async (t) => {
  if (!(await requireBroker(t))) return;
  const { url } = await privateVhost(t);
  const dir = tempDir(t);
  // 30 copies of the instance notifications with distinct message ids: 4+ samples each.
  const base = corpus.filter((c) => c.id.startsWith('fx-') && c.routing_key === 'notifications.info');
  const cases: Case[] = [];
  for (let copy = 0; copy < 30; copy++) {
    for (const c of base) {
      const inner = parsePyJson(c.envelope['oslo.message']) as Obj;
      inner.message_id = `${copy}-${inner.message_id as string}`;
      cases.push({ ...c, envelope: { 'oslo.version': '2.0', 'oslo.message': dumpsPyJson(inner) } });
    }
  }
  const wantIds = new Set<string>();
  for (const c of cases) for (const s of converter.convert(decodeNotification(c.envelope)).samples) wantIds.add(s.id);
  await publish(url, cases);
  const config = writeConfig(dir, url, 100);
  const first = startAgent(config);
  await waitFor('the first outputs', () => lines(join(dir, 'samples.jsonl')).length > 0);
  first.child.kill('SIGKILL');
  await first.exited;
  const second = startAgent(config);
  t.teardown(() => second.child.kill('SIGKILL'));
  await waitFor('every sample at least once', () => {
    const seen = new Set(lines(join(dir, 'samples.jsonl')).map((m) => m.message_id as string));
    return [...wantIds].every((id) => seen.has(id));
  });
  const got = lines(join(dir, 'samples.jsonl'));
  t.ok(
    got.length >= wantIds.size,
    `${got.length} lines for ${wantIds.size} samples (duplicates only from the killed batch)`,
  );
  t.ok(got.length - wantIds.size <= 100 * 10, 'duplicates bounded by the in-flight batch');
  second.child.kill('SIGTERM');
  t.equal(await second.exited, 0);
});

/** Process ids of `pid`'s children, from /proc (none once it has exited). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  if (!existsSync(`/proc/${pid}/task`)) return out;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) out.push(...text.split(' ').map(Number));
  }
  return out;
}

/** Copies of the instance notifications with message ids made unique by `tag`. */
function copies(tag: string, count: number): Case[] {
  const base = corpus.filter((c) => c.id.startsWith('fx-') && c.routing_key === 'notifications.info');
  const cases: Case[] = [];
  for (let copy = 0; copy < count; copy++) {
    for (const c of base) {
      const inner = parsePyJson(c.envelope['oslo.message']) as Obj;
      inner.message_id = `${tag}-${copy}-${inner.message_id as string}`;
      cases.push({ ...c, envelope: { 'oslo.version': '2.0', 'oslo.message': dumpsPyJson(inner) } });
    }
  }
  return cases;
}

t.test('workers: 2 — two consuming processes, a killed one restarted, SIGTERM stops all', async (t) => {
  if (!(await requireBroker(t))) return;
  if (!existsSync('/proc/self/task')) {
    t.comment('skipped: needs /proc to find the worker processes');
    return;
  }
  const { url, vhost } = await privateVhost(t);
  const dir = tempDir(t);
  const samples = join(dir, 'samples.jsonl');
  const seen = () => new Set(lines(samples).map((m) => m.message_id as string));
  const idsOf = (cases: Case[]) =>
    cases.flatMap((c) => converter.convert(decodeNotification(c.envelope)).samples.map((s) => s.id));
  const consumers = async () =>
    Number((await listQueues(vhost)).find((q) => q.name === 'notifications.info')?.consumers ?? 0);

  const first = copies('a', 10);
  await publish(url, first);
  const agent = startAgent(writeConfig(dir, url, 10, 2));
  const supervisor = agent.child.pid as number;
  t.teardown(() => {
    for (const pid of childrenOf(supervisor)) process.kill(pid, 'SIGKILL');
    agent.child.kill('SIGKILL');
  });
  await poll('two consumers on notifications.info', async () => (await consumers()) === 2, 30_000);
  const workers = await poll('two worker processes', () => {
    const pids = childrenOf(supervisor);
    return pids.length === 2 ? pids : null;
  });
  await waitFor('the first notifications', () => idsOf(first).every((id) => seen().has(id)));

  process.kill(workers[0] as number, 'SIGKILL');
  const replaced = await poll(
    'a new worker in place of the killed one',
    () => {
      const pids = childrenOf(supervisor);
      return pids.length === 2 && !pids.includes(workers[0] as number) ? pids : null;
    },
    30_000,
  );
  t.ok(replaced.includes(workers[1] as number), 'the other worker went on');
  await poll('two consumers again', async () => (await consumers()) === 2, 30_000);
  const second = copies('b', 10);
  await publish(url, second);
  await waitFor('the notifications sent after the restart', () => idsOf(second).every((id) => seen().has(id)));

  agent.child.kill('SIGTERM');
  t.equal(await agent.exited, 0, 'the supervisor exits 0 after SIGTERM', { stderr: agent.stderr() });
  for (const pid of replaced) t.notOk(existsSync(`/proc/${pid}`), `worker ${pid} has exited`);
  t.equal(await consumers(), 0, 'no consumer left');
  t.equal(
    (await listQueues(vhost)).find((q) => q.name === 'notifications.info')?.messages,
    0,
    'every notification acked',
  );
});
