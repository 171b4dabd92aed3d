/**
 * The partitioned agent in-process on the real RabbitMQ and Redis: two workers share the
 * partitions and compute what a single-node replay computes; forged partition messages are
 * dead-lettered; a Redis outage stops stage 2 while stage 1 keeps routing, and nothing is lost;
 * a changed P is refused.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Channel } from 'amqplib';
import t from 'tap';
import { Agent, loadConfig, Replayer } from '../../../src/agent/index.js';
import { scenarioMessages } from '../../../src/emit/index.js';
import type { EmitMessage } from '../../../src/emit/index.js';
import { dumpsPyJson, ManualClock } from '../../../src/model/index.js';
import type { Sample } from '../../../src/model/index.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { PartitionCountError } from '../../../src/partitioning/index.js';
import { testPublisherStore } from '../../../src/publishers/index.js';
import { listQueues, privateVhost, rawChannel, requireBroker, unique, waitFor } from '../../helpers/broker.js';
import { BIN, childEnv, runCli, tempDir } from '../../helpers/cli.js';
import { makeTestPki } from '../../helpers/tls.js';
import { CEILOMETER_19 } from '../../helpers/paths.js';
import { freePort } from '../../helpers/ports.js';
import { privateRedis, REDIS_URL, sharedRedis, uniqueGroup } from '../../helpers/private-redis.js';

type Tap = Parameters<typeof privateVhost>[0] & Parameters<typeof tempDir>[0];

const P = 4;
const PIPELINE = 'cpu_source:cpu_sink';

interface Setup {
  url: string;
  vhost: string;
  dir: string;
  group: string;
  prefix: string;
  actual: string;
  expected: string;
}

function writeFiles(s: Setup, redisUrl: string, extra = ''): string {
  const pipeline = (store: string) => `sources:
  - {name: meter_source, meters: ['*'], sinks: [meter_sink]}
  - {name: cpu_source, meters: [cpu], sinks: [cpu_sink]}
sinks:
  - {name: meter_sink, publishers: ['test://${store}']}
  - name: cpu_sink
    transformers:
      - name: rate_of_change
        parameters:
          target: {name: cpu_util, unit: '%', type: gauge, scale: '100.0 / (10**9 * (resource_metadata.cpu_number or 1))'}
    publishers: ['test://${store}']
`;
  writeFileSync(join(s.dir, 'pipeline.yaml'), pipeline(s.actual));
  writeFileSync(join(s.dir, 'expected-pipeline.yaml'), pipeline(s.expected));
  const options = (pipelineFile: string) => `DEFAULT: {transport_url: '${s.url}', pipeline_cfg_file: ${pipelineFile}}
notification: {workload_partitioning: true, pipeline_processing_queues: ${P}, batch_size: 50, batch_timeout: 0.05, pipelines: [meter]}
meter: {meter_definitions_dirs: ['${CEILOMETER_19}meters.yaml']}
coordination: {backend_url: '${redisUrl}', heartbeat: 0.2}
meterflow: {group: ${s.group}, partition_queue_prefix: ${s.prefix}, member_ttl: 1, partition_lease_ttl: 2${extra}}
`;
  writeFileSync(join(s.dir, 'meterflow.yaml'), options('pipeline.yaml'));
  writeFileSync(join(s.dir, 'expected.yaml'), options('expected-pipeline.yaml'));
  return join(s.dir, 'meterflow.yaml');
}

async function setup(t: Tap): Promise<Setup> {
  const { url, vhost } = await privateVhost(t);
  const id = unique('part');
  const s = {
    url,
    vhost,
    dir: tempDir(t),
    group: uniqueGroup('mf-part'),
    prefix: id,
    actual: `${id}-a`,
    expected: `${id}-e`,
  };
  t.teardown(() => {
    testPublisherStore(s.actual).clear();
    testPublisherStore(s.expected).clear();
  });
  return s;
}

function startAgent(file: string, onFatal?: (e: Error) => void) {
  const config = loadConfig({ configFile: file }, {});
  if (config.issues.length > 0) throw new Error(JSON.stringify(config.issues));
  return Agent.start(config, { logger: new MemoryLogger(), ...(onFatal ? { onFatal } : {}) });
}

/** What the single-node replay publishes for the same notifications. */
async function replay(s: Setup, messages: readonly EmitMessage[]): Promise<void> {
  const clock = new ManualClock(0);
  const config = loadConfig({ configFile: join(s.dir, 'expected.yaml') }, {}, clock);
  const replayer = new Replayer({ config, clock, logger: new MemoryLogger(), report: () => undefined });
  for (const m of messages) await replayer.line(m.body.toString('utf8'));
  await replayer.close();
}

async function publish(ch: Channel, messages: readonly EmitMessage[]): Promise<void> {
  for (const m of messages) {
    await ch.assertExchange(m.exchange, 'topic', { durable: false });
    ch.publish(m.exchange, m.routingKey, m.body);
  }
}

/** cpu_util points by resource, in timestamp order; duplicates (at-least-once) collapsed. */
function series(samples: readonly Sample[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const s of samples) {
    if (s.name !== 'cpu_util') continue;
    const set = out.get(s.resource_id ?? '') ?? new Set<string>();
    set.add(`${s.timestamp} ${String(s.volume)}`);
    out.set(s.resource_id ?? '', set);
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

function owned(agents: readonly Agent[]): string[] {
  return agents.flatMap((a) => a.partitioning?.stageTwo.consuming ?? []).sort();
}

const ALL = Array.from({ length: P }, (_, p) => `${PIPELINE}/${p}`).sort();

t.test('two workers share the partitions and compute what one node computes', async (t) => {
  if (!(await requireBroker(t))) return;
  const shared = await sharedRedis(t);
  if (!shared) return;
  const s = await setup(t);
  shared.forget(s.group);
  const file = writeFiles(s, REDIS_URL);
  const a = await startAgent(file);
  t.teardown(() => a.stop());
  const b = await startAgent(file);
  t.teardown(() => b.stop());
  await waitFor('every partition owned once', () => {
    const mine = owned([a, b]);
    return mine.length === P && mine.join() === ALL.join() && (a.partitioning?.stageTwo.consuming.length ?? 0) > 0;
  });

  const messages = [...scenarioMessages({ instances: 60, polls: 4, resetProbability: 0.05, seed: s.group })];
  await replay(s, messages);
  const expected = testPublisherStore(s.expected).samples;
  const { ch } = await rawChannel(t, s.url);
  await publish(ch, messages);
  const want = series(expected);
  await waitFor(
    'every cpu_util point',
    () =>
      series(testPublisherStore(s.actual).samples).size === want.size &&
      [...series(testPublisherStore(s.actual).samples).values()].flat().length === [...want.values()].flat().length,
    30_000,
  );
  t.same(series(testPublisherStore(s.actual).samples), want, 'cpu_util series equal to the single-node replay');
  const names = (xs: readonly Sample[]) =>
    xs
      .map((x) => x.name)
      .filter((n) => n !== 'cpu_util')
      .sort();
  await waitFor(
    'every unpartitioned sample',
    () => names(testPublisherStore(s.actual).samples).length >= names(expected).length,
  );
  t.same(names(testPublisherStore(s.actual).samples), names(expected), 'meter_sink samples published at stage 1');

  // A forged sample on a partition queue: dead-lettered with the reason, never applied.
  const forged = { ...expected.find((x) => x.name === 'cpu')! };
  const message = {
    source: 'openstack',
    counter_name: 'cpu',
    counter_type: 'cumulative',
    counter_unit: 'ns',
    counter_volume: 1e18,
    user_id: forged.user_id,
    project_id: forged.project_id,
    resource_id: forged.resource_id,
    timestamp: '2030-01-01T00:00:00+00:00',
    resource_metadata: {},
    message_id: 'forged-1',
    monotonic_time: null,
    message_signature: 'deadbeef',
  };
  const queue = `${s.prefix}-pipe-${PIPELINE}-0`;
  ch.sendToQueue(queue, Buffer.from(dumpsPyJson([message])), { persistent: true });
  const dead = await waitFor('the forged message dead-lettered', async () => {
    const got = await ch.get('meterflow.dead-letter', { noAck: true });
    return got || null;
  });
  t.equal(dead.properties.headers?.['x-meterflow-reason'], 'bad_signature');
  t.equal(dead.properties.headers?.['x-meterflow-original-queue'], queue);
  const metrics = (await a.registry.metrics()) + (await b.registry.metrics());
  t.match(
    metrics,
    /meterflow_partition_messages_dead_lettered_total\{pipeline="cpu_source:cpu_sink",reason="bad_signature"\} 1/,
  );
  t.match(metrics, /meterflow_partitions_owned/);

  await a.stop();
  await waitFor('b took over every partition', () => owned([b]).join() === ALL.join());
  await b.stop();
  const queues = await listQueues(s.vhost);
  const left = queues.filter((q) => String(q.name).startsWith(s.prefix) && Number(q.messages) > 0);
  t.same(left, [], 'partition queues drained');
  t.equal(
    queues.filter((q) => String(q.name).startsWith(`${s.prefix}-pipe-`)).length,
    P,
    'P queues for the one stateful pipeline',
  );
});

t.test('Redis outage: stage 2 stops, stage 1 keeps routing, nothing is lost', async (t) => {
  if (!(await requireBroker(t))) return;
  const s = await setup(t);
  const redis = await privateRedis(t, { persistDir: tempDir(t) });
  const file = writeFiles(s, redis.url);
  const agent = await startAgent(file);
  t.teardown(() => agent.stop());
  await waitFor('partitions owned', () => owned([agent]).join() === ALL.join());
  const messages = [...scenarioMessages({ instances: 40, polls: 4, resetProbability: 0, seed: s.group })];
  await replay(s, messages);
  const want = series(testPublisherStore(s.expected).samples);
  const count = (m: Map<string, string[]>) => [...m.values()].flat().length;
  const { ch } = await rawChannel(t, s.url);
  await publish(ch, messages.slice(0, 80));
  await waitFor('first half processed', () => count(series(testPublisherStore(s.actual).samples)) === 40);

  await redis.kill();
  await waitFor('stage 2 stopped', () => owned([agent]).length === 0, 10_000);
  await publish(ch, messages.slice(80));
  const routed = await waitFor('stage 1 routed the rest into the partition queues', async () => {
    const queues = await listQueues(s.vhost);
    const waiting = queues
      .filter((q) => String(q.name).startsWith(`${s.prefix}-pipe-`))
      .reduce((n, q) => n + Number(q.messages), 0);
    const notifications = queues.find((q) => q.name === 'notifications.sample');
    return waiting > 0 && Number(notifications?.messages) === 0 ? waiting : null;
  });
  t.ok(routed > 0, `${routed} partition messages wait for stage 2`);
  t.equal(count(series(testPublisherStore(s.actual).samples)), 40, 'nothing processed while Redis is down');

  await redis.start();
  await waitFor(
    'every cpu_util point after Redis came back',
    () => count(series(testPublisherStore(s.actual).samples)) === count(want),
    30_000,
  );
  t.same(series(testPublisherStore(s.actual).samples), want, 'series equal to the single-node replay');
});

t.test('a changed P is refused unless partition_migration is set', async (t) => {
  if (!(await requireBroker(t))) return;
  const shared = await sharedRedis(t);
  if (!shared) return;
  const s = await setup(t);
  shared.forget(s.group);
  const first = await startAgent(writeFiles(s, REDIS_URL));
  await waitFor('joined', () => owned([first]).length === P);
  await first.stop();
  const changed = writeFiles(s, REDIS_URL).replace('meterflow.yaml', 'changed.yaml');
  const text = (await import('node:fs')).readFileSync(join(s.dir, 'meterflow.yaml'), 'utf8');
  writeFileSync(changed, text.replace(`pipeline_processing_queues: ${P}`, `pipeline_processing_queues: ${P + 2}`));
  // A notification waiting in the queue: the refused worker must not route it with its P.
  const { ch } = await rawChannel(t, s.url);
  await publish(ch, [...scenarioMessages({ instances: 1, polls: 1, seed: s.group })]);
  const error = await startAgent(changed).then(
    () => {
      throw new Error('started with a changed P');
    },
    (err: Error) => err,
  );
  t.type(error, PartitionCountError);
  t.match(error.message, /pipeline_processing_queues is 6 but group .* runs with 4/);
  t.match(error.message, /partition_migration/);
  const queues = await listQueues(s.vhost);
  t.equal(Number(queues.find((q) => q.name === 'notifications.sample')?.messages), 1, 'the notification was not taken');
  t.notOk(
    queues.some((q) => String(q.name).startsWith(`${s.prefix}-pipe-`) && /-(4|5)$/.test(String(q.name))),
    'no queue of the refused P was declared',
  );

  // The same through `meterflow run` with two worker processes: exit 78 at once, no restarts.
  const refusedRun = await runCli(['run', '--config-file', changed], {
    env: { METERFLOW_NOTIFICATION__WORKERS: '2' },
  });
  t.equal(refusedRun.code, 78, 'EX_CONFIG');
  t.match(refusedRun.stderr, /worker refused its configuration; stopping every worker/);
  t.notMatch(refusedRun.stderr, /restarting it/);

  const migrating = join(s.dir, 'migrate.yaml');
  writeFileSync(
    migrating,
    text
      .replace(`pipeline_processing_queues: ${P}`, `pipeline_processing_queues: ${P + 2}`)
      .replace('partition_lease_ttl: 2', 'partition_lease_ttl: 2, partition_migration: true'),
  );
  const migrated = await startAgent(migrating);
  t.teardown(() => migrated.stop());
  await waitFor('the new P is consumed', () => owned([migrated]).length === P + 2);
  t.equal(await shared.redis.get(`meterflow:${s.group}:partitions`), String(P + 2));
});

t.test('rediss:// with the CA and client certificate named in the URL, as tooz takes them', async (t) => {
  if (!(await requireBroker(t))) return;
  const s = await setup(t);
  const pki = await makeTestPki(t);
  const redis = await privateRedis(t, {
    tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile, caFile: pki.caFile },
  });
  const query = new URLSearchParams({
    ssl_ca_certs: pki.caFile,
    ssl_certfile: pki.clientCertFile,
    ssl_keyfile: pki.clientKeyFile,
  });
  const agent = await startAgent(writeFiles(s, `${redis.url}?${query}`));
  t.teardown(() => agent.stop());
  await waitFor('partitions owned over TLS', () => owned([agent]).join() === ALL.join());
  t.pass('joined the group and took every lease over TLS');
});

t.test('a worker waiting for Redis to check P takes no notification and stops on SIGTERM', async (t) => {
  if (!(await requireBroker(t))) return;
  const s = await setup(t);
  const file = writeFiles(s, `redis://127.0.0.1:${await freePort()}`);
  const { ch } = await rawChannel(t, s.url);
  await ch.assertExchange('ceilometer', 'topic', { durable: false });
  await ch.assertQueue('notifications.sample', { durable: false, autoDelete: false });
  await ch.bindQueue('notifications.sample', 'ceilometer', 'notifications.sample');
  await publish(ch, [...scenarioMessages({ instances: 1, polls: 1, seed: s.group })]);
  const child = spawn(process.execPath, [BIN, 'run', '--config-file', file], { env: childEnv(), stdio: 'pipe' });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  t.teardown(() => child.kill('SIGKILL'));
  await waitFor('waiting for Redis', () => /waiting for Redis to check the number of partitions/.test(stderr));
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0, 'exit 0');
  t.match(stderr, /stopped before the agent had started/);
  const queues = await listQueues(s.vhost);
  t.equal(
    Number(queues.find((q) => q.name === 'notifications.sample')?.messages),
    1,
    'the notification is still queued',
  );
});

t.test('refused Redis credentials fail the start at once (no waiting, exit 78 through run)', async (t) => {
  if (!(await requireBroker(t))) return;
  if (!(await sharedRedis(t))) return;
  const s = await setup(t);
  const url = new URL(REDIS_URL);
  url.username = `nobody-${s.group}`;
  url.password = 'wrong';
  const file = writeFiles(s, url.toString());
  const error = await startAgent(file).then(
    () => {
      throw new Error('started with refused credentials');
    },
    (err: Error) => err,
  );
  t.match(error.message, /refused the credentials/);
  t.notMatch(error.message, /wrong/, 'the password is not repeated');
  const run = await runCli(['run', '--config-file', file]);
  t.equal(run.code, 78);
  t.match(run.stderr, /refusing to start/);
  t.notMatch(run.stderr, /:wrong@/);
});
