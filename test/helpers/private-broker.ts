import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './ports.js';

/**
 * A throw-away RabbitMQ node on spare ports, so tests may restart a broker without touching the
 * shared one. Needs `rabbitmq-server`/`rabbitmqctl` (RabbitMQ ≥ 3.8) and a running epmd (the
 * shared node's is used).
 *
 * Why the details:
 * - The scripts are run from RabbitMQ's own bin directory (`RABBITMQ_BIN_DIR`, default
 *   `/usr/lib/rabbitmq/bin` when present): Debian's `/usr/sbin` wrappers `su` to the rabbitmq
 *   user and reset HOME, which would pick the shared node's Erlang cookie.
 * - HOME is the node's temp dir, so Erlang creates a fresh cookie there, shared by server and CLI.
 * - RABBITMQ_CONFIG_FILE points to our own file: without it the node reads the system's
 *   /etc/rabbitmq/rabbitmq.conf, whose `listeners.tcp.*` pins the shared broker's port 5672
 *   (eaddrinuse) whatever RABBITMQ_NODE_PORT says.
 * - RABBITMQ_DIST_PORT is chosen too: its default (node port + 20000) can collide with the shared
 *   node's distribution port.
 */
export interface PrivateBroker {
  readonly node: string;
  readonly port: number;
  /** `amqp://guest:guest@127.0.0.1:<port>` */
  readonly url: string;
  /** The TLS listener's port, when started with `ssl`. */
  readonly sslPort?: number;
  /** `amqps://guest:guest@localhost:<sslPort>` (the server certificate names localhost), when started with `ssl`. */
  readonly sslUrl?: string;
  start(): Promise<void>;
  /** A clean `rabbitmqctl stop`; the node's data (durable queues, persistent messages) stays. */
  stop(): Promise<void>;
  /** Stop and delete everything. */
  dispose(): Promise<void>;
  /** `rabbitmqctl -q -n <node> args...` on this node; resolves with stdout. */
  ctl(...args: string[]): Promise<string>;
}

const BIN =
  process.env.RABBITMQ_BIN_DIR ?? (existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') ? '/usr/lib/rabbitmq/bin' : '');
const bin = (name: string) => (BIN ? join(BIN, name) : name);

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || stdout || err.message}`)) : resolve(stdout),
    );
  });
}

/** A TLS listener for the private broker (`listeners.ssl.default` and `ssl_options.*`). */
export interface PrivateBrokerSsl {
  cacertfile: string;
  certfile: string;
  keyfile: string;
  /** `ssl_options.verify`: default `verify_peer` (a client certificate, if sent, must chain to the CA). */
  verify?: 'verify_peer' | 'verify_none';
  /** `ssl_options.fail_if_no_peer_cert`: require a client certificate. Default false. */
  failIfNoPeerCert?: boolean;
}

export interface PrivateBrokerOptions {
  startTimeoutMs?: number;
  /** Add a TLS listener on another spare port of 127.0.0.1. */
  ssl?: PrivateBrokerSsl;
}

function sslConfig(port: number, ssl: PrivateBrokerSsl): string {
  return [
    `listeners.ssl.default = 127.0.0.1:${port}`,
    `ssl_options.cacertfile = ${ssl.cacertfile}`,
    `ssl_options.certfile = ${ssl.certfile}`,
    `ssl_options.keyfile = ${ssl.keyfile}`,
    `ssl_options.verify = ${ssl.verify ?? 'verify_peer'}`,
    `ssl_options.fail_if_no_peer_cert = ${ssl.failIfNoPeerCert ? 'true' : 'false'}`,
    '',
  ].join('\n');
}

export async function startPrivateBroker(options: PrivateBrokerOptions = {}): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-broker-'));
  const [port, distPort] = [await freePort(), await freePort()];
  const sslPort = options.ssl ? await freePort() : undefined;
  const node = `mf-${randomBytes(4).toString('hex')}@localhost`;
  for (const sub of ['mnesia', 'log']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    `listeners.tcp.1 = 127.0.0.1:${port}\nloopback_users = none\n${
      options.ssl && sslPort ? sslConfig(sslPort, options.ssl) : ''
    }`,
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
  };
  let child: ChildProcess | undefined;
  let output = '';
  const ctl = (...args: string[]) => run(bin('rabbitmqctl'), ['-q', '-n', node, ...args], env);

  async function start(): Promise<void> {
    output = '';
    const proc = spawn(bin('rabbitmq-server'), [], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    proc.stderr?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-4000);
    });
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    // await_startup fails at once until the node registered with epmd: retry until the deadline.
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`rabbitmq-server ${node} exited: ${output}`);
      try {
        await ctl('await_startup', '--timeout', '30');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`${node} did not start: ${String(err)}\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    await ctl('stop').catch(() => proc.kill('SIGTERM'));
    await exited;
  }

  async function dispose(): Promise<void> {
    await stop().catch(() => child?.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  }

  await start().catch(async (err) => {
    await dispose();
    throw err;
  });
  return {
    node,
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    ...(sslPort ? { sslPort, sslUrl: `amqps://guest:guest@localhost:${sslPort}` } : {}),
    start,
    stop,
    dispose,
    ctl,
  };
}
