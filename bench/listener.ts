/**
 * Batch listener throughput: messages/s from pre-filled queues through the listener alone (no-op
 * handler acking everything), with batch_size 1 and 100 and prefetch 100 and 300, beside the
 * ceiling measured in the same run on the same broker: raw amqplib consume + individual ack of
 * the same queues with the same prefetch. The bodies are the notifications captured from the real
 * oslo.messaging (`fixtures/wire/notifications-info.json`). Prints a table and writes
 * bench/results/listener.json (run from the repository root, broker on AMQP_URL).
 *
 *   npm run build && node dist/bench/listener.js
 *   BENCH_MESSAGES=50000 BENCH_BATCH_SIZES=1,100 BENCH_PREFETCHES=100,300 BENCH_REPEAT=1
 *   BENCH_NO_CEILING=1 node --cpu-prof dist/bench/listener.js   # profile the listener only
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import amqp from 'amqplib';
import { ceiling, prefill, purge, withVhost, workload } from './broker.js';
import { createBatchListener } from '../src/messaging/listener.js';
import { AmqpTransport } from '../src/messaging/transport.js';
import type { Delivery, ListenerOptions } from '../src/messaging/types.js';
import { silentLogger } from '../src/observability/logger.js';

const N = Number(process.env.BENCH_MESSAGES ?? 50_000);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
const NO_CEILING = process.env.BENCH_NO_CEILING === '1';
const list = (value: string | undefined, fallback: string) => (value ?? fallback).split(',').map(Number);
const BATCH_SIZES = list(process.env.BENCH_BATCH_SIZES, '1,100');
const PREFETCHES = list(process.env.BENCH_PREFETCHES, '100,300');
/** Write a CPU profile of the listener runs only (not the prefill) to this directory. */
const PROFILE_DIR = process.env.BENCH_CPU_PROF;

/** Ready + unacked messages left in the queues (0 once every ack reached the broker). */
async function left(url: string, queues: string[]): Promise<number> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  let sum = 0;
  for (const q of queues) sum += (await ch.checkQueue(q)).messageCount;
  await conn.close();
  return sum;
}

/** The listener with a no-op handler acking everything; timed from the first delivery to the N-th ack. */
async function listener(
  url: string,
  topology: { exchanges: string[]; queues: string[] },
  batchSize: number,
  prefetch: number,
): Promise<number> {
  const transport = new AmqpTransport({ url, logger: silentLogger, name: 'meterflow-bench' });
  const tag = randomBytes(3).toString('hex');
  const options: ListenerOptions = {
    topology: {
      exchanges: topology.exchanges,
      queues: topology.queues.map((q) => ({ name: q, routingKey: q })),
      durable: false,
    },
    prefetch,
    batchSize,
    batchTimeout: 0.1,
    maxRetries: 3,
    retryBackoffMs: () => 1000,
    deadLetter: { exchange: `bench-dlx-${tag}`, queue: `bench-dlq-${tag}` },
    retry: { exchange: `bench-retry-x-${tag}`, queue: `bench-retry-q-${tag}` },
  };
  const l = createBatchListener([transport], options, silentLogger);
  const session = PROFILE_DIR ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  let seen = 0;
  let t0 = 0;
  let finish: (ms: number) => void = () => {};
  const done = new Promise<number>((r) => {
    finish = r;
  });
  await l.start(async (batch: readonly Delivery[]) => {
    if (seen === 0) t0 = performance.now();
    seen += batch.length;
    if (seen >= N) setImmediate(() => finish(performance.now() - t0));
    return { ack: [...batch], retry: [], deadLetter: [] };
  });
  const ms = await done;
  if (session && PROFILE_DIR) {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(`${PROFILE_DIR}/listener-b${batchSize}-p${prefetch}-${tag}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
  await l.stop();
  await transport.close();
  const rest = await left(url, topology.queues);
  if (rest !== 0) throw new Error(`${rest} messages left in the queues after the listener acked everything`);
  return (N / ms) * 1000;
}

async function main(): Promise<void> {
  const messages = workload(N);
  const rows: Record<string, number | string>[] = [];
  for (const prefetch of PREFETCHES) {
    for (const batchSize of BATCH_SIZES) {
      let best = 0;
      let raw = 0;
      for (let i = 0; i < REPEAT; i++) {
        await withVhost(async (url) => {
          const topology = await prefill(url, messages);
          if (!NO_CEILING) raw = Math.max(raw, (await ceiling(url, topology.queues, prefetch, N)).rate);
          await purge(url, topology.queues);
          await prefill(url, messages);
          best = Math.max(best, await listener(url, topology, batchSize, prefetch));
        });
      }
      rows.push({
        prefetch,
        batch_size: batchSize,
        messages: N,
        listener_per_s: Math.round(best),
        ceiling_per_s: Math.round(raw),
        ratio: raw ? Number((best / raw).toFixed(3)) : 0,
        us_per_msg_over_ceiling: raw ? Number((1e6 / best - 1e6 / raw).toFixed(2)) : 0,
      });
    }
  }
  console.table(rows);
  if (NO_CEILING) return;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/listener.json',
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, repeat: REPEAT, rows }, null, 2)}\n`,
  );
}

await main();
