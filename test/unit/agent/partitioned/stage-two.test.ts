import { Registry } from 'prom-client';
import t from 'tap';
import { encodeSamples } from '../../../../src/agent/partitioned/codec.js';
import { createPartitionedMetrics } from '../../../../src/agent/partitioned/metrics.js';
import { StageTwo } from '../../../../src/agent/partitioned/stage-two.js';
import type { BatchOutcome, Delivery } from '../../../../src/messaging/types.js';
import type { Sample } from '../../../../src/model/index.js';
import { MemoryLogger } from '../../../../src/observability/logger.js';
import {
  type PartitionRef,
  partitionQueue,
  CorruptStateError,
  StaleEpochError,
  StateRefusedError,
} from '../../../../src/partitioning/index.js';
import type { ReleaseReason } from '../../../../src/partitioning/index.js';
import { testPublisherStore } from '../../../../src/publishers/index.js';
import { buildManager, cpu, delivery, FakeListener, FakeStore, RATE, SECRET, sample, withoutIds } from './fixtures.js';

const PREFIX = 'mf';
const REF: PartitionRef = { pipeline: RATE, partition: 2 };
const QUEUE = partitionQueue(PREFIX, RATE, 2);

interface SetupOptions {
  rateQuery?: string;
  maxAttempts?: number;
  backoffMs?: (attempt: number) => number;
  startTimeoutMs?: number;
  maxContextSamples?: number;
}

function setup(t: { teardown(fn: () => void): void }, options: SetupOptions = {}) {
  const built = buildManager(t, options.rateQuery);
  const store = new FakeStore();
  const listeners: FakeListener[] = [];
  const registry = new Registry();
  const logger = new MemoryLogger();
  const hooks: { onStart?: () => void | Promise<void> } = {};
  const stageTwo = new StageTwo({
    manager: built.manager,
    store,
    listenerFor: (queue) => {
      const listener = new FakeListener(queue);
      if (hooks.onStart) listener.onStart = hooks.onStart;
      listeners.push(listener);
      return listener;
    },
    prefix: PREFIX,
    telemetrySecret: SECRET,
    metrics: createPartitionedMetrics(registry),
    logger,
    backoffMs: options.backoffMs ?? (() => 0),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
    ...(options.maxContextSamples === undefined ? {} : { maxContextSamples: options.maxContextSamples }),
  });
  /** What the previous owner left: the rate transformer having seen `samples`. */
  const seed = (samples: Sample[], ref = REF, epoch = 3) => {
    const previous = built.manager.freshSink(RATE);
    for (const s of samples) previous.transformers[0]!.handle(s);
    store.put(ref, epoch, { 0: previous.transformers[0]!.snapshot() });
  };
  const published = () => testPublisherStore(built.rate).samples;
  return { ...built, store, listeners, registry, logger, hooks, stageTwo, seed, published };
}

/** One partition message per list of samples, signed as stage 1 signs them. */
const batchOf = (...messages: Sample[][]): Delivery[] => messages.map((m) => delivery(encodeSamples(m, SECRET), QUEUE));

const rates = (samples: readonly Sample[]) => samples.map((s) => [s.name, s.resource_id, Number(s.volume.valueOf())]);

const acked = (batch: Delivery[]): BatchOutcome => ({ ack: batch, retry: [], deadLetter: [], requeue: [] });

t.test('onAcquire restores the stored state into fresh transformers, then consumes the queue', async (t) => {
  const s = setup(t);
  s.seed([cpu('r1', 100e9, 0)]);
  let loggedBeforeStart = false;
  s.hooks.onStart = () => {
    loggedBeforeStart = s.logger.records.some((r) => r.msg === 'partition consuming');
  };
  await s.stageTwo.onAcquire(REF, 4);
  t.equal(s.listeners.length, 1);
  const [listener] = s.listeners;
  t.equal(listener!.queue, QUEUE, 'the partition queue');
  t.same(listener!.calls, ['start']);
  t.ok(loggedBeforeStart, "'partition consuming' is logged before the consumer starts");
  t.match(
    s.logger.records.find((r) => r.msg === 'partition consuming'),
    { level: 'info', component: 'stage-2', pipeline: RATE, partition: 2, epoch: 4, queue: QUEUE },
  );
  t.same(s.stageTwo.consuming, [`${RATE}/2`]);

  const batch = batchOf([cpu('r1', 160e9, 60)]);
  t.same(await listener!.deliver(batch), acked(batch));
  t.same(rates(s.published()), [['cpu_rate', 'r1', 1e9]], 'a rate from the stored point: 60e9 ns over 60 s');
  t.equal(s.store.writes.length, 1, 'checkpointed');
  t.match(s.store.writes[0], { ref: REF, epoch: 4, full: false, changes: { 0: { kind: 'rate_of_change' } } });
  t.match(
    await s.registry.metrics(),
    new RegExp(`meterflow_partition_samples_processed_total\\{pipeline="${RATE}"\\} 1\\n`),
  );
  t.match(await s.registry.metrics(), /meterflow_partition_checkpoint_seconds_count 1\n/);
});

t.test('without stored state the transformers start empty; each partition has its own', async (t) => {
  const s = setup(t);
  s.seed([cpu('r1', 100e9, 0)]);
  const other: PartitionRef = { pipeline: RATE, partition: 3 };
  await s.stageTwo.onAcquire(REF, 4);
  await s.stageTwo.onAcquire(other, 9);
  t.same(s.stageTwo.consuming, [`${RATE}/2`, `${RATE}/3`]);
  const [two, three] = s.listeners;
  t.equal(three!.queue, partitionQueue(PREFIX, RATE, 3));
  const batch = batchOf([cpu('r1', 160e9, 60)]);
  t.same(await three!.deliver(batch), acked(batch));
  t.same(s.published(), [], 'partition 3 had never seen r1: the first point is only stored');
  t.match(s.store.writes[0], { ref: other, epoch: 9 });
  t.equal((await two!.deliver(batchOf([cpu('r1', 220e9, 120)]))).ack.length, 1);
  t.same(rates(s.published()), [['cpu_rate', 'r1', 1e9]], "partition 2's state is not partition 3's");
});

t.test('a stored state of another transformer: started empty, replaced whole at the first checkpoint', async (t) => {
  const s = setup(t);
  s.store.put(REF, 1, { 0: { kind: 'delta', entries: { stale: 1 } } });
  await s.stageTwo.onAcquire(REF, 2);
  t.ok(s.logger.records.some((r) => r.level === 'error' && /cannot be restored/.test(r.msg)));
  t.match(String(s.logger.records.find((r) => /cannot be restored/.test(r.msg))?.error), /'delta' state/);
  const batch = batchOf([cpu('r1', 100e9, 0)]);
  t.same(await s.listeners[0]!.deliver(batch), acked(batch));
  t.same(s.published(), []);
  t.equal(s.store.writes[0]?.full, true, 'the first checkpoint replaces the unusable state');
  t.notOk(s.store.entries(REF)?.stale, "the other transformer's entries are gone");
  t.equal(Object.keys(s.store.entries(REF) ?? {}).length, 1, "only this transformer's entry for r1");
  const next = batchOf([cpu('r1', 160e9, 60)]);
  t.same(await s.listeners[0]!.deliver(next), acked(next));
  t.equal(s.store.writes[1]?.full, false, 'then deltas again');
  t.match(await s.registry.metrics(), new RegExp(`state_unrestorable_total\\{pipeline="${RATE}"\\} 1\\n`));
});

t.test('unreadable stored state (CorruptStateError): the partition is consumed anyway, starting empty', async (t) => {
  const s = setup(t);
  s.store.failLoads.push(new CorruptStateError(REF, 'entry r1'));
  await s.stageTwo.onAcquire(REF, 2);
  t.same(s.stageTwo.consuming, [`${RATE}/2`]);
  const batch = batchOf([cpu('r1', 100e9, 0)]);
  t.same(await s.listeners[0]!.deliver(batch), acked(batch));
  t.equal(s.store.writes[0]?.full, true);
});

t.test('several messages are one publish context; the outcome acks them after the checkpoint', async (t) => {
  const s = setup(t);
  await s.stageTwo.onAcquire(REF, 4);
  const batch = batchOf(
    [cpu('r1', 100e9, 0), cpu('r2', 0, 0)],
    [cpu('r1', 160e9, 60)],
    [cpu('r2', 30e9, 60), cpu('r1', 280e9, 120)],
  );
  const outcome = await s.listeners[0]!.deliver(batch);
  t.same(outcome, acked(batch));
  t.equal(s.store.writes.length, 1, 'one checkpoint for the batch, written before the outcome');
  t.same(rates(s.published()), [
    ['cpu_rate', 'r1', 1e9],
    ['cpu_rate', 'r2', 0.5e9],
    ['cpu_rate', 'r1', 2e9],
  ]);
  t.match(await s.registry.metrics(), new RegExp(`processed_total\\{pipeline="${RATE}"\\} 5\\n`));
});

t.test('a batch over maxContextSamples is applied in slices of whole messages, one checkpoint each', async (t) => {
  const s = setup(t, { maxContextSamples: 2 });
  await s.stageTwo.onAcquire(REF, 4);
  const batch = batchOf(
    [cpu('r1', 100e9, 0), cpu('r2', 0, 0)],
    [cpu('r1', 160e9, 60)],
    [cpu('r2', 30e9, 60), cpu('r1', 280e9, 120)],
    [cpu('r2', 90e9, 120), cpu('r1', 340e9, 180), cpu('r2', 150e9, 180)],
  );
  const outcome = await s.listeners[0]!.deliver(batch);
  t.same(outcome, acked(batch));
  t.equal(s.store.writes.length, 4, 'slices [2], [1], [2], [3]: a message is never split');
  t.same(rates(s.published()), [
    ['cpu_rate', 'r1', 1e9],
    ['cpu_rate', 'r2', 0.5e9],
    ['cpu_rate', 'r1', 2e9],
    ['cpu_rate', 'r2', 1e9],
    ['cpu_rate', 'r1', 1e9],
    ['cpu_rate', 'r2', 1e9],
  ]);
});

t.test('a release during a slice: that slice is finished and acked, the rest goes back in place', async (t) => {
  const s = setup(t, { maxContextSamples: 2 });
  await s.stageTwo.onAcquire(REF, 4);
  const batch = batchOf([cpu('r1', 100e9, 0), cpu('r2', 0, 0)], [cpu('r1', 160e9, 60)], [cpu('r2', 30e9, 60)]);
  let release: Promise<void> | undefined;
  s.store.beforeWrite = () => {
    release ??= s.stageTwo.onRelease(REF, 'moved');
  };
  const outcome = await s.listeners[0]!.deliver(batch);
  await release;
  t.same(outcome.ack, batch.slice(0, 1), 'the first slice, checkpointed, is acked');
  t.same(outcome.requeue, batch.slice(1), 'the rest is requeued for the next owner');
  t.equal(s.store.writes.length, 1);
  t.same(rates(s.published()), [], 'the first slice (first points only) published nothing');
  const next = setup(t);
  next.store.put(REF, 4, s.store.writes[0]!.changes);
  await next.stageTwo.onAcquire(REF, 5);
  await next.listeners[0]!.deliver(batch.slice(1));
  t.same(
    rates(next.published()),
    [
      ['cpu_rate', 'r1', 1e9],
      ['cpu_rate', 'r2', 0.5e9],
    ],
    'the next owner continues from the checkpoint',
  );
});

t.test('a forged message is dead-lettered alone, before it can touch the state', async (t) => {
  const s = setup(t);
  await s.stageTwo.onAcquire(REF, 4);
  const [first, last] = batchOf([cpu('r1', 100e9, 0)], [cpu('r1', 160e9, 60)]);
  const forged = delivery(encodeSamples([cpu('r2', 1, 0), cpu('r1', 1e15, 30)], 'not-the-secret'), QUEUE);
  const junk = delivery(Buffer.from('{"not": json}'), QUEUE);
  const batch = [first!, forged, junk, last!];
  const outcome = await s.listeners[0]!.deliver(batch);
  t.same(outcome.ack, [first, last], 'the others are acked');
  t.same(
    outcome.deadLetter.map((d) => [batch.indexOf(d.delivery), d.reason]),
    [
      [1, 'bad_signature'],
      [2, 'invalid_partition_message'],
    ],
  );
  t.match(outcome.deadLetter[0]?.error, /sample 0: message_signature does not match/);
  t.same(outcome.retry, []);
  t.same(outcome.requeue, []);
  t.same(rates(s.published()), [['cpu_rate', 'r1', 1e9]], 'the forged r1 point at 30 s was never applied');
  const stored = Object.keys(s.store.entries(REF) ?? {});
  t.equal(stored.length, 1, 'only r1 is in the checkpoint');
  t.notOk(
    stored.some((k) => k.includes('r2')),
    'the forged r2 sample left no state',
  );
  const metrics = await s.registry.metrics();
  t.match(
    metrics,
    new RegExp(`meterflow_partition_messages_dead_lettered_total\\{pipeline="${RATE}",reason="bad_signature"\\} 1\\n`),
  );
  t.match(metrics, new RegExp(`dead_lettered_total\\{pipeline="${RATE}",reason="invalid_partition_message"\\} 1\\n`));
  t.ok(s.logger.records.some((r) => r.msg === 'partition message refused' && r.reason === 'bad_signature'));

  const onlyForged = await s.listeners[0]!.deliver([forged]);
  t.same(onlyForged.ack, []);
  t.equal(onlyForged.deadLetter.length, 1);
  t.equal(s.store.writes.length, 1, 'a batch with nothing accepted writes nothing');
});

/** A batch for a partition that saw r1 at 0 s: r1 twice more, r2 twice (its first point is only stored). */
const retriedBatch = () =>
  batchOf([cpu('r1', 160e9, 60), cpu('r2', 10e9, 60)], [cpu('r1', 220e9, 120), cpu('r2', 40e9, 90)]);

/** The partition with r1 seen at 0 s, `batch` delivered until acked (at most `tries` times). */
async function runToAck(t: { teardown(fn: () => void): void }, rateQuery: string, batch: Delivery[], tries = 3) {
  const s = setup(t, { rateQuery });
  s.seed([cpu('r1', 100e9, 0)]);
  await s.stageTwo.onAcquire(REF, 5);
  const outcomes: BatchOutcome[] = [];
  const writesAfter: number[] = [];
  for (let i = 0; i < tries; i++) {
    const outcome = await s.listeners[0]!.deliver(batch);
    outcomes.push(outcome);
    writesAfter.push(s.store.writes.length);
    if (outcome.ack.length > 0) break;
  }
  return { s, outcomes, writesAfter };
}

t.test('a publisher failure is retried in place from the last checkpoint: the retry computes the same', async (t) => {
  const batch = retriedBatch();
  const clean = await runToAck(t, '', batch);
  const failing = await runToAck(t, '?fail=1', batch);
  t.equal(clean.outcomes.length, 1);
  const { outcomes, s } = failing;
  t.same(outcomes, [acked(batch)], 'one delivery of the batch, acked after the retry inside the handler');
  t.same(failing.writesAfter, [1], 'one checkpoint: nothing was written for the failed attempt');
  t.same(withoutIds(s.published()), withoutIds(clean.s.published()), 'exactly the output of an uninterrupted run');
  t.same(rates(s.published()), [
    ['cpu_rate', 'r1', 1e9],
    ['cpu_rate', 'r1', 1e9],
    ['cpu_rate', 'r2', 1e9],
  ]);
  t.same(s.store.entries(REF), clean.s.store.entries(REF), 'and the same checkpoint');
  t.match(await s.registry.metrics(), new RegExp(`meterflow_partition_rollbacks_total\\{pipeline="${RATE}"\\} 1\\n`));
  t.ok(s.logger.records.some((r) => r.msg === 'partition batch failed' && r.attempt === 1));
});

t.test('publishers failing maxAttempts times for one batch dead-letter it as retries_exhausted', async (t) => {
  const backoffs: number[] = [];
  const s = setup(t, {
    rateQuery: '?fail=3',
    maxAttempts: 3,
    backoffMs: (attempt) => {
      backoffs.push(attempt);
      return 0;
    },
  });
  s.seed([cpu('r1', 100e9, 0)]);
  await s.stageTwo.onAcquire(REF, 5);
  const batch = batchOf([cpu('r1', 400e9, 60)], [cpu('r2', 1, 60)]);
  const last = await s.listeners[0]!.deliver(batch);
  t.same(backoffs, [1, 2], 'a backoff between attempts, by attempt');
  t.same(last.ack, []);
  t.same(last.requeue, []);
  t.same(
    last.deadLetter.map((d) => [batch.indexOf(d.delivery), d.reason]),
    [
      [0, 'retries_exhausted'],
      [1, 'retries_exhausted'],
    ],
  );
  t.match(last.deadLetter[0]?.error, /injected failure.*\(3 attempts\)/);
  t.equal(s.store.writes.length, 0);
  t.match(
    await s.registry.metrics(),
    new RegExp(`messages_dead_lettered_total\\{pipeline="${RATE}",reason="retries_exhausted"\\} 1\\n`),
  );

  // The publisher works again: the next batch starts from the last checkpoint, not from the
  // dead-lettered batch (400e9 at 60 s would make 220e9 at 120 s a counter reset).
  const next = batchOf([cpu('r1', 220e9, 120)]);
  t.same(await s.listeners[0]!.deliver(next), acked(next));
  t.same(rates(s.published()), [['cpu_rate', 'r1', 1e9]]);
  t.match(await s.registry.metrics(), new RegExp(`rollbacks_total\\{pipeline="${RATE}"\\} 3\\n`));
});

t.test('the attempt count is per batch', async (t) => {
  const s = setup(t, { rateQuery: '?fail=always', maxAttempts: 2 });
  s.seed([cpu('r1', 100e9, 0)]);
  await s.stageTwo.onAcquire(REF, 5);
  const batch = batchOf([cpu('r1', 160e9, 60)]);
  const reasons: string[] = [];
  for (let i = 0; i < 2; i++) reasons.push((await s.listeners[0]!.deliver(batch)).deadLetter[0]?.reason ?? 'ack');
  t.same(reasons, ['retries_exhausted', 'retries_exhausted'], 'each batch gets its own maxAttempts');
  t.equal(s.logger.records.filter((r) => r.msg === 'partition batch failed').length, 4);
});

t.test('a failed checkpoint is retried in place; the store ends as an uninterrupted run leaves it', async (t) => {
  const batch = retriedBatch();
  const clean = await runToAck(t, '', batch);
  const s = setup(t);
  s.seed([cpu('r1', 100e9, 0)]);
  await s.stageTwo.onAcquire(REF, 5);
  s.store.failWrites.push(new Error('READONLY You can’t write against a read only replica'));
  const loadsBefore = s.store.loads;
  t.same(await s.listeners[0]!.deliver(batch), acked(batch), 'acked once the checkpoint was written');
  t.ok(
    s.logger.records.some(
      (r) => r.msg === 'partition batch failed' && /checkpoint failed: READONLY/.test(String(r.error)),
    ),
  );
  t.equal(s.store.loads, loadsBefore + 1, 'the state was reloaded from the last checkpoint');
  t.equal(s.store.writes.length, 1);
  t.same(s.store.entries(REF), clean.s.store.entries(REF), 'the checkpoint an uninterrupted run writes');
  t.same(
    withoutIds(s.published().slice(s.published().length / 2)),
    withoutIds(clean.s.published()),
    'the retry publishes what the first attempt did (at least once)',
  );

  // Later batches go on from there, as deltas on top of that checkpoint.
  const next = batchOf([cpu('r2', 100e9, 150)]);
  t.same(await s.listeners[0]!.deliver(next), acked(next));
  t.equal(s.store.writes[1]?.full, false);
  t.same(Object.keys(s.store.writes[1]!.changes[0]!.entries).length, 1, 'only the entry that changed');
});

t.test('a checkpoint the state script keeps refusing is dead-lettered as state_refused', async (t) => {
  const s = setup(t, { maxAttempts: 3 });
  s.seed([cpu('r1', 100e9, 0)]);
  await s.stageTwo.onAcquire(REF, 5);
  const refusal = () => new StateRefusedError(REF, 'ERR user_script:16: invalid unicode escape code');
  // Redis trouble in between is retried as before and does not count towards maxAttempts.
  s.store.failWrites.push(refusal(), new Error('Connection is closed.'), refusal(), refusal());
  const batch = batchOf([cpu('r1', 160e9, 60)], [cpu('r2', 1, 60)]);
  const outcome = await s.listeners[0]!.deliver(batch);
  t.same(outcome.ack, []);
  t.same(
    outcome.deadLetter.map((d) => [batch.indexOf(d.delivery), d.reason]),
    [
      [0, 'state_refused'],
      [1, 'state_refused'],
    ],
  );
  t.match(outcome.deadLetter[0]?.error, /checkpoint failed: state write of .* refused: .*\(3 attempts\)/);
  t.equal(s.logger.records.filter((r) => r.msg === 'partition batch failed').length, 4);
  t.ok(s.logger.records.some((r) => r.msg === 'partition batch dead-lettered' && r.reason === 'state_refused'));
  t.match(
    await s.registry.metrics(),
    new RegExp(`messages_dead_lettered_total\\{pipeline="${RATE}",reason="state_refused"\\} 1\\n`),
  );
  t.equal(s.store.writes.length, 0);

  // The next batch starts from the last checkpoint, without the dead-lettered samples.
  const next = batchOf([cpu('r1', 340e9, 120)]);
  t.same(await s.listeners[0]!.deliver(next), acked(next));
  t.same(rates(s.published()).slice(-1), [['cpu_rate', 'r1', 2e9]], '(340e9 - 100e9) / 120 s, not from 160e9 at 60 s');
});

t.test('a refusal that goes away is retried in place and acked', async (t) => {
  const s = setup(t);
  await s.stageTwo.onAcquire(REF, 5);
  s.store.failWrites.push(new StateRefusedError(REF, 'ERR user_script:1: out of memory'));
  const batch = batchOf([cpu('r1', 1, 0)]);
  t.same(await s.listeners[0]!.deliver(batch), acked(batch));
  t.equal(s.store.writes.length, 1);
});

t.test('a checkpoint applied but reported failed (reply lost): the retry is recognised as a replay', async (t) => {
  const batch = retriedBatch();
  const clean = await runToAck(t, '', batch);
  const s = setup(t);
  s.seed([cpu('r1', 100e9, 0)]);
  await s.stageTwo.onAcquire(REF, 5);
  s.store.failAfterApply.push(new Error('Connection is closed.'));
  t.same(await s.listeners[0]!.deliver(batch), acked(batch));
  t.same(withoutIds(s.published()), withoutIds(clean.s.published()), 'the first attempt published everything');
  t.same(s.store.entries(REF), clean.s.store.entries(REF), 'the checkpoint of one application of the batch');
  t.equal(s.store.writes.length, 1, 'the retry had nothing new to write');
});

t.test('a stale epoch stops the consumer at once and requeues without waiting', async (t) => {
  const backoffs: number[] = [];
  const s = setup(t, {
    backoffMs: (attempt) => {
      backoffs.push(attempt);
      return 60_000;
    },
  });
  await s.stageTwo.onAcquire(REF, 4);
  s.store.failWrites.push(new StaleEpochError(REF, 4, 5));
  const batch = batchOf([cpu('r1', 1, 0)]);
  const outcome = await s.listeners[0]!.deliver(batch);
  t.same(s.listeners[0]!.calls, ['start', 'abort'], 'listener.abort called');
  t.same(outcome.requeue, batch, 'requeued (the aborted listener leaves it to the broker anyway)');
  t.same(outcome.ack, []);
  t.same(backoffs, [], 'no backoff once the partition is given up');
  t.ok(s.logger.records.some((r) => /checkpoint failed: stale epoch 4/.test(String(r.error))));

  await s.stageTwo.onRelease(REF, 'lost');
  t.same(s.stageTwo.consuming, []);
});

for (const [reason, call] of [
  ['moved', 'stop'],
  ['stopping', 'stop'],
  ['lost', 'abort'],
  ['redis-down', 'abort'],
] as const satisfies readonly (readonly [ReleaseReason, string])[]) {
  t.test(`onRelease('${reason}') → listener.${call}`, async (t) => {
    const s = setup(t);
    await s.stageTwo.onAcquire(REF, 4);
    await s.stageTwo.onRelease(REF, reason);
    t.same(s.listeners[0]!.calls, ['start', call]);
    t.same(s.stageTwo.consuming, []);
    t.match(
      s.logger.records.find((r) => r.msg === 'partition stopped'),
      { level: 'info', pipeline: RATE, partition: 2, epoch: 4, reason, ms: Number },
    );
    await s.stageTwo.onRelease(REF, reason);
    t.same(s.listeners[0]!.calls, ['start', call], 'a second release is a no-op');
    t.equal(s.logger.records.filter((r) => r.msg === 'partition stopped').length, 1);
  });
}

t.test('listener.start rejecting: onAcquire rejects, the listener is aborted, nothing is consumed', async (t) => {
  const s = setup(t);
  s.hooks.onStart = () => {
    throw new Error('ACCESS_REFUSED - queue in exclusive use');
  };
  await t.rejects(s.stageTwo.onAcquire(REF, 4), /exclusive use/);
  t.same(s.listeners[0]!.calls, ['start', 'abort']);
  t.same(s.stageTwo.consuming, []);
  t.match(
    s.logger.records.find((r) => r.msg === 'partition stopped'),
    { reason: 'start-failed', epoch: 4 },
  );
  await s.stageTwo.onRelease(REF, 'moved');
  t.same(s.listeners[0]!.calls, ['start', 'abort'], 'nothing to release afterwards');

  s.hooks.onStart = undefined;
  await s.stageTwo.onAcquire(REF, 5);
  t.same(s.listeners[1]!.calls, ['start']);
  t.same(s.stageTwo.consuming, [`${RATE}/2`], 'a later acquisition works');
});

t.test('a consumer that cannot start in time: onAcquire rejects so the coordinator returns the lease', async (t) => {
  const s = setup(t, { startTimeoutMs: 20 });
  s.hooks.onStart = () => new Promise<void>(() => undefined); // the broker keeps refusing the consume
  await t.rejects(s.stageTwo.onAcquire(REF, 4), /did not start \(another consumer holds it\?\)/);
  t.same(s.listeners[0]!.calls, ['start', 'abort']);
  t.same(s.stageTwo.consuming, []);
});

t.test('released while the consumer is still starting: aborted, and onAcquire rejects', async (t) => {
  const s = setup(t);
  let refuse: (err: Error) => void = () => undefined;
  s.hooks.onStart = () =>
    new Promise<void>((_, reject) => {
      refuse = reject;
    });
  const acquiring = s.stageTwo.onAcquire(REF, 4);
  await new Promise((resolve) => setImmediate(resolve)); // onAcquire is waiting in start()
  t.same(s.listeners[0]!.calls, ['start']);
  t.same(s.stageTwo.consuming, [`${RATE}/2`], 'a starting partition counts as consumed');
  await s.stageTwo.onRelease(REF, 'lost');
  t.same(s.listeners[0]!.calls, ['start', 'abort']);
  refuse(new Error('consumer cancelled before it started')); // what the aborted listener's start does
  await t.rejects(acquiring, /cancelled before it started/);
  t.same(s.stageTwo.consuming, []);
});

t.test('the state cannot be loaded: onAcquire rejects before any consumer exists', async (t) => {
  const s = setup(t);
  s.store.failLoads.push(new Error('ECONNREFUSED'));
  await t.rejects(s.stageTwo.onAcquire(REF, 4), /ECONNREFUSED/);
  t.equal(s.listeners.length, 0);
  t.same(s.stageTwo.consuming, []);
});

t.test('a failed reload after a failed attempt is retried like a checkpoint failure', async (t) => {
  const s = setup(t, { rateQuery: '?fail=1', maxAttempts: 2 });
  s.seed([cpu('r1', 100e9, 0)]);
  await s.stageTwo.onAcquire(REF, 4);
  const batch = batchOf([cpu('r1', 160e9, 60)]);
  s.store.failLoads.push(new Error('ECONNRESET'), new Error('ECONNRESET'));
  t.same(await s.listeners[0]!.deliver(batch), acked(batch), 'state trouble does not count towards maxAttempts');
  t.equal(s.logger.records.filter((r) => /reloading state failed: ECONNRESET/.test(String(r.error))).length, 2);
  t.same(rates(s.published()), [['cpu_rate', 'r1', 1e9]]);
});

t.test('a handler error is retried in place too', async (t) => {
  const s = setup(t);
  await s.stageTwo.onAcquire(REF, 4);
  let thrown = false;
  const original = s.store.write.bind(s.store);
  s.store.write = async (...args: Parameters<typeof original>) => {
    if (!thrown) {
      thrown = true;
      throw new TypeError('boom');
    }
    return original(...args);
  };
  const batch = batchOf([cpu('r1', 1, 0)]);
  t.same(await s.listeners[0]!.deliver(batch), acked(batch));
  t.ok(s.logger.records.some((r) => /boom/.test(String(r.error))));
});

for (const [reason, call] of [
  ['lost', 'abort'],
  ['moved', 'stop'],
] as const) {
  t.test(`a release (${reason}) wakes a failing batch from its backoff and gives it back in place`, async (t) => {
    let waiting: () => void = () => undefined;
    const inBackoff = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const s = setup(t, {
      rateQuery: '?fail=always',
      backoffMs: () => {
        waiting();
        return 60_000;
      },
    });
    s.seed([cpu('r1', 100e9, 0)]);
    await s.stageTwo.onAcquire(REF, 4);
    const batch = batchOf([cpu('r1', 160e9, 60)]);
    const pending = s.listeners[0]!.deliver(batch);
    await inBackoff;
    await s.stageTwo.onRelease(REF, reason);
    t.same((await pending).requeue, batch, 'requeued in place for the next owner');
    t.same(s.listeners[0]!.calls, ['start', call]);
  });
}

t.test('a validly signed but invalid sample is dead-lettered as invalid_sample', async (t) => {
  const s = setup(t);
  await s.stageTwo.onAcquire(REF, 4);
  const [good] = batchOf([cpu('r1', 1, 0)]);
  const [bad] = batchOf([sample({ timestamp: 'yesterday' })]);
  const outcome = await s.listeners[0]!.deliver([bad!, good!]);
  t.same(
    outcome.deadLetter.map((d) => d.reason),
    ['invalid_sample'],
  );
  t.match(outcome.deadLetter[0]?.error, /sample 0: .*timestamp/);
  t.same(outcome.ack, [good]);
});
