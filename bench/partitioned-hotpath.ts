/**
 * In-process cost of the partitioned agent's two stages, without broker or Redis: µs of CPU per
 * notification for stage 1 (decode, convert, publish in place, route, sign and encode partition
 * messages) and for stage 2 (decode and verify partition messages, transform, publish, take the
 * state changes a checkpoint would write), over the polling scenario (BENCH_INSTANCES instances,
 * default 2000: cumulative cpu, disk and network samples) through Ceilometer Newton's
 * pipeline.yaml with P = 8 and file publishers. Stable where bench/partitioned is not (that one
 * shares two cores with RabbitMQ), so it is the one to compare changes of the hot path with.
 *
 *   npm run build && node dist/bench/partitioned-hotpath.js     # BENCH_POLLS=10 by default
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSamples } from '../src/agent/partitioned/codec.js';
import type { SampleSink } from '../src/pipeline/index.js';
import { partitionedInProcess } from './partitioned-in-process.js';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2000);
const POLLS = Number(process.env.BENCH_POLLS ?? 10);
const BATCH = 100;
const P = 8;
const out = mkdtempSync(join(tmpdir(), 'mf-phot-'));

const {
  agent,
  stageOne: handler,
  queues,
  deliveries,
} = partitionedInProcess(out, {
  instances: INSTANCES,
  polls: POLLS,
  partitions: P,
  prefix: 'bench',
});
const { manager, secret } = agent;

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

// Stage 1, batch after batch.
let c0 = process.cpuUsage();
for (let i = 0; i < deliveries.length; i += BATCH) {
  const outcome = await handler(deliveries.slice(i, i + BATCH));
  if (outcome.ack.length !== Math.min(BATCH, deliveries.length - i)) throw new Error('stage 1 did not ack everything');
}
const stageOneMs = cpuMs(c0);

// Stage 2, one sink per (pipeline, partition), messages in queue order, a batch of messages at a time.
const sinks = new Map<string, SampleSink>();
let routed = 0;
let decodeMs = 0;
let applyMs = 0;
let snapshotMs = 0;
const order = [...queues.keys()];
const cursor = new Map(order.map((q) => [q, 0]));
for (let more = true; more; ) {
  more = false;
  for (const queue of order) {
    const list = queues.get(queue) as Buffer[];
    const at = cursor.get(queue) as number;
    if (at >= list.length) continue;
    more = true;
    cursor.set(queue, at + 1);
    const pipeline = queue.slice('bench-pipe-'.length, queue.lastIndexOf('-'));
    let sink = sinks.get(queue);
    if (!sink) {
      sink = manager.freshSink(pipeline);
      sinks.set(queue, sink);
    }
    c0 = process.cpuUsage();
    const samples = decodeSamples(list[at] as Buffer, secret);
    decodeMs += cpuMs(c0);
    routed += samples.length;
    c0 = process.cpuUsage();
    const report = await sink.publishContext(samples);
    if (report.publishErrors.length > 0) throw new Error('stage 2 publish failed');
    applyMs += cpuMs(c0);
    c0 = process.cpuUsage();
    for (const transformer of sink.transformers) transformer.snapshotChanges();
    snapshotMs += cpuMs(c0);
  }
}
await manager.close();

const n = deliveries.length;
const perNotification = (ms: number) => Number(((ms * 1000) / n).toFixed(1));
const rows = [
  { stage: '1: decode, convert, in place, route, encode', us_per_notification: perNotification(stageOneMs) },
  { stage: '2: decode + verify partition messages', us_per_notification: perNotification(decodeMs) },
  { stage: '2: transform + publish', us_per_notification: perNotification(applyMs) },
  { stage: '2: state changes (no Redis write)', us_per_notification: perNotification(snapshotMs) },
  { stage: 'total', us_per_notification: perNotification(stageOneMs + decodeMs + applyMs + snapshotMs) },
];
console.table(rows);
console.log(`${n} notifications, ${routed} routed samples (${(routed / n).toFixed(1)} per notification)`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/partitioned-hotpath.json',
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, instances: INSTANCES, polls: POLLS, partitions: P, rows }, null, 2)}\n`,
);
rmSync(out, { recursive: true, force: true });
