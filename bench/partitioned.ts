/**
 * Partitioned end to end: notifications/s through `meterflow run` with `workload_partitioning:
 * true` (P = 8, Ceilometer Newton's pipeline with its transformers, file publisher) with 1 and 2
 * worker processes, from a pre-filled notifications queue (the polling scenario: cumulative cpu,
 * disk and network samples of BENCH_INSTANCES instances), beside the ceiling measured in the same
 * run on the same broker: raw amqplib consume + ack of the same queue (one hop, where the
 * partitioned agent makes two). Then rebalance times under load, from the workers' logs: a join, a
 * graceful leave (SIGTERM) and a SIGKILL, each from the membership change until every partition
 * is consumed by its new owner. Prints tables and writes bench/results/partitioned.json (run from
 * the repository root; RabbitMQ on AMQP_URL with rabbitmqctl, Redis on REDIS_URL).
 *
 *   npm run build && node dist/bench/partitioned.js
 *   BENCH_INSTANCES=2000 BENCH_POLLS=10 BENCH_WORKERS=1,2 BENCH_PREFETCH=300 BENCH_LOAD_RATE=1000
 *   BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (node flags for the workers only)
 *
 * The throughput window starts once every worker is in the group and all partitions are consumed
 * (so a later-starting second worker does not count against 2 workers) and ends when the last
 * output the single-node replay predicts was written: every stage-2 hop and the publisher are in.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { brokerPid, ceiling, cpuSeconds, type Message, prefill, purge, redisPid, SHARED, withVhost } from './broker.js';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2000);
const POLLS = Number(process.env.BENCH_POLLS ?? 10);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 300);
const BATCH = Number(process.env.BENCH_BATCH_SIZE ?? 100);
const LOAD_RATE = Number(process.env.BENCH_LOAD_RATE ?? 1000);
const P = 8;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = resolve('dist/src/cli/main.js');
const NEWTON = `${SHARED}/compat/ceilometer-newton/pipeline.yaml`;
const METERS = `${SHARED}/compat/ceilometer-19/meters.yaml`;
const QUEUE = 'notifications.sample';
const execFileP = promisify(execFile);

interface PartitionEvent {
  kind: 'consuming' | 'stopped';
  ref: string;
  time: number;
}

/** One `meterflow run` process whose partition log lines are followed. */
class Worker {
  readonly child: ChildProcess;
  readonly events: PartitionEvent[] = [];
  joinedAt: number | undefined;
  dead = false;
  readonly exited: Promise<unknown>;
  private partial = '';

  constructor(
    readonly name: string,
    readonly output: string,
    config: string,
  ) {
    // Node flags for the workers only (`--cpu-prof --cpu-prof-dir=...`), which NODE_OPTIONS may not carry.
    const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
    this.child = spawn(process.execPath, [...flags, BIN, 'run', '--config-file', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, METERFLOW_LOG_LEVEL: 'info' },
    });
    this.exited = once(this.child, 'exit').then(() => {
      this.dead = true;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (this.partial + chunk).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    });
  }

  private line(raw: string): void {
    if (!raw.includes('"msg":"partition ') && !raw.includes('"msg":"joined group"')) return;
    const line = JSON.parse(raw) as { msg: string; time: number; pipeline: string; partition: number };
    if (line.msg === 'joined group') this.joinedAt = line.time;
    else if (line.msg === 'partition consuming' || line.msg === 'partition stopped') {
      this.events.push({
        kind: line.msg === 'partition consuming' ? 'consuming' : 'stopped',
        ref: `${line.pipeline}#${line.partition}`,
        time: line.time,
      });
    }
  }
}

/** Everything one cluster's workers share. */
class Cluster {
  readonly workers: Worker[] = [];
  readonly group = `mf-bench-${randomBytes(4).toString('hex')}`;
  readonly prefix = `mfb-${randomBytes(3).toString('hex')}`;

  constructor(
    readonly dir: string,
    readonly url: string,
    readonly refs: string[],
  ) {}

  start(name: string): Worker {
    const output = join(this.dir, `${name}.jsonl`);
    const pipeline = join(this.dir, `${name}.pipeline.yaml`);
    writeFileSync(pipeline, readFileSync(NEWTON, 'utf8').replaceAll('notifier://', `file://${output}`));
    const config = join(this.dir, `${name}.yaml`);
    writeFileSync(
      config,
      [
        `DEFAULT: {transport_url: '${this.url}', pipeline_cfg_file: '${pipeline}', host: ${name}}`,
        `notification: {workers: 1, workload_partitioning: true, pipeline_processing_queues: ${P}, batch_size: ${BATCH}, batch_timeout: 0.1, pipelines: [meter]}`,
        `oslo_messaging_rabbit: {rabbit_qos_prefetch_count: ${PREFETCH}}`,
        `meter: {meter_definitions_dirs: ['${METERS}']}`,
        `coordination: {backend_url: '${REDIS_URL}'}`,
        `meterflow: {group: ${this.group}, partition_queue_prefix: ${this.prefix}, metrics_address: '127.0.0.1:0'}`,
        '',
      ].join('\n'),
    );
    const worker = new Worker(name, output, config);
    this.workers.push(worker);
    return worker;
  }

  /** Current owners of each partition, from the living workers' logs. */
  owners(): Map<string, string[]> {
    const owners = new Map<string, string[]>(this.refs.map((r) => [r, []]));
    for (const w of this.workers.filter((x) => !x.dead)) {
      const mine = new Set<string>();
      for (const e of w.events) {
        if (e.kind === 'consuming') mine.add(e.ref);
        else mine.delete(e.ref);
      }
      for (const ref of mine) owners.get(ref)?.push(w.name);
    }
    return owners;
  }

  /** Every partition consumed by exactly one living worker, each living worker owning some. */
  settled(): boolean {
    const living = this.workers.filter((w) => !w.dead && w.joinedAt !== undefined);
    const owners = [...this.owners().values()];
    if (living.length !== this.workers.filter((w) => !w.dead).length) return false;
    return owners.every((o) => o.length === 1) && living.every((w) => owners.some((o) => o[0] === w.name));
  }

  /** ms from `change` until the last partition got the owner it has now. */
  settleMs(change: number): number {
    let last = change;
    for (const w of this.workers.filter((x) => !x.dead)) {
      const open = new Map<string, number>();
      for (const e of w.events) {
        if (e.kind === 'consuming') open.set(e.ref, e.time);
        else open.delete(e.ref);
      }
      for (const start of open.values()) last = Math.max(last, start);
    }
    return last - change;
  }

  async stopAll(): Promise<void> {
    for (const w of this.workers.filter((x) => !x.dead)) w.child.kill('SIGTERM');
    await Promise.all(this.workers.map((w) => w.exited));
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`meterflow:${this.group}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

/** Jiffies of the whole machine: [idle, total], from /proc/stat (Linux); zeros elsewhere. */
function machineJiffies(): [number, number] {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return [(cpu[3] ?? 0) + (cpu[4] ?? 0), cpu.reduce((a, b) => a + b, 0)];
  } catch {
    return [0, 0];
  }
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 120_000,
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Lines of growing files, reading only what was appended since the last call. */
function lineCounter(): (files: string[]) => number {
  const seen = new Map<string, { offset: number; lines: number }>();
  const buffer = Buffer.alloc(1 << 20);
  return (files) => {
    let total = 0;
    for (const file of files) {
      const state = seen.get(file) ?? { offset: 0, lines: 0 };
      if (existsSync(file)) {
        const fd = openSync(file, 'r');
        const size = fstatSync(fd).size;
        while (state.offset < size) {
          const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - state.offset), state.offset);
          for (let i = 0; i < n; i++) if (buffer[i] === 10) state.lines++;
          state.offset += n;
        }
        closeSync(fd);
      }
      seen.set(file, state);
      total += state.lines;
    }
    return total;
  };
}

/** The polling scenario's notifications, and how many outputs the single-node replay makes of them. */
async function inputs(dir: string): Promise<{ messages: Message[]; file: string; outputs: number }> {
  const file = join(dir, 'notifications.jsonl');
  const fd = openSync(file, 'w');
  const args = ['emit', '--scenario', 'polling', '--instances', String(INSTANCES), '--polls', String(POLLS)];
  const emit = spawn(process.execPath, [BIN, ...args, '--dry-run'], { stdio: ['ignore', fd, 'ignore'] });
  await once(emit, 'exit');
  closeSync(fd);
  const pipeline = join(dir, 'replay.pipeline.yaml');
  writeFileSync(pipeline, readFileSync(NEWTON, 'utf8').replaceAll('notifier://', 'test://'));
  const output = join(dir, 'replay.jsonl');
  await execFileP(
    process.execPath,
    [BIN, 'replay', '--pipeline', pipeline, '--meters', METERS, '--input', file, '--output', output],
    { maxBuffer: 1 << 26 },
  );
  const outputs = lineCounter()([output]);
  rmSync(output);
  const messages = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => ({ exchange: 'ceilometer', routingKey: QUEUE, body: Buffer.from(l) }));
  return { messages, file, outputs };
}

/** Throughput with `count` workers from the pre-filled queue. */
async function throughput(
  url: string,
  dir: string,
  refs: string[],
  count: number,
  n: number,
  outputs: number,
): Promise<{
  rate: number;
  total: number;
  split: string;
  cpu: number;
  idle: number;
  workerCpuUs: number;
  brokerCpuUs: number;
  redisCpuUs: number;
}> {
  const cluster = new Cluster(mkdtempSync(join(dir, `w${count}-`)), url, refs);
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  const ready = async () => (await ch.checkQueue(QUEUE)).messageCount;
  const lines = lineCounter();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) cluster.start(`w${i + 1}`);
  let first = 0;
  await until('all workers in the group, every partition consumed', async () => {
    if (first === 0 && (await ready()) < n) first = performance.now();
    return cluster.settled();
  });
  const left = await ready();
  const t1 = performance.now();
  const cpu = () => cluster.workers.reduce((sum, w) => sum + (cpuSeconds(w.child.pid as number) || 0), 0);
  const services = async () => [cpuSeconds(await brokerPid()), cpuSeconds(await redisPid(REDIS_URL))] as const;
  const [broker1, redis1] = await services();
  const cpu1 = cpu();
  const [idle1, all1] = machineJiffies();
  await until('every output written', () => lines(cluster.workers.map((w) => w.output)) >= outputs, 600_000, 50);
  const t2 = performance.now();
  const workerCpu = cpu() - cpu1;
  const [broker2, redis2] = await services();
  const busy = workerCpu / ((t2 - t1) / 1000);
  // CPU per notification of the window, for the budget: workers, broker and Redis share the cores.
  const perNotification = (seconds: number) => (left > 0 ? (seconds * 1e6) / left : Number.NaN);
  const [idle2, all2] = machineJiffies();
  const idle = all2 > all1 ? (idle2 - idle1) / (all2 - all1) : 0;
  const each = cluster.workers.map((w) => lineCounter()([w.output]));
  const split = each.map((x) => `${Math.round((100 * x) / each.reduce((a, b) => a + b, 0))}%`).join('/');
  await cluster.stopAll();
  await conn.close();
  rmSync(cluster.dir, { recursive: true, force: true });
  return {
    rate: (left / (t2 - t1)) * 1000,
    total: (n / (t2 - (first || t0))) * 1000,
    split,
    cpu: busy,
    idle,
    workerCpuUs: perNotification(workerCpu),
    brokerCpuUs: perNotification(broker2 - broker1),
    redisCpuUs: perNotification(redis2 - redis1),
  };
}

/** Rebalance times under a steady load: join, graceful leave, SIGKILL. */
async function rebalances(url: string, dir: string, refs: string[]): Promise<Record<string, number | string>[]> {
  const cluster = new Cluster(mkdtempSync(join(dir, 'rebalance-')), url, refs);
  const load = spawn(
    process.execPath,
    [BIN, 'emit', '--url', url, '--scenario', 'polling', '--instances', String(INSTANCES), '--rate', String(LOAD_RATE)],
    { stdio: 'ignore' },
  );
  const rows: Record<string, number | string>[] = [];
  try {
    const [w1, w2] = [cluster.start('w1'), cluster.start('w2')];
    await until('2 workers settled', () => cluster.settled());
    const w3 = cluster.start('w3');
    await until('w3 settled', () => cluster.settled());
    rows.push({ change: 'join (2 → 3)', ms: cluster.settleMs(w3.joinedAt as number) });
    const leave = Date.now();
    w1.child.kill('SIGTERM');
    await w1.exited;
    await until('w1 left', () => cluster.settled());
    rows.push({ change: 'graceful leave (3 → 2)', ms: cluster.settleMs(leave) });
    const kill = Date.now();
    w2.child.kill('SIGKILL');
    await w2.exited;
    await until('w2 taken over', () => cluster.settled());
    rows.push({ change: 'SIGKILL (2 → 1)', ms: cluster.settleMs(kill) });
  } finally {
    load.kill('SIGTERM');
    await cluster.stopAll();
    rmSync(cluster.dir, { recursive: true, force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-partitioned-'));
  try {
    const { messages, outputs } = await inputs(dir);
    const n = messages.length;
    const pipelines = [
      'cpu_source:cpu_sink',
      'cpu_source:cpu_delta_sink',
      'disk_source:disk_sink',
      'network_source:network_sink',
    ];
    const refs = pipelines.flatMap((p) => Array.from({ length: P }, (_, i) => `${p}#${i}`));
    const rows: Record<string, number | string>[] = [];
    for (const count of WORKERS) {
      await withVhost(async (url) => {
        const { queues } = await prefill(url, messages);
        const raw = (await ceiling(url, queues, PREFETCH, n)).rate;
        await purge(url, queues);
        await prefill(url, messages);
        const ours = await throughput(url, dir, refs, count, n, outputs);
        rows.push({
          workers: count,
          notifications: n,
          outputs,
          meterflow_per_s: Math.round(ours.rate),
          from_first_consume_per_s: Math.round(ours.total),
          ceiling_per_s: Math.round(raw),
          ratio: Number((ours.rate / raw).toFixed(3)),
          outputs_by_worker: ours.split,
          worker_cores_busy: Number(ours.cpu.toFixed(2)),
          machine_idle: `${Math.round(ours.idle * 100)}%`,
          worker_cpu_us: Number(ours.workerCpuUs.toFixed(1)),
          broker_cpu_us: Number(ours.brokerCpuUs.toFixed(1)),
          redis_cpu_us: Number(ours.redisCpuUs.toFixed(1)),
        });
      });
    }
    console.table(rows);
    const moves = await withVhost((url) => rebalances(url, dir, refs));
    console.table(moves);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/partitioned.json',
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          partitions: P,
          batch_size: BATCH,
          prefetch: PREFETCH,
          instances: INSTANCES,
          polls: POLLS,
          load_rate: LOAD_RATE,
          rows,
          rebalances: moves,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
