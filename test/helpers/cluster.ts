/**
 * Processes for the cluster tests: `meterflow run` workers with their own options, pipeline and
 * output files, whose pino log lines are parsed as they arrive; a restartable Redis with
 * persistence; the load generator; and cheap progress counting over the output files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { queueColumns } from './broker.js';
import { BIN, childEnv } from './cli.js';
import type { PartitionEvent } from './cluster-checks.js';
import { startPrivateRedis } from './redis.js';

/** The part of a tap test these helpers use. */
export interface Tap {
  teardown(fn: () => unknown): void;
}

/** What every worker of one cluster shares. */
export interface ClusterOptions {
  dir: string;
  amqpUrl: string;
  redisUrl: string;
  group: string;
  prefix: string;
  /** `pipeline_processing_queues`. */
  partitions: number;
  batchSize: number;
  /** Seconds. */
  batchTimeout: number;
  /** The sample pipeline file whose `notifier://` publishers become each worker's output file. */
  pipeline: string;
  /** Meter definitions file or directory. */
  meters: string;
  secret: string;
  /** `[coordination] heartbeat`, seconds. */
  heartbeat?: number;
  /** `[meterflow] partition_lease_ttl`, seconds; the agent's default when not given. */
  leaseTtl?: number;
}

/** Newton's `pipeline.yaml` with every publisher replaced by `file://<output>`. */
export function pipelineWithFileOutput(source: string, output: string): string {
  return readFileSync(source, 'utf8').replaceAll('notifier://', `file://${output}`);
}

/** Write one worker's options and pipeline files; returns the options file and the output file. */
export function writeWorkerFiles(cluster: ClusterOptions, name: string): { config: string; output: string } {
  const output = join(cluster.dir, `${name}.samples.jsonl`);
  const pipeline = join(cluster.dir, `${name}.pipeline.yaml`);
  writeFileSync(pipeline, pipelineWithFileOutput(cluster.pipeline, output));
  const eventPipeline = join(cluster.dir, `${name}.event_pipeline.yaml`);
  writeFileSync(eventPipeline, 'sources: []\nsinks: []\n');
  const config = join(cluster.dir, `${name}.yaml`);
  writeFileSync(
    config,
    [
      'DEFAULT:',
      `  transport_url: '${cluster.amqpUrl}'`,
      `  pipeline_cfg_file: ${pipeline}`,
      `  event_pipeline_cfg_file: ${eventPipeline}`,
      `  host: ${name}`,
      'notification:',
      '  workers: 1',
      '  workload_partitioning: true',
      `  pipeline_processing_queues: ${cluster.partitions}`,
      `  batch_size: ${cluster.batchSize}`,
      `  batch_timeout: ${cluster.batchTimeout}`,
      '  pipelines: [meter]',
      'meter:',
      `  meter_definitions_dirs: ['${cluster.meters}']`,
      'coordination:',
      `  backend_url: '${cluster.redisUrl}'`,
      `  heartbeat: ${cluster.heartbeat ?? 1}`,
      'meterflow:',
      `  group: ${cluster.group}`,
      `  partition_queue_prefix: ${cluster.prefix}`,
      '  metrics_address: 127.0.0.1:0',
      ...(cluster.leaseTtl === undefined ? [] : [`  partition_lease_ttl: ${cluster.leaseTtl}`]),
      'publisher:',
      `  telemetry_secret: '${cluster.secret}'`,
      '',
    ].join('\n'),
  );
  return { config, output };
}

/** A parsed pino line. */
export interface LogLine {
  time: number;
  pid: number;
  level: number;
  msg: string;
  [key: string]: unknown;
}

const PARTITION_MSG = { 'partition consuming': 'consuming', 'partition stopped': 'stopped' } as const;

/** One `meterflow run` process (`workers: 1`) of the cluster. */
export class ClusterWorker {
  readonly child: ChildProcess;
  readonly spawnedAt = Date.now();
  readonly partitionEvents: PartitionEvent[] = [];
  /** Warnings and errors (level ≥ 40), for the failure report. */
  readonly problems: LogLine[] = [];
  /** Every log line, raw, for the failure report. */
  readonly lines: string[] = [];
  /** When the process exited (test clock), its code and signal. */
  exit: { at: number; code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<{ at: number; code: number | null; signal: NodeJS.Signals | null }>;
  /** When it logged `joined group` (its membership in Redis began), last time. */
  joinedAt: number | undefined;
  private started = false;
  private partial = '';

  private constructor(
    readonly name: string,
    readonly output: string,
    config: string,
  ) {
    this.child = spawn(process.execPath, [BIN, 'run', '--config-file', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: childEnv(),
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const part of parts) if (part.trim() !== '') this.line(part);
    });
    this.exited = once(this.child, 'exit').then(([code, signal]) => {
      if (this.partial !== '') this.line(this.partial);
      this.exit = { at: Date.now(), code: code as number | null, signal: signal as NodeJS.Signals | null };
      return this.exit;
    });
  }

  /** Start a worker (killed in teardown if still running). */
  static start(t: Tap, cluster: ClusterOptions, name: string): ClusterWorker {
    const { config, output } = writeWorkerFiles(cluster, name);
    const worker = new ClusterWorker(name, output, config);
    t.teardown(async () => {
      if (worker.exit) return;
      worker.child.kill('SIGKILL');
      await worker.exited;
    });
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether it logged `meterflow agent started` (it consumes notifications). */
  get isStarted(): boolean {
    return this.started;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** SIGTERM (graceful leave) and wait for the exit. */
  async stop(): Promise<{ at: number; code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL and wait for the exit; returns when the process was gone. */
  async kill(): Promise<number> {
    this.child.kill('SIGKILL');
    return (await this.exited).at;
  }

  /** The last `n` log lines (of those `keep` accepts), for failure messages. */
  tail(n = 40, keep: (line: string) => boolean = () => true): string {
    return this.lines.filter(keep).slice(-n).join('\n');
  }

  private line(raw: string): void {
    this.lines.push(raw);
    let line: LogLine;
    try {
      line = JSON.parse(raw) as LogLine;
    } catch {
      return;
    }
    if (line.msg === 'meterflow agent started') this.started = true;
    if (line.msg === 'joined group') this.joinedAt = line.time;
    if (line.level >= 40) this.problems.push(line);
    const kind = PARTITION_MSG[line.msg as keyof typeof PARTITION_MSG];
    if (!kind) return;
    this.partitionEvents.push({
      worker: this.name,
      kind,
      pipeline: String(line.pipeline),
      partition: Number(line.partition),
      epoch: Number(line.epoch),
      ...(typeof line.reason === 'string' ? { reason: line.reason } : {}),
      time: line.time,
    });
  }
}

/** A redis-server on a spare port with an fsync-always AOF, so a restart keeps every acknowledged write. */
export interface PersistentRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL (no shutdown save: only the AOF keeps data). Resolves with the time the process was gone. */
  kill(): Promise<number>;
  /** Start again on the same port and data; resolves with the time it accepts connections. */
  start(): Promise<number>;
}

export async function persistentRedis(t: Tap, dir: string): Promise<PersistentRedis> {
  const server = await startPrivateRedis({ persistDir: dir });
  t.teardown(() => server.dispose());
  return {
    port: server.port,
    url: server.url,
    async kill() {
      await server.kill();
      return Date.now();
    },
    async start() {
      await server.start();
      return Date.now();
    },
  };
}

/** `meterflow emit --input FILE --rate R` into the cluster's broker, running in the background. */
export function startEmit(
  t: Tap,
  options: { url: string; input: string; rate: number; exchange?: string },
): { exited: Promise<{ code: number | null; stderr: string }>; child: ChildProcess } {
  const args = ['emit', '--url', options.url, '--input', options.input, '--rate', String(options.rate)];
  if (options.exchange) args.push('--exchange', options.exchange);
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  });
  return { exited, child };
}

/** Counts the lines of growing files incrementally (only new bytes are read). */
export class LineCounter {
  private readonly offsets = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  private readonly buffer = Buffer.alloc(1 << 20);

  /** Total complete lines in `files` now. */
  count(files: readonly string[]): number {
    let total = 0;
    for (const file of files) total += this.countOne(file);
    return total;
  }

  private countOne(file: string): number {
    if (!existsSync(file)) return 0;
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      let offset = this.offsets.get(file) ?? 0;
      let count = this.counts.get(file) ?? 0;
      while (offset < size) {
        const n = readSync(fd, this.buffer, 0, Math.min(this.buffer.length, size - offset), offset);
        if (n <= 0) break;
        for (let i = 0; i < n; i++) if (this.buffer[i] === 10) count++;
        offset += n;
      }
      this.offsets.set(file, offset);
      this.counts.set(file, count);
      return count;
    } finally {
      closeSync(fd);
    }
  }
}

/** Call `fn` with each line of a JSON-lines file (streamed in chunks: the files are large). */
export function forEachLine(file: string, fn: (line: string) => void): void {
  if (!existsSync(file)) return;
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(8 << 20);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n <= 0) break;
      const text = rest + decoder.write(buffer.subarray(0, n));
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line !== '') fn(line);
    }
    if (rest.trim() !== '') fn(rest);
  } finally {
    closeSync(fd);
  }
}

/** Poll `check` every `everyMs` until it returns a truthy value; throw `what` (plus `detail()`) at the deadline. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  detail: () => string = () => '',
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Consumers of a vhost's queues as the broker sees them, with the tag of an exclusive consumer ('' if none). */
export async function queueConsumers(
  vhost: string,
): Promise<{ name: string; consumers: number; exclusiveTag: string }[]> {
  const queues = await queueColumns(vhost, ['name', 'consumers', 'exclusive_consumer_tag']);
  return queues.map((q) => ({
    name: String(q.name),
    consumers: Number(q.consumers),
    exclusiveTag: typeof q.exclusive_consumer_tag === 'string' ? q.exclusive_consumer_tag : '',
  }));
}
