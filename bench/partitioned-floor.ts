/**
 * The floor under bench/partitioned: the CPU per notification that the partitioned path cannot
 * avoid whatever its code, on the same workload (the polling scenario through Ceilometer Newton's
 * pipeline, P = 8, stage-1 batches of 100), beside the single-hop ceiling measured in the same run
 * on the same broker. Counted, each with its bare primitive: stage 1 parses every oslo envelope
 * (JSON.parse of the envelope and of its message) and signs each routed sample once (one
 * HMAC-SHA256 over its line); stage 2 parses and verifies every routed line (JSON.parse and one
 * HMAC; both parses without the samples' `resource_metadata`, which an implementation may
 * recognise by its text instead of parsing it, as meterflow's stage 2 does) and signs each sample its transformers emit (one HMAC; fewer than the routed samples by
 * the first point of each resource); amqplib consumes every notification and publishes and
 * consumes every partition message (its CPU in this process on the same messages); the broker delivers every notification (its CPU per message
 * under the raw ceiling) and takes and delivers every partition message persistently (durable
 * queues, publisher confirms, acks: its CPU measured on the real partition messages). Left out,
 * so the floor stays below any real implementation: Python `str()` renderings, JSON rendering,
 * conversion, routing, transformers, output writes, GC and Redis checkpoints.
 *
 * The cores of this machine divided by the floor are the most notifications per second any
 * implementation could reach here; the table sets that beside the 35 %-of-ceiling target.
 *
 *   npm run build && node dist/bench/partitioned-floor.js
 *   BENCH_INSTANCES=2000 BENCH_POLLS=10 BENCH_BATCH_SIZE=100 BENCH_PREFETCH=300 (as bench/partitioned)
 */
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { brokerPid, ceiling, cpuSeconds, prefill, withVhost } from './broker.js';
import { partitionedInProcess } from './partitioned-in-process.js';

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2000);
const POLLS = Number(process.env.BENCH_POLLS ?? 10);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 300);
const BATCH = Number(process.env.BENCH_BATCH_SIZE ?? 100);
const P = 8;
const PREFIX = 'floor';
const TARGET = 0.35;

interface PartitionMessage {
  queue: string;
  body: Buffer;
}

/** Best of three rounds of `fn`, in CPU µs (user + system). */
function cpuUs(fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    fn();
    const c = process.cpuUsage(c0);
    best = Math.min(best, c.user + c.system);
  }
  return best;
}

interface Traffic {
  /** Broker CPU µs to take the messages persistently (confirmed), and to deliver them (acked). */
  inUs: number;
  outUs: number;
  /** This process's CPU µs (amqplib) to publish them with confirms, and to consume and ack them. */
  publishUs: number;
  consumeUs: number;
}

/** The partition messages' trip through the broker, raw amqplib on both sides. */
async function partitionTraffic(url: string, messages: PartitionMessage[]): Promise<Traffic> {
  const broker = await brokerPid();
  // meterflow's frame size (128 KiB): a partition message is one body frame, as the agent sends it.
  const conn = await amqp.connect(`${url}?frame_max=131072`);
  const ch = await conn.createConfirmChannel();
  const queues = [...new Set(messages.map((m) => m.queue))];
  for (const q of queues) await ch.assertQueue(q, { durable: true });
  const b0 = cpuSeconds(broker);
  const c0 = process.cpuUsage();
  for (let i = 0; i < messages.length; i += BATCH) {
    await Promise.all(
      messages
        .slice(i, i + BATCH)
        .map(
          (m) =>
            new Promise<void>((resolveOne, reject) =>
              ch.publish('', m.queue, m.body, { deliveryMode: 2 }, (err) => (err ? reject(err) : resolveOne())),
            ),
        ),
    );
  }
  const b1 = cpuSeconds(broker);
  const c1 = process.cpuUsage(c0);
  await ch.prefetch(PREFETCH);
  let c2 = process.cpuUsage();
  let seen = 0;
  const tags: string[] = [];
  await new Promise<void>((resolveAll) => {
    for (const q of queues) {
      void ch
        .consume(q, (msg) => {
          if (!msg) return;
          ch.ack(msg);
          if (++seen === messages.length) resolveAll();
        })
        .then((ok) => tags.push(ok.consumerTag));
    }
  });
  const b2 = cpuSeconds(broker);
  c2 = process.cpuUsage(c2);
  for (const tag of tags) await ch.cancel(tag);
  await conn.close();
  return {
    inUs: (b1 - b0) * 1e6,
    outUs: (b2 - b1) * 1e6,
    publishUs: c1.user + c1.system,
    consumeUs: c2.user + c2.system,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-floor-'));
  try {
    const { agent, stageOne, queues, deliveries } = partitionedInProcess(dir, {
      instances: INSTANCES,
      polls: POLLS,
      partitions: P,
      prefix: PREFIX,
    });
    for (let i = 0; i < deliveries.length; i += BATCH) await stageOne(deliveries.slice(i, i + BATCH));
    await agent.manager.close();
    const messages: PartitionMessage[] = [...queues].flatMap(([queue, bodies]) =>
      bodies.map((body) => ({ queue, body })),
    );
    const routed = messages.flatMap((m) => m.body.toString('utf8').split('\n'));
    const unique = [...new Set(routed)];
    // A transformer's first point of a meter and resource emits nothing (rate_of_change and delta
    // key their previous point by name and resource, as Ceilometer's do).
    const firsts = new Set<string>();
    for (const m of messages) {
      const pipeline = m.queue.slice(`${PREFIX}-pipe-`.length, m.queue.lastIndexOf('-'));
      for (const line of m.body.toString('utf8').split('\n')) {
        const sample = JSON.parse(line) as { counter_name: string; resource_id: string };
        firsts.add(`${pipeline}\0${sample.counter_name}\0${sample.resource_id}`);
      }
    }
    const emitted = routed.length - firsts.size;
    const n = deliveries.length;
    const secret = agent.secret;
    const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
    let sink = 0;
    // Metadata repeats (a resource's changes rarely), and an implementation may recognise its text
    // instead of parsing it (meterflow's stage 2 does): the floor parses everything else only.
    const bare = (record: Record<string, unknown>) => JSON.stringify({ ...record, resource_metadata: null });
    const bareMessages = deliveries.map((d) => {
      const message = JSON.parse(
        (JSON.parse(d.body.toString('utf8')) as { 'oslo.message': string })['oslo.message'],
      ) as { payload: { samples: Record<string, unknown>[] } };
      return JSON.stringify({
        ...message,
        payload: { ...message.payload, samples: message.payload.samples.map(bare) },
      });
    });
    const bareLines = routed.map((line) => bare(JSON.parse(line) as Record<string, unknown>));
    const parseUs = cpuUs(() => {
      deliveries.forEach((d, i) => {
        sink += (JSON.parse(d.body.toString('utf8')) as { 'oslo.message': string })['oslo.message'].length;
        sink += (JSON.parse(bareMessages[i] as string) as { event_type: string }).event_type.length;
      });
    });
    const signUs = cpuUs(() => {
      for (const line of unique) sink += hmac(line).length;
    });
    const verifyUs = cpuUs(() => {
      routed.forEach((line, i) => {
        sink += (JSON.parse(bareLines[i] as string) as { counter_name: string }).counter_name.length;
        sink += hmac(line).length;
      });
    });
    const emitUs = cpuUs(() => {
      for (let i = 0; i < emitted; i++) sink += hmac(routed[i % routed.length] as string).length;
    });
    if (sink === 0) throw new Error('nothing measured');

    const broker = await withVhost(async (url) => {
      const notifications = deliveries.map((d) => ({ exchange: d.exchange, routingKey: d.routingKey, body: d.body }));
      const { queues: notificationQueues } = await prefill(url, notifications);
      const raw = await ceiling(url, notificationQueues, PREFETCH, n);
      const traffic = await partitionTraffic(url, messages);
      return { raw, ...traffic };
    });

    const per = (us: number) => Number((us / n).toFixed(1));
    const amqplib = broker.raw.clientCpuUs + per(broker.publishUs + broker.consumeUs);
    const worker = per(parseUs + signUs + verifyUs + emitUs) + amqplib;
    const brokerUs = Number((broker.raw.brokerCpuUs + per(broker.inUs + broker.outUs)).toFixed(1));
    const floor = worker + brokerUs;
    const cores = availableParallelism();
    const best = (cores * 1e6) / floor;
    const rows = [
      { part: 'stage 1: JSON.parse of envelope and message (no metadata)', us_per_notification: per(parseUs) },
      {
        part: `stage 1: one HMAC per routed sample (${(unique.length / n).toFixed(1)})`,
        us_per_notification: per(signUs),
      },
      {
        part: `stage 2: JSON.parse (no metadata) + HMAC per routed line (${(routed.length / n).toFixed(1)})`,
        us_per_notification: per(verifyUs),
      },
      { part: `stage 2: one HMAC per emitted sample (${(emitted / n).toFixed(1)})`, us_per_notification: per(emitUs) },
      {
        part: 'amqplib: consume the notification, publish and consume the partition messages',
        us_per_notification: Number(amqplib.toFixed(1)),
      },
      {
        part: 'broker: deliver the notification (raw ceiling)',
        us_per_notification: Number(broker.raw.brokerCpuUs.toFixed(1)),
      },
      {
        part: `broker: take ${(messages.length / n).toFixed(2)} partition messages persistently`,
        us_per_notification: per(broker.inUs),
      },
      { part: 'broker: deliver them', us_per_notification: per(broker.outUs) },
      { part: 'floor (workers + broker)', us_per_notification: Number(floor.toFixed(1)) },
    ];
    console.table(rows);
    const summary = {
      cores,
      partition_message_bytes: Math.round(messages.reduce((sum, m) => sum + m.body.length, 0) / messages.length),
      ceiling_per_s: Math.round(broker.raw.rate),
      target_per_s: Math.round(TARGET * broker.raw.rate),
      at_most_per_s: Math.round(best),
      at_most_ratio: Number((best / broker.raw.rate).toFixed(3)),
    };
    console.table([summary]);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/partitioned-floor.json',
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, instances: INSTANCES, polls: POLLS, partitions: P, rows, summary }, null, 2)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
