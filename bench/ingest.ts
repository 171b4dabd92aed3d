/**
 * Ingest throughput: notifications/s from pre-filled queues through `meterflow run` (Ceilometer
 * 19 definitions, the notification mix captured from the real oslo.messaging, file publisher), with
 * batch_size 1 and 100, beside the ceiling measured in the same run on the same broker: raw
 * amqplib consume + ack of the same queues with the same prefetch. Prints a table and writes
 * bench/results/ingest.json (run from the repository root, broker on AMQP_URL).
 *
 *   npm run build && node dist/bench/ingest.js            # BENCH_NOTIFICATIONS=50000 by default
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';

const run = promisify(execFile);
const N = Number(process.env.BENCH_NOTIFICATIONS ?? 50_000);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 300);
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const SHARED = resolve('../shared');
const CEILOMETER_19 = `${SHARED}/compat/ceilometer-19`;

interface Message {
  exchange: string;
  routingKey: string;
  body: Buffer;
}

/**
 * N notifications cycling through the 20 raw bodies captured from the real oslo.messaging
 * (`fixtures/wire/notifications-info.json`: nova, cinder, glance, neutron, keystone; 806–2376
 * bytes), published byte for byte to their exchange.
 */
function workload(): Message[] {
  const captures = JSON.parse(readFileSync(`${SHARED}/fixtures/wire/notifications-info.json`, 'utf8')) as {
    exchange: string;
    routing_key: string;
    body_raw: string;
  }[];
  const out: Message[] = [];
  for (let i = 0; i < N; i++) {
    const c = captures[i % captures.length] as (typeof captures)[number];
    out.push({ exchange: c.exchange, routingKey: c.routing_key, body: Buffer.from(c.body_raw) });
  }
  return out;
}

async function withVhost<T>(fn: (url: string, vhost: string) => Promise<T>): Promise<T> {
  const vhost = `mf-bench-${randomBytes(3).toString('hex')}`;
  await run('rabbitmqctl', ['-q', 'add_vhost', vhost]);
  await run('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  try {
    return await fn(`${AMQP_URL}/${vhost}`, vhost);
  } finally {
    await run('rabbitmqctl', ['-q', 'delete_vhost', vhost]);
  }
}

/** Declare exchanges and queues as oslo's publisher does, and fill them. */
async function prefill(url: string, messages: Message[]): Promise<string[]> {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  const queues = [...new Set(messages.map((m) => m.routingKey))];
  for (const exchange of new Set(messages.map((m) => m.exchange))) {
    await ch.assertExchange(exchange, 'topic', { durable: false });
    for (const q of queues) {
      await ch.assertQueue(q, { durable: false });
      await ch.bindQueue(q, exchange, q);
    }
  }
  for (const m of messages) {
    if (!ch.publish(m.exchange, m.routingKey, m.body, { contentType: 'application/json', deliveryMode: 2 })) {
      await new Promise((r) => ch.once('drain', r));
    }
  }
  await ch.waitForConfirms();
  await conn.close();
  return queues;
}

/** The ceiling: raw amqplib consume + individual ack, same queues, same prefetch. */
async function ceiling(url: string, queues: string[]): Promise<number> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.prefetch(PREFETCH);
  let seen = 0;
  let t0 = 0;
  const done = new Promise<number>((resolveDone) => {
    for (const q of queues) {
      void ch.consume(q, (msg) => {
        if (!msg) return;
        if (seen === 0) t0 = performance.now();
        ch.ack(msg);
        seen += 1;
        if (seen === N) resolveDone(performance.now() - t0);
      });
    }
  });
  const ms = await done;
  await conn.close();
  return (N / ms) * 1000;
}

async function remaining(vhost: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', [
    '-q',
    'list_queues',
    '-p',
    vhost,
    'name',
    'messages',
    '--formatter',
    'json',
  ]);
  return (JSON.parse(stdout) as { name: string; messages: number }[])
    .filter((q) => q.name.startsWith('notifications.'))
    .reduce((sum, q) => sum + q.messages, 0);
}

/** `meterflow run` as a child process; rate measured from the first consumed message to the drained queues. */
async function meterflow(url: string, vhost: string, queues: string[], batchSize: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-'));
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    `sources: [{name: s, meters: ['*'], sinks: [k]}]\nsinks: [{name: k, publishers: ['${process.env.BENCH_SAMPLES_URL ?? `file://${dir}/samples.jsonl`}']}]\n`,
  );
  writeFileSync(
    join(dir, 'event_pipeline.yaml'),
    `sources: [{name: e, events: ['*'], sinks: [k]}]\nsinks: [{name: k, publishers: ['${process.env.BENCH_EVENTS_URL ?? `file://${dir}/events.jsonl`}']}]\n`,
  );
  const config = join(dir, 'meterflow.yaml');
  writeFileSync(
    config,
    `DEFAULT: {transport_url: '${url}'}\nnotification: {batch_size: ${batchSize}, batch_timeout: 0.1, workers: ${process.env.BENCH_WORKERS ?? 1}}\noslo_messaging_rabbit: {rabbit_qos_prefetch_count: ${PREFETCH}}\nmeter: {meter_definitions_dirs: ['${CEILOMETER_19}/meters.yaml']}\nevent: {definitions_cfg_file: '${CEILOMETER_19}/event_definitions.yaml'}\n`,
  );
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  const ready = async () => {
    let sum = 0;
    for (const q of queues) sum += (await ch.checkQueue(q)).messageCount;
    return sum;
  };
  const profile = process.env.BENCH_CPU_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, 'dist/src/cli/main.js', 'run', '--config-file', config], {
    stdio: 'inherit',
    env: { ...process.env, METERFLOW_LOG_LEVEL: 'error' },
  });
  let t0 = 0;
  while ((await ready()) >= N) await new Promise((r) => setTimeout(r, 5));
  t0 = performance.now();
  while ((await ready()) > 0) await new Promise((r) => setTimeout(r, 20));
  while ((await remaining(vhost)) > 0) await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - t0;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await conn.close();
  rmSync(dir, { recursive: true, force: true });
  return (N / ms) * 1000;
}

async function main(): Promise<void> {
  const messages = workload();
  const rows: Record<string, number | string>[] = [];
  for (const batchSize of (process.env.BENCH_BATCH_SIZES ?? '1,100').split(',').map(Number)) {
    await withVhost(async (url, vhost) => {
      const queues = await prefill(url, messages);
      const raw = await ceiling(url, queues);
      await prefill(url, messages);
      const ours = await meterflow(url, vhost, queues, batchSize);
      rows.push({
        batch_size: batchSize,
        notifications: N,
        meterflow_per_s: Math.round(ours),
        ceiling_per_s: Math.round(raw),
        ratio: Number((ours / raw).toFixed(3)),
      });
    });
  }
  console.table(rows);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/ingest.json',
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, prefetch: PREFETCH, rows }, null, 2)}\n`,
  );
}

await main();
