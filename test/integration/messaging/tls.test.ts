/**
 * TLS end to end on a private RabbitMQ node with an SSL listener and a throw-away PKI made with
 * openssl at test time: amqps:// with the CA connects, publishes with confirms and consumes; a
 * wrong CA keeps failing (retrying, never crashing) until close(); client certificates work when
 * the broker requires them; credentials never reach logs or errors; `meterflow run` with oslo's
 * `[oslo_messaging_rabbit] ssl*` options or an amqps:// transport_url consumes and writes samples.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import amqp from 'amqplib';
import t from 'tap';
import { AmqpTransport } from '../../../src/messaging/transport.js';
import type { TlsOptions } from '../../../src/messaging/types.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { waitFor } from '../../helpers/broker.js';
import { BIN, tempDir } from '../../helpers/cli.js';
import { CEILOMETER_19, GOLDEN } from '../../helpers/paths.js';
import { type PrivateBroker, startPrivateBroker } from '../../helpers/private-broker.js';
import { makeTestPki } from '../../helpers/tls.js';
import { listenerOptions, startListener } from './fixtures.js';
import { writeCatchAllPipelines } from '../../helpers/agent-files.js';

const USER = 'mf-tls-user';
const PASSWORD = 'pw-Zq81-never-logged';

const pki = await makeTestPki(t);

/** Starts a broker with an SSL listener and a user with a password worth hiding. */
async function tlsBroker(failIfNoPeerCert: boolean): Promise<PrivateBroker & { sslPort: number }> {
  const broker = await startPrivateBroker({
    ssl: {
      cacertfile: pki.caFile,
      certfile: pki.serverCertFile,
      keyfile: pki.serverKeyFile,
      verify: 'verify_peer',
      failIfNoPeerCert,
    },
  });
  t.teardown(() => broker.dispose());
  await broker.ctl('add_user', USER, PASSWORD);
  await broker.ctl('set_permissions', '-p', '/', USER, '.*', '.*', '.*');
  return broker as PrivateBroker & { sslPort: number };
}

const amqpsUrl = (port: number, host = 'localhost') => `amqps://${USER}:${PASSWORD}@${host}:${port}/`;

function tlsTransport(t: Tap, url: string, tls: TlsOptions, logger = new MemoryLogger()): AmqpTransport {
  const tr = new AmqpTransport({ url, tls, logger, reconnectInitialMs: 20, reconnectMaxMs: 200, name: 'mf-tls-test' });
  t.teardown(() => tr.close());
  return tr;
}
type Tap = { teardown(fn: () => unknown): void };

/** `list_connections` of a node: which connections are TLS, with which client certificate. */
async function connections(broker: PrivateBroker): Promise<Record<string, unknown>[]> {
  const out = await broker.ctl(
    'list_connections',
    'user',
    'ssl',
    'peer_cert_subject',
    'client_properties',
    '--formatter',
    'json',
  );
  return JSON.parse(out) as Record<string, unknown>[];
}
const connectionName = (c: Record<string, unknown>) => {
  const props = c.client_properties as unknown;
  // rabbitmqctl gives client_properties as [name, type, value] triples.
  const triple = Array.isArray(props) ? (props as unknown[][]).find((p) => p[0] === 'connection_name') : undefined;
  return triple ? String(triple[2]) : '';
};

/** Everything a logger recorded and every error seen, as one string to search for secrets. */
function secretsIn(text: string): string[] {
  return [PASSWORD, `${USER}:`].filter((s) => text.includes(s));
}

async function roundTrip(t: Tap, url: string, tls: TlsOptions, logger: MemoryLogger): Promise<string[]> {
  const options = listenerOptions({ batchSize: 5, batchTimeout: 0.05 });
  const queue = options.topology.queues[0]!;
  const exchange = options.topology.exchanges[0]!;
  const consumer = tlsTransport(t, url, tls, logger);
  const { recorder } = await startListener(t, [consumer], options, undefined, logger);
  const producer = tlsTransport(t, url, tls, logger);
  const publisher = producer.publisher();
  const bodies = Array.from({ length: 7 }, (_, i) => `tls-${i}`);
  await Promise.all(bodies.map((b) => publisher.publish(exchange, queue.routingKey, Buffer.from(b))));
  await waitFor('every message consumed over TLS', () => bodies.every((b) => recorder.bodies().includes(b)));
  await publisher.close();
  return recorder.bodies();
}

const broker = await tlsBroker(false);
const sslUrl = amqpsUrl(broker.sslPort);

t.test('amqps:// with the CA file: connects, publishes with confirms, a listener consumes', async (t) => {
  const logger = new MemoryLogger();
  for (const host of ['localhost', '127.0.0.1']) {
    const got = await roundTrip(t, amqpsUrl(broker.sslPort, host), { caFile: pki.caFile }, logger);
    t.same(got.sort(), Array.from({ length: 7 }, (_, i) => `tls-${i}`).sort(), `all 7 messages once via ${host}`);
  }
  const conns = await connections(broker);
  const ours = conns.filter((c) => connectionName(c) === 'mf-tls-test');
  t.ok(ours.length >= 2, 'the test connections are on the broker');
  t.ok(
    ours.every((c) => c.ssl === true && c.user === USER),
    'every one of them is TLS (the broker says so), as the right user',
  );
  t.same(secretsIn(JSON.stringify(logger.records)), [], 'no credentials in the logs');
});

t.test('a wrong CA: the handshake fails, the transport keeps retrying, close() stops it', async (t) => {
  const logger = new MemoryLogger();
  const tr = tlsTransport(t, sslUrl, { caFile: pki.wrongCaFile }, logger);
  const pending = tr.connection().catch((e: unknown) => e);
  const failures = () => logger.records.filter((r) => r.msg === 'AMQP connect failed');
  await waitFor('three failed attempts', () => failures().length >= 3);
  t.notOk(tr.connected, 'never connected');
  t.match(String(failures()[0]!.error), /certificate|self[- ]signed|issuer/i, 'a certificate error is logged');
  const started = Date.now();
  await tr.close();
  const err = await pending;
  t.match(err, { code: 'transport_closed' }, 'close() ends the retry loop');
  t.ok(Date.now() - started < 1000, 'without waiting out the backoff');
  const attempts = failures().length;
  await new Promise((r) => setTimeout(r, 300)); // a window in which a still-running loop would log again
  t.equal(failures().length, attempts, 'no attempt after close()');
  t.same(secretsIn(JSON.stringify(logger.records) + String(err)), [], 'no credentials in logs or the error');

  const system = new MemoryLogger();
  const noCa = tlsTransport(t, sslUrl, {}, system);
  const pendingNoCa = noCa.connection().catch((e: unknown) => e);
  await waitFor('a failure without any CA (system trust store)', () =>
    system.records.some((r) => r.msg === 'AMQP connect failed'),
  );
  await noCa.close();
  t.match(await pendingNoCa, { code: 'transport_closed' });
});

t.test('client certificate auth when the broker requires a peer certificate', async (t) => {
  const strict = await tlsBroker(true);
  const url = amqpsUrl(strict.sslPort);
  const without = new MemoryLogger();
  const bare = tlsTransport(t, url, { caFile: pki.caFile }, without);
  const pendingBare = bare.connection().catch((e: unknown) => e);
  await waitFor('a refused handshake without a client certificate', () =>
    without.records.some((r) => r.msg === 'AMQP connect failed'),
  );
  t.notOk(bare.connected, 'no client certificate: refused');
  await bare.close();
  t.match(await pendingBare, { code: 'transport_closed' });

  const logger = new MemoryLogger();
  const tls = { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile };
  const got = await roundTrip(t, url, tls, logger);
  t.equal(new Set(got).size, 7, 'with cert and key files: connects, publishes, consumes');
  const ours = (await connections(strict)).filter((c) => connectionName(c) === 'mf-tls-test');
  t.ok(ours.length >= 2);
  t.ok(
    ours.every((c) => c.ssl === true && /CN=meterflow-client/.test(String(c.peer_cert_subject))),
    'the broker saw our client certificate',
  );
  t.same(secretsIn(JSON.stringify(without.records) + JSON.stringify(logger.records)), []);
});

t.test('credentials never appear in logs or error messages', async (t) => {
  const logger = new MemoryLogger();
  const errors: string[] = [];
  // A wrong password over a good TLS connection: the broker refuses the login.
  const wrong = tlsTransport(
    t,
    `amqps://${USER}:${PASSWORD}x@localhost:${broker.sslPort}/`,
    { caFile: pki.caFile },
    logger,
  );
  const pendingWrong = wrong.connection().catch((e: unknown) => e);
  await waitFor('a refused login', () =>
    logger.records.some((r) => r.msg === 'AMQP connect failed' && /ACCESS.REFUSED|403/i.test(String(r.error))),
  );
  await wrong.close();
  errors.push(String(await pendingWrong));
  // A port where nothing listens, and the plain port spoken to with TLS.
  for (const port of [1, broker.port]) {
    const tr = tlsTransport(t, amqpsUrl(port), { caFile: pki.caFile }, logger);
    const pending = tr.connection().catch((e: unknown) => e);
    await waitFor(`a failure on port ${port}`, () =>
      logger.records.some((r) => r.msg === 'AMQP connect failed' && String(r.endpoint).endsWith(`:${port}/%2F`)),
    );
    await tr.close();
    errors.push(String(await pending));
  }
  // A URL that does not parse, and a CA file that does not exist.
  for (const make of [
    () => new AmqpTransport({ url: `amqps://${USER}:${PASSWORD}@localhost:99999/`, logger }),
    () => new AmqpTransport({ url: sslUrl, tls: { caFile: join(pki.dir, 'missing.pem') }, logger }),
  ]) {
    try {
      make();
      t.fail('expected an error');
    } catch (err) {
      errors.push(String(err), String((err as Error).stack));
    }
  }
  t.ok(logger.records.length >= 3, 'the failures were logged');
  t.same(secretsIn(JSON.stringify(logger.records)), [], 'no credentials in any log record');
  t.same(secretsIn(errors.join('\n')), [], 'no credentials in any error message');
  t.ok(
    logger.records.some((r) => /\*\*\*@localhost/.test(JSON.stringify(r))),
    'endpoints are logged with the user-info replaced by ***',
  );
});

/** One compute.instance.exists notification of the golden corpus, as nova sends it. */
function instanceExists(): { exchange: string; routingKey: string; body: string } {
  const line = readFileSync(`${GOLDEN}corpus.jsonl`, 'utf8')
    .split('\n')
    .find((l) => l.includes('"fx-03-compute.instance.exists"'));
  const c = JSON.parse(line!) as { exchange: string; routing_key: string; envelope: unknown };
  return { exchange: c.exchange, routingKey: c.routing_key, body: JSON.stringify(c.envelope) };
}

function agentConfig(dir: string, rabbit: string[], transportUrl: string): string {
  const samples = join(dir, 'samples.jsonl');
  writeCatchAllPipelines(dir, `file://${samples}?json`, `file://${join(dir, 'events.jsonl')}`);
  const file = join(dir, 'meterflow.yaml');
  writeFileSync(
    file,
    [
      'DEFAULT:',
      `  transport_url: "${transportUrl}"`,
      `  pipeline_cfg_file: ${join(dir, 'pipeline.yaml')}`,
      `  event_pipeline_cfg_file: ${join(dir, 'event_pipeline.yaml')}`,
      'notification:',
      '  batch_size: 10',
      '  batch_timeout: 0.1',
      '  notification_control_exchanges: [nova]',
      'meter:',
      `  meter_definitions_dirs: [${CEILOMETER_19}meters.yaml]`,
      'oslo_messaging_rabbit:',
      ...rabbit.map((l) => `  ${l}`),
      '',
    ].join('\n'),
  );
  return file;
}

const agentCases: { name: string; rabbit: string[]; url: string }[] = [
  {
    name: 'rabbit:// + [oslo_messaging_rabbit] ssl: true, ssl_ca_file',
    rabbit: ['ssl: true', `ssl_ca_file: ${pki.caFile}`],
    url: `rabbit://${USER}:${PASSWORD}@localhost:${broker.sslPort}/`,
  },
  {
    name: 'amqps:// transport_url + ssl_ca_file',
    rabbit: [`ssl_ca_file: ${pki.caFile}`],
    url: sslUrl,
  },
];

for (const c of agentCases) {
  t.test(`meterflow run over TLS (${c.name}) consumes and writes samples`, async (t) => {
    const dir = tempDir(t);
    const vhost = `mf-tls-${Math.random().toString(16).slice(2, 10)}`;
    await broker.ctl('add_vhost', vhost);
    t.teardown(() => broker.ctl('delete_vhost', vhost).catch(() => undefined));
    await broker.ctl('set_permissions', '-p', vhost, USER, '.*', '.*', '.*');
    const config = agentConfig(dir, c.rabbit, c.url.replace(/\/$/, `/${vhost}`));
    const child = spawn(process.execPath, [BIN, 'run', '--config-file', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => child.kill('SIGKILL'));
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const alive = () => {
      if (child.exitCode !== null) throw new Error(`meterflow run exited ${child.exitCode}:\n${output}`);
    };
    await waitFor(
      'the agent listening over TLS',
      async () => {
        alive();
        return (await connections(broker)).some(
          (x) => connectionName(x).startsWith('meterflow-listener') && x.ssl === true,
        );
      },
      30_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${output}`);
    });
    // Publish through the broker's plain port: only the agent's own link has to be TLS.
    const n = instanceExists();
    const conn = await amqp.connect(`amqp://${USER}:${PASSWORD}@127.0.0.1:${broker.port}/${vhost}`);
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange(n.exchange, 'topic', { durable: false, autoDelete: false });
    ch.publish(n.exchange, n.routingKey, Buffer.from(n.body), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
    });
    await ch.waitForConfirms();
    const samplesFile = join(dir, 'samples.jsonl');
    const lines = () =>
      existsSync(samplesFile)
        ? readFileSync(samplesFile, 'utf8')
            .split('\n')
            .filter((l) => l.trim() !== '')
        : [];
    await waitFor('the 4 samples of compute.instance.exists', () => lines().length >= 4, 30_000);
    t.same(
      lines()
        .map((l) => (JSON.parse(l) as { counter_name: string }).counter_name)
        .sort(),
      ['disk.ephemeral.size', 'disk.root.size', 'memory', 'vcpus'],
    );
    await waitFor('the notification acked', async () => {
      const q = (await ch.checkQueue(n.routingKey)) as { messageCount: number };
      return q.messageCount === 0;
    });
    await conn.close();
    child.kill('SIGTERM');
    const code = await exited;
    t.equal(code, 0, 'exit 0 after SIGTERM');
    if (code !== 0) t.comment(output);
    t.same(secretsIn(output), [], 'no credentials in the agent output');
  });
}
