/**
 * The proof of workload partitioning (issue 5), with real worker processes, RabbitMQ and Redis.
 *
 * A few thousand instances send cumulative polling samples (cpu, disk, network) at a fixed rate
 * through Ceilometer Newton's default pipeline (cpu_util by rate_of_change, cpu.delta, disk and
 * network rates; meter_sink unpartitioned) while the cluster changes: 2 workers, a third joins,
 * one leaves with SIGTERM, one dies with SIGKILL, another joins (and, in the second test, Redis is
 * killed and restarted from its append-only file). Then:
 *
 * 1. every input sample produced its outputs: each point `meterflow replay` publishes from the
 *    same inputs on one node was published by the cluster (at least once);
 * 2. each series equals the replay's point for point (identical repeats are one point; only points
 *    of the partitions the SIGKILLed worker held, at most one batch per partition, may differ) and
 *    the cluster publishes nothing the replay does not;
 * 3. from the workers' logs: no two workers' [consuming, stopped] intervals of a partition overlap,
 *    epochs grow with each new owner, and after each change every partition was owned again (by the
 *    owner it kept until the next change) within 5 s;
 * 4. everything was acked (queues empty, nothing dead-lettered) and SIGTERM exits 0.
 *
 * Sizes can be changed with METERFLOW_CLUSTER_INSTANCES / _POLLS / _RATE, the workers' lease TTL with
 * METERFLOW_CLUSTER_LEASE_TTL (seconds), and METERFLOW_CLUSTER_LOGS=<dir> keeps the workers' logs.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { partitionOf } from '../../src/partitioning/hash.js';
import { listQueues, privateVhost, requireBroker, unique } from '../helpers/broker.js';
import { BIN, childEnv, runCli, tempDir } from '../helpers/cli.js';
import {
  type ClusterOptions,
  ClusterWorker,
  forEachLine,
  LineCounter,
  type PersistentRedis,
  persistentRedis,
  pipelineWithFileOutput,
  queueConsumers,
  startEmit,
  until,
} from '../helpers/cluster.js';
import {
  balanced,
  type Change,
  comparePoints,
  currentOwners,
  epochRegressions,
  type Interval,
  intervalsOf,
  overlaps,
  type Point,
  pointKey,
  pointOf,
  refKey,
  settleTimes,
} from '../helpers/cluster-checks.js';
import { CEILOMETER_19, CEILOMETER_NEWTON } from '../helpers/paths.js';
import { REDIS_URL, sharedRedis } from '../helpers/private-redis.js';

const INSTANCES = Number(process.env.METERFLOW_CLUSTER_INSTANCES ?? 2000);
const POLLS = Number(process.env.METERFLOW_CLUSTER_POLLS ?? 5);
/**
 * Notifications/s (each carries ~11 samples). Kept below what the workers process on a 2-core
 * machine shared with the broker, Redis and emit: at 500/s they fell behind, the membership
 * changes drifted past the end of the load, and every step was CPU-starved.
 */
const RATE = Number(process.env.METERFLOW_CLUSTER_RATE ?? 300);
/** `[meterflow] partition_lease_ttl` (seconds) of the workers; unset = the agent's default. */
const LEASE_TTL = process.env.METERFLOW_CLUSTER_LEASE_TTL ? Number(process.env.METERFLOW_CLUSTER_LEASE_TTL) : undefined;
const P = 8;
const BATCH = 50;
/**
 * The inputs one stage-2 batch can hold: up to 10 partition messages (the stage-2 listener's batch
 * size), each carrying its partition's share of one stage-1 batch of BATCH notifications.
 */
const STAGE2_BATCH_INPUTS = 10 * BATCH;
const SETTLE_MS = 5000;
const SECRET = 'cluster-proof-secret';
const NEWTON_PIPELINE = `${CEILOMETER_NEWTON}pipeline.yaml`;
const METERS = `${CEILOMETER_19}meters.yaml`;

/** Newton's partitioned pipelines (the sinks with transformers) and the meters each publishes. */
const PARTITIONED: { pipeline: string; publishes: RegExp }[] = [
  { pipeline: 'cpu_source:cpu_sink', publishes: /^cpu_util$/ },
  { pipeline: 'cpu_source:cpu_delta_sink', publishes: /^cpu\.delta$/ },
  { pipeline: 'disk_source:disk_sink', publishes: /^disk\..*\.rate$/ },
  { pipeline: 'network_source:network_sink', publishes: /^network\..*\.rate$/ },
];
const PIPELINES = PARTITIONED.map((x) => x.pipeline);
const REFS = PIPELINES.flatMap((pipeline) => Array.from({ length: P }, (_, p) => refKey(pipeline, p)));

/** The (pipeline, partition) whose stage 2 published a point, or null for meter_sink's (stage 1). */
function partitionOfPoint(key: string): string | null {
  const [name, resource] = key.split('\u001f') as [string, string];
  const entry = PARTITIONED.find((x) => x.publishes.test(name));
  return entry ? refKey(entry.pipeline, partitionOf([resource], P)) : null;
}

// Two runs of ~40 s each with the generation and the replay: more than tap's default file timeout.
t.setTimeout(300_000);
t.comment('timeout=300000');

interface Fixture {
  /** Oslo envelopes, one per line, in the order they are sent. */
  input: string;
  /** Point key → value, from `meterflow replay` on one node. */
  expected: Map<string, string>;
  expectedLines: number;
}

let fixture: Promise<Fixture> | undefined;

/** Generate the inputs and the single-node series once for both runs. */
function prepare(): Promise<Fixture> {
  fixture ??= (async () => {
    const dir = tempDir(t, 'meterflow-cluster-fixture-');
    const input = join(dir, 'notifications.jsonl');
    const fd = openSync(input, 'w');
    const emit = spawn(
      process.execPath,
      [BIN, 'emit', '--scenario', 'polling', '--instances', String(INSTANCES), '--polls', String(POLLS), '--dry-run'],
      { stdio: ['ignore', fd, 'pipe'], env: childEnv() },
    );
    const [code] = await once(emit, 'exit');
    closeSync(fd);
    if (code !== 0) throw new Error(`emit --dry-run exited ${code}`);
    const pipeline = join(dir, 'pipeline.yaml');
    writeFileSync(pipeline, pipelineWithFileOutput(NEWTON_PIPELINE, join(dir, 'unused.jsonl')));
    const output = join(dir, 'expected.jsonl');
    const replay = await runCli([
      'replay',
      '--pipeline',
      pipeline,
      '--meters',
      METERS,
      '--input',
      input,
      '--output',
      output,
    ]);
    if (replay.code !== 0) throw new Error(`replay exited ${replay.code}: ${replay.stderr}`);
    const expected = new Map<string, string>();
    let expectedLines = 0;
    forEachLine(output, (line) => {
      expectedLines++;
      const point = pointOf(JSON.parse(line) as Record<string, unknown>);
      const key = pointKey(point);
      if (expected.has(key)) throw new Error(`replay published ${key} twice: points are not identified by key`);
      expected.set(key, point.value);
    });
    return { input, expected, expectedLines };
  })();
  return fixture;
}

interface Run {
  changes: Change[];
  intervals: Interval[];
  logProblems: string[];
  killed: Set<string>;
  published: Point[];
  endOfRun: number;
  workers: ClusterWorker[];
}

/** The scenario on a fresh vhost and group; `redis` given = kill and restart it once mid-run. */
async function scenario(t: Test, fx: Fixture, redisUrl: string, group: string, redis?: PersistentRedis): Promise<Run> {
  const { url, vhost } = await privateVhost(t);
  const dir = tempDir(t, 'meterflow-cluster-');
  const cluster: ClusterOptions = {
    dir,
    amqpUrl: url,
    redisUrl,
    group,
    prefix: unique('mfc'),
    partitions: P,
    batchSize: BATCH,
    batchTimeout: 0.1,
    pipeline: NEWTON_PIPELINE,
    meters: METERS,
    secret: SECRET,
    ...(LEASE_TTL === undefined ? {} : { leaseTtl: LEASE_TTL }),
  };
  const workers: ClusterWorker[] = [];
  const changes: Change[] = [];
  const counter = new LineCounter();
  // A SIGKILLed worker never logs `stopped`: only the living own partitions.
  const events = () => workers.filter((w) => w.alive).flatMap((w) => w.partitionEvents);
  const live = () => workers.filter((w) => w.alive);
  const progress = () => counter.count(workers.map((w) => w.output)) / fx.expectedLines;
  const diagnostics = () => {
    const owners = [...currentOwners(events())].map(([k, s]) => `${k}=${[...s].join(',')}`).join(' ');
    const logs = workers
      .map((w) => `--- ${w.name} (pid ${w.pid}) ---\n${w.tail(15, (line) => !line.includes('Negative delta'))}`)
      .join('\n');
    return `progress ${(progress() * 100).toFixed(1)} %; owners: ${owners}\n${logs}`;
  };
  const start = (name: string) => {
    const w = ClusterWorker.start(t, cluster, name);
    workers.push(w);
    return w;
  };
  /** A join is a membership change from the moment the new member is in the group (not its process start). */
  const addWorker = async (name: string) => {
    const w = start(name);
    await settled(`${name} joined`);
    const joined = w.joinedAt ?? w.spawnedAt;
    changes.push({ label: `${name} joins`, at: joined });
    t.comment(`${name}: ${joined - w.spawnedAt} ms from process start to joining the group`);
    return w;
  };
  const settled = (label: string) =>
    until(
      `${label}: every partition owned once, balanced over ${live().map((w) => w.name)}`,
      () =>
        balanced(
          currentOwners(events()),
          PIPELINES,
          P,
          live().map((w) => w.name),
        ),
      30_000,
      diagnostics,
    );
  const reach = (fraction: number) =>
    until(`${fraction * 100} % of the outputs`, () => progress() >= fraction, 120_000, diagnostics, 100);

  const w1 = start('w1');
  const w2 = await addWorker('w2');
  await until('both workers consuming notifications', () => w1.isStarted && w2.isStarted, 30_000, diagnostics);
  const emit = startEmit(t, { url, input: fx.input, rate: RATE, exchange: 'ceilometer' });
  const emitting = () => emit.child.exitCode === null && emit.child.signalCode === null;
  const quiet: string[] = [];
  const during = (label: string) => {
    if (!emitting()) quiet.push(label);
  };

  // Outputs trail the load (the Redis outage pauses stage 2; a joining process takes seconds to
  // start on 2 busy cores), so the changes are spread over the first 60 % of the outputs, which
  // keeps the last join inside the ~33 s of load.
  await reach(0.12);
  during('w3 joins');
  await addWorker('w3');

  if (redis) {
    await reach(0.24);
    during('redis restart');
    changes.push({ label: 'redis down', at: await redis.kill() });
    await until(
      'every worker stopped consuming its partitions (Redis down)',
      () => [...currentOwners(events()).values()].every((s) => s.size === 0),
      10_000,
      diagnostics,
    );
    changes.push({ label: 'redis back', at: await redis.start() });
    await settled('Redis back');
  }

  await reach(0.36);
  during('w1 SIGTERM');
  changes.push({ label: 'w1 SIGTERM', at: Date.now() });
  const left = await w1.stop();
  t.equal(left.code, 0, 'the leaving worker exits 0 after SIGTERM');
  await settled('w1 left');

  await reach(0.48);
  during('w2 SIGKILL');
  changes.push({ label: 'w2 SIGKILL', at: Date.now() });
  await w2.kill();
  await settled('w2 killed');

  await reach(0.6);
  during('w4 joins');
  await addWorker('w4');

  t.same(quiet, [], 'every change happened while the load ran');
  const emitted = await emit.exited;
  t.equal(emitted.code, 0, `emit sent everything: ${emitted.stderr.trim().split('\n').pop()}`);
  // Everything is somewhere until acked: the queues are empty (ready + unacked) only when done.
  const queues = await until(
    'every queue drained',
    async () => {
      const qs = await listQueues(vhost);
      return qs.every((q) => q.name === 'meterflow.dead-letter' || q.messages === 0) && qs;
    },
    120_000,
    diagnostics,
    500,
  );
  const endOfRun = Date.now();
  const partitionQueues = (await queueConsumers(vhost)).filter((q) => q.name.startsWith(`${cluster.prefix}-pipe-`));
  t.equal(partitionQueues.length, REFS.length, `${REFS.length} partition queues`);
  t.same(
    partitionQueues
      .filter((q) => q.consumers !== 1 || q.exclusiveTag === '')
      .map((q) => `${q.name}: ${q.consumers} consumers, exclusive '${q.exclusiveTag}'`),
    [],
    'the broker sees exactly one consumer on each partition queue, an exclusive one',
  );
  t.notOk(
    queues.find((q) => q.name === 'meterflow.dead-letter' && Number(q.messages) > 0),
    'nothing dead-lettered',
  );
  for (const w of live()) t.equal((await w.stop()).code, 0, `${w.name} exits 0 after SIGTERM`);

  const keep = process.env.METERFLOW_CLUSTER_LOGS;
  if (keep) {
    for (const w of workers) writeFileSync(join(keep, `${group}-${w.name}.log`), `${w.lines.join('\n')}\n`);
    writeFileSync(join(keep, `${group}-changes.json`), JSON.stringify(changes, null, 2));
  }
  const intervals: Interval[] = [];
  const logProblems: string[] = [];
  for (const w of workers) {
    const killed = w.exit?.signal === 'SIGKILL';
    const r = intervalsOf(w.name, w.partitionEvents, w.exit?.at ?? Date.now(), killed ? 'killed' : 'exited');
    intervals.push(...r.intervals);
    logProblems.push(...r.problems);
    if (!killed) {
      for (const i of r.intervals.filter((x) => x.reason === 'exited')) {
        logProblems.push(`${w.name} exited without logging 'partition stopped' for ${refKey(i.pipeline, i.partition)}`);
      }
    }
  }
  const killed = new Set(
    intervals.filter((i) => i.worker === 'w2' && i.reason === 'killed').map((i) => refKey(i.pipeline, i.partition)),
  );
  const published: Point[] = [];
  for (const w of workers) {
    forEachLine(w.output, (line) => published.push(pointOf(JSON.parse(line) as Record<string, unknown>)));
  }
  return { changes, intervals, logProblems, killed, published, endOfRun, workers };
}

/** Assertions 1–3 over a finished run. */
function verify(t: Test, fx: Fixture, run: Run): void {
  // 3. ownership, from the logs
  t.same(run.logProblems, [], 'each worker logs consuming/stopped in pairs with the same epoch');
  t.same(
    [...new Set(run.intervals.map((i) => i.pipeline))].sort(),
    [...PIPELINES].sort(),
    'exactly the pipelines with transformers are partitioned',
  );
  t.same(overlaps(run.intervals), [], 'at every moment each partition had at most one consumer');
  t.same(epochRegressions(run.intervals), [], 'each new owner of a partition has a higher epoch');
  t.ok(run.killed.size > 0, `the SIGKILLed worker held ${run.killed.size} partitions`);
  for (const s of settleTimes(run.intervals, REFS, run.changes, run.endOfRun)) {
    if (s.change.label === 'redis down') continue;
    t.same(s.unowned, [], `${s.change.label}: every partition owned until the next change`);
    t.ok(s.ms <= SETTLE_MS, `${s.change.label}: all partitions owned again after ${s.ms} ms (last: ${s.last})`);
  }

  // 1 and 2. outputs against the single-node replay
  const cmp = comparePoints(fx.expected, run.published);
  t.comment(
    `${run.published.length} publications, ${cmp.matched} points as replayed, ${cmp.duplicates} repeats (at-least-once)`,
  );
  t.same(cmp.missing.slice(0, 20), [], `every input produced its outputs (${cmp.missing.length} missing)`);
  t.same(cmp.extra.slice(0, 20), [], `nothing published that the replay does not publish (${cmp.extra.length} extra)`);
  const inBatch = new Map<string, Set<string>>();
  const unexplained = cmp.differing.filter((d) => {
    const ref = partitionOfPoint(d.key);
    if (ref === null || !run.killed.has(ref)) return true;
    const [, resource, timestamp] = d.key.split('\u001f') as [string, string, string];
    const inputs = inBatch.get(ref) ?? new Set<string>();
    inputs.add(`${resource} ${timestamp}`);
    inBatch.set(ref, inputs);
    return false;
  });
  t.same(unexplained.slice(0, 20), [], 'every series equals the single-node replay point for point');
  t.same(
    [...inBatch]
      .filter(([, inputs]) => inputs.size > STAGE2_BATCH_INPUTS)
      .map(([ref, inputs]) => `${ref}: ${inputs.size}`),
    [],
    `points differing in the SIGKILLed worker's partitions come from at most one batch each (${cmp.differing.length} differ)`,
  );
  const cpu = [...fx.expected.keys()].filter((k) => k.startsWith('cpu_util\u001f')).length;
  t.ok(cpu >= INSTANCES * (POLLS - 1), `${cpu} cpu_util points compared`);
}

t.test('partitioned cluster: join, graceful leave, SIGKILL, join', async (t) => {
  if (!(await requireBroker(t))) return;
  const shared = await sharedRedis(t);
  if (!shared) return;
  const fx = await prepare();
  const group = unique('mf-cluster');
  shared.forget(group);
  const started = Date.now();
  const run = await scenario(t, fx, REDIS_URL, group);
  t.comment(`scenario ran ${((Date.now() - started) / 1000).toFixed(1)} s`);
  verify(t, fx, run);
});

t.test('partitioned cluster with a Redis restart (append-only file) during the run', async (t) => {
  if (!(await requireBroker(t))) return;
  if (!(await sharedRedis(t))) return;
  const fx = await prepare();
  const redis = await persistentRedis(t, tempDir(t, 'meterflow-cluster-redis-'));
  const started = Date.now();
  const run = await scenario(t, fx, redis.url, unique('mf-cluster'), redis);
  t.comment(`scenario ran ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const downs = run.intervals.filter((i) => i.reason === 'redis-down').length;
  t.ok(downs > 0, `${downs} partitions stopped with reason redis-down`);
  verify(t, fx, run);
});
