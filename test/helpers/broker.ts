import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import { parseTransportUrl } from '../../src/messaging/url.js';

/** The shared test broker (`AMQP_URL`, default the loopback guest account). */
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The part of a tap test these helpers use. */
export interface Tap {
  teardown(fn: () => unknown): void;
}

/** Run `rabbitmqctl args...` (on the shared node unless `-n` is given); resolves with stdout. */
export function rabbitmqctl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const bin = process.env.RABBITMQCTL ?? 'rabbitmqctl';
  return new Promise((resolve, reject) => {
    execFile(bin, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** A name unique to this run, for queues, exchanges and vhosts. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/**
 * Whether the shared broker answers. Without it the file skips — except under CI, where a
 * missing broker is a failure, not a reason to go green.
 */
export async function requireBroker(t: Tap & { plan(n: number, comment?: string): void }): Promise<boolean> {
  try {
    const conn = await amqp.connect(AMQP_URL);
    await conn.close();
    return true;
  } catch (err) {
    if (process.env.CI) throw new Error(`RabbitMQ unreachable at ${AMQP_URL.replace(/\/\/[^@]*@/, '//***@')} (CI set)`);
    t.plan(0, `skip: RabbitMQ unreachable (${String(err)})`);
    return false;
  }
}

/** A private vhost on the shared broker (deleted in teardown) and the URL that reaches it. */
export async function privateVhost(t: Tap): Promise<{ vhost: string; url: string }> {
  const vhost = unique('mf-test');
  const user = parseTransportUrl(AMQP_URL).endpoints[0]!.username;
  await rabbitmqctl(['-q', 'add_vhost', vhost]);
  t.teardown(() => rabbitmqctl(['-q', 'delete_vhost', vhost]).catch(() => undefined));
  await rabbitmqctl(['-q', 'set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
  const base = /^[a-z+]+:\/\/[^/?#]*/i.exec(AMQP_URL)![0];
  return { vhost, url: `${base}/${encodeURIComponent(vhost)}` };
}

/** `rabbitmqctl list_queues` of a vhost as objects with the given columns. */
export async function queueColumns(vhost: string, columns: readonly string[]): Promise<Record<string, unknown>[]> {
  const out = await rabbitmqctl(['-q', 'list_queues', '-p', vhost, ...columns, '--formatter', 'json']);
  return JSON.parse(out) as Record<string, unknown>[];
}

/** `rabbitmqctl list_queues` of a vhost as objects. */
export async function listQueues(vhost: string): Promise<Record<string, unknown>[]> {
  const queues = await queueColumns(vhost, ['name', 'durable', 'auto_delete', 'arguments', 'consumers', 'messages']);
  return queues.map((q) => ({ ...q, arguments: argumentsObject(q.arguments) }));
}

/** rabbitmqctl's JSON gives arguments as `[name, type, value]` triples: make them an object. */
function argumentsObject(raw: unknown): Record<string, unknown> {
  if (!Array.isArray(raw)) return (raw ?? {}) as Record<string, unknown>;
  const triples = raw.length > 0 && !Array.isArray(raw[0]) ? [raw] : raw;
  return Object.fromEntries((triples as unknown[][]).map((x) => [String(x[0]), x[2]]));
}

export async function listBindings(vhost: string): Promise<Record<string, unknown>[]> {
  const columns = ['source_name', 'destination_name', 'destination_kind', 'routing_key'];
  const out = await rabbitmqctl(['-q', 'list_bindings', '-p', vhost, ...columns, '--formatter', 'json']);
  return JSON.parse(out) as Record<string, unknown>[];
}

export async function listExchanges(vhost: string): Promise<Record<string, unknown>[]> {
  const out = await rabbitmqctl([
    '-q',
    'list_exchanges',
    '-p',
    vhost,
    'name',
    'type',
    'durable',
    'auto_delete',
    '--formatter',
    'json',
  ]);
  return JSON.parse(out) as Record<string, unknown>[];
}

/** A plain amqplib connection and channel for the test's own publishing and checking. */
export async function rawChannel(t: Tap, url: string): Promise<{ conn: ChannelModel; ch: Channel }> {
  const conn = await amqp.connect(url);
  conn.on('error', () => undefined);
  t.teardown(() => conn.close().catch(() => undefined));
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  return { conn, ch };
}

/** Poll `check` until it returns a truthy value or the deadline passes (then throw `what`). */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
