/**
 * What the broker benchmarks share: the captured oslo workload, a private vhost per run, oslo-style
 * prefill, the ceiling (raw amqplib consume + individual ack) measured on the same broker, and
 * the CPU the broker and Redis processes use.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { Redis } from 'ioredis';

export const run = promisify(execFile);
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const SHARED = resolve('../shared');

export interface Message {
  exchange: string;
  routingKey: string;
  body: Buffer;
}

/**
 * `n` notifications cycling through the 20 raw bodies captured from the real oslo.messaging
 * (`fixtures/wire/notifications-info.json`: nova, cinder, glance, neutron, keystone; 806–2376
 * bytes), published byte for byte to their exchange.
 */
export function workload(n: number): Message[] {
  const captures = JSON.parse(readFileSync(`${SHARED}/fixtures/wire/notifications-info.json`, 'utf8')) as {
    exchange: string;
    routing_key: string;
    body_raw: string;
  }[];
  const out: Message[] = [];
  for (let i = 0; i < n; i++) {
    const c = captures[i % captures.length] as (typeof captures)[number];
    out.push({ exchange: c.exchange, routingKey: c.routing_key, body: Buffer.from(c.body_raw) });
  }
  return out;
}

/** Run `fn` with the URL of a fresh vhost, deleted afterwards. */
export async function withVhost<T>(fn: (url: string, vhost: string) => Promise<T>): Promise<T> {
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
export async function prefill(url: string, messages: Message[]): Promise<{ exchanges: string[]; queues: string[] }> {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  const queues = [...new Set(messages.map((m) => m.routingKey))];
  const exchanges = [...new Set(messages.map((m) => m.exchange))];
  for (const exchange of exchanges) {
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
  return { exchanges, queues };
}

/** The ceiling's connection close can requeue a few late deliveries: empty the queues before the next run. */
export async function purge(url: string, queues: string[]): Promise<void> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  for (const q of queues) await ch.purgeQueue(q);
  await conn.close();
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/**
 * CPU seconds (user + system) used so far by `pid` and its descendants, from /proc; NaN where
 * there is no /proc.
 */
export function cpuSeconds(pid: number): number {
  try {
    let ticks = 0;
    const pending = [pid];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const stat = readFileSync(`/proc/${next}/stat`, 'utf8');
      // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const task of readdirSync(`/proc/${next}/task`)) {
        const children = readFileSync(`/proc/${next}/task/${task}/children`, 'utf8').trim();
        if (children) pending.push(...children.split(' ').map(Number));
      }
    }
    return ticks / TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** The broker's OS process (the Erlang VM), whose CPU per message is part of every budget here. */
export async function brokerPid(): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['eval', 'list_to_integer(os:getpid()).']);
  return Number(stdout.trim());
}

/** The Redis server's OS process (on this machine, as the benchmarks expect), from INFO. */
export async function redisPid(url: string): Promise<number> {
  const redis = new Redis(url);
  try {
    const info = await redis.info('server');
    return Number(/^process_id:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
  } finally {
    redis.disconnect();
  }
}

export interface Ceiling {
  /** Messages per second. */
  rate: number;
  /** CPU µs per message of the consuming process itself (amqplib's own cost). */
  clientCpuUs: number;
  /** CPU µs per message of the broker meanwhile. */
  brokerCpuUs: number;
}

/**
 * The ceiling: raw amqplib consume + individual ack of `n` messages, same queues, same prefetch.
 * With `ackEvery` > 1, one ack with `multiple` per that many messages instead (what meterflow's
 * batches do), for the cheapest consumption the broker allows. With `warmup`, that many messages
 * (queued before the `n`) are consumed first, outside the measurement, as the agent's are.
 */
export async function ceiling(
  url: string,
  queues: string[],
  prefetch: number,
  n: number,
  ackEvery = 1,
  warmup = 0,
): Promise<Ceiling> {
  // More unacked messages than the prefetch lets through would wait forever for the ack.
  if (ackEvery > prefetch)
    throw new Error(`acks every ${ackEvery} messages with a prefetch of ${prefetch}: raise the prefetch`);
  const broker = await brokerPid();
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.prefetch(prefetch);
  let seen = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  let broker0 = 0;
  const done = new Promise<number>((resolveDone) => {
    for (const q of queues) {
      void ch.consume(q, (msg) => {
        if (!msg) return;
        if (seen === warmup) {
          t0 = performance.now();
          cpu0 = process.cpuUsage();
          broker0 = cpuSeconds(broker);
        }
        seen += 1;
        const total = warmup + n;
        if (seen % ackEvery === 0 || seen === total || seen === warmup) ch.ack(msg, ackEvery > 1);
        if (seen === total) resolveDone(performance.now() - t0);
      });
    }
  });
  const ms = await done;
  const cpu = process.cpuUsage(cpu0);
  const brokerCpu = cpuSeconds(broker) - broker0;
  await conn.close();
  return { rate: (n / ms) * 1000, clientCpuUs: (cpu.user + cpu.system) / n, brokerCpuUs: (brokerCpu * 1e6) / n };
}
