/**
 * Ingest throughput: notifications/s from pre-filled queues through `meterflow run` (Ceilometer
 * 19 definitions, the notification mix captured from the real oslo.messaging, file publisher), with
 * batch_size 1 and 100, beside the ceiling measured in the same run on the same broker: raw
 * amqplib consume + ack of the same queues with the same prefetch. Prints a table and writes
 * bench/results/ingest.json (run from the repository root, broker on AMQP_URL).
 *
 *   npm run build && node dist/bench/ingest.js            # BENCH_NOTIFICATIONS=50000 by default
 *
 * BENCH_BATCH_SIZES (default 1,100), BENCH_PREFETCH (300), BENCH_WORKERS (`[notification] workers`, default
 * 1,2: every batch size with each), BENCH_WARMUP (notifications consumed before the clock starts,
 * default 20000); BENCH_CPU_PROF=<dir> profiles the agent, BENCH_NODE_FLAGS passes node flags to
 * it. `agent_cpu_us` is the CPU time (user + system, workers included) the agent used per
 * notification in the measured window.
 *
 * The queues hold BENCH_WARMUP + BENCH_NOTIFICATIONS when the agent starts. The window opens once
 * the warm-up is consumed and every worker has its consumers (so neither a worker still starting
 * nor code not yet optimised by the JIT counts: a deployed agent runs for days), and closes when
 * the queues hold nothing more to deliver; the rate is the deliveries in between over its length.
 * The ceiling consumes the same warm-up first and is measured over the same notifications.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { brokerPid, ceiling, cpuSeconds, prefill, purge, run, SHARED, withVhost, workload } from './broker.js';

const N = Number(process.env.BENCH_NOTIFICATIONS ?? 50_000);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20_000);
const CEILOMETER_19 = `${SHARED}/compat/ceilometer-19`;

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

/**
 * `meterflow run` as a child process on queues pre-filled with the warm-up and the measured
 * notifications; rate and CPU (of the agent and its workers, and of the broker) over the measured
 * window (see the header).
 */
async function meterflow(
  url: string,
  vhost: string,
  queues: string[],
  batchSize: number,
  workers: number,
): Promise<{ rate: number; cpuUs: number; brokerCpuUs: number }> {
  const broker = await brokerPid();
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
    `DEFAULT: {transport_url: '${url}'}\nnotification: {batch_size: ${batchSize}, batch_timeout: 0.1, workers: ${workers}}\noslo_messaging_rabbit: {rabbit_qos_prefetch_count: ${PREFETCH}}\nmeter: {meter_definitions_dirs: ['${CEILOMETER_19}/meters.yaml']}\nevent: {definitions_cfg_file: '${CEILOMETER_19}/event_definitions.yaml'}\n`,
  );
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  const ready = async () => {
    let sum = 0;
    for (const q of queues) sum += (await ch.checkQueue(q)).messageCount;
    return sum;
  };
  const consumersPerQueue = async () => {
    let least = Number.POSITIVE_INFINITY;
    for (const q of queues) least = Math.min(least, (await ch.checkQueue(q)).consumerCount);
    return least;
  };
  const profile = process.env.BENCH_CPU_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // Extra node flags for the agent only (e.g. `--trace-gc`), which NODE_OPTIONS may not carry.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const child = spawn(
    process.execPath,
    [...profile, ...flags, 'dist/src/cli/main.js', 'run', '--config-file', config],
    {
      stdio: 'inherit',
      env: { ...process.env, METERFLOW_LOG_LEVEL: 'error' },
    },
  );
  const poll = () => new Promise((r) => setTimeout(r, 5));
  let waiting = await ready();
  while (waiting > N) {
    await poll();
    waiting = await ready();
  }
  const t0 = performance.now();
  const cpu0 = cpuSeconds(child.pid as number);
  const broker0 = cpuSeconds(broker);
  const consumers = await consumersPerQueue();
  if (consumers < workers)
    throw new Error(`only ${consumers} of ${workers} workers consuming after the warm-up: raise BENCH_WARMUP`);
  while ((await ready()) > 0) await new Promise((r) => setTimeout(r, 10));
  const t1 = performance.now();
  const cpu1 = cpuSeconds(child.pid as number);
  const broker1 = cpuSeconds(broker);
  // Everything delivered is processed before the agent is stopped (its outputs are not checked here).
  while ((await remaining(vhost)) > 0) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await conn.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    rate: (waiting / (t1 - t0)) * 1000,
    cpuUs: ((cpu1 - cpu0) * 1e6) / waiting,
    brokerCpuUs: ((broker1 - broker0) * 1e6) / waiting,
  };
}

async function main(): Promise<void> {
  const messages = workload(N);
  const warmup = workload(WARMUP);
  const rows: Record<string, number | string>[] = [];
  const workerCounts = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
  for (const batchSize of (process.env.BENCH_BATCH_SIZES ?? '1,100').split(',').map(Number)) {
    for (const workers of workerCounts) {
      await withVhost(async (url, vhost) => {
        await prefill(url, warmup);
        const { queues } = await prefill(url, messages);
        const raw = await ceiling(url, queues, PREFETCH, N, 1, WARMUP);
        await purge(url, queues);
        await prefill(url, warmup);
        await prefill(url, messages);
        const ours = await meterflow(url, vhost, queues, batchSize, workers);
        rows.push({
          batch_size: batchSize,
          workers,
          notifications: N,
          meterflow_per_s: Math.round(ours.rate),
          ceiling_per_s: Math.round(raw.rate),
          ratio: Number((ours.rate / raw.rate).toFixed(3)),
          agent_cpu_us: Number(ours.cpuUs.toFixed(1)),
          broker_cpu_us: Number(ours.brokerCpuUs.toFixed(1)),
          ceiling_client_cpu_us: Number(raw.clientCpuUs.toFixed(1)),
          ceiling_broker_cpu_us: Number(raw.brokerCpuUs.toFixed(1)),
        });
      });
    }
  }
  console.table(rows);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/ingest.json',
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, prefetch: PREFETCH, rows }, null, 2)}\n`,
  );
}

await main();
