import { PassThrough } from 'node:stream';
import t from 'tap';
import { AmqpEmitSink, type EmitMessage, type EmitSink, LineEmitSink, runEmitter } from '../../../src/emit/index.js';
import { MeterflowError } from '../../../src/errors.js';
import { ManualClock } from '../../../src/model/index.js';
import { FakeConfirmPublisher } from '../publishers/fake-confirm.js';

const message = (i: number): EmitMessage => ({
  exchange: 'nova',
  routingKey: 'notifications.info',
  body: Buffer.from(`{"n": ${i}}`),
});

function* messages(n: number): Generator<EmitMessage> {
  for (let i = 0; i < n; i++) yield message(i);
}

/** A sink whose sends wait until released, to observe the in-flight bound. */
class GatedSink implements EmitSink {
  readonly sent: string[] = [];
  inFlight = 0;
  maxSeen = 0;
  private readonly waiting: (() => void)[] = [];

  send(m: EmitMessage): Promise<void> {
    this.inFlight += 1;
    this.maxSeen = Math.max(this.maxSeen, this.inFlight);
    return new Promise((resolve, reject) => {
      this.waiting.push(() => {
        this.inFlight -= 1;
        if (m.body.toString() === '{"n": 3}') reject(new Error('nack'));
        else {
          this.sent.push(m.body.toString());
          resolve();
        }
      });
    });
  }

  releaseAll(): void {
    for (const release of this.waiting.splice(0)) release();
  }

  async close(): Promise<void> {}
}

t.test('bounded in-flight, failures counted, every message settled', async (t) => {
  const sink = new GatedSink();
  const clock = new ManualClock(0);
  const errors: unknown[] = [];
  const timer = setInterval(() => sink.releaseAll(), 1);
  const stats = await runEmitter(messages(50), sink, {
    maxInFlight: 4,
    clock,
    sleep: async () => {},
    onError: (e) => errors.push(e),
  });
  clearInterval(timer);
  t.equal(sink.maxSeen, 4);
  t.same(stats, { sent: 49, failed: 1, elapsedMs: 0 });
  t.equal(errors.length, 1);
  t.equal(sink.sent.length, 49);
});

t.test('rate: message i is sent at i / rate seconds', async (t) => {
  const clock = new ManualClock(1000);
  const sleeps: number[] = [];
  const sink = new LineEmitSink(new PassThrough());
  const stats = await runEmitter(messages(5), sink, {
    rate: 2,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
  });
  t.same(sleeps, [500, 500, 500, 500]);
  t.same(stats, { sent: 5, failed: 0, elapsedMs: 2000 });
});

t.test('abort stops pulling messages; progress is reported', async (t) => {
  const abort = new AbortController();
  const reports: number[] = [];
  const sink: EmitSink = {
    send: async () => {
      await new Promise((r) => setTimeout(r, 2));
    },
    close: async () => {},
  };
  function* endless(): Generator<EmitMessage> {
    for (let i = 0; ; i++) {
      if (i === 20) abort.abort();
      yield message(i);
    }
  }
  const stats = await runEmitter(endless(), sink, {
    maxInFlight: 1,
    clock: { now: () => Date.now() },
    sleep: async () => {},
    signal: abort.signal,
    onProgress: (s) => reports.push(s.sent),
    progressIntervalMs: 5,
  });
  t.equal(stats.sent, 20);
  t.ok(reports.length > 0, 'progress reported');
});

t.test('AmqpEmitSink declares like oslo, once per exchange and key, and publishes with oslo properties', async (t) => {
  const fake = new FakeConfirmPublisher();
  const sink = new AmqpEmitSink(fake);
  await sink.send(message(1));
  await sink.send(message(2));
  await sink.send({ ...message(3), exchange: 'cinder' });
  t.same(fake.declarations, [
    { kind: 'exchange', name: 'nova', durable: false, type: 'topic' },
    {
      kind: 'queue',
      name: 'notifications.info',
      durable: false,
      bindings: [{ exchange: 'nova', routingKey: 'notifications.info' }],
    },
    { kind: 'exchange', name: 'cinder', durable: false, type: 'topic' },
    {
      kind: 'queue',
      name: 'notifications.info',
      durable: false,
      bindings: [{ exchange: 'cinder', routingKey: 'notifications.info' }],
    },
  ]);
  t.same(
    fake.published.map((m) => [m.exchange, m.routingKey, m.body.toString(), m.options]),
    [1, 2, 3].map((i) => [
      i === 3 ? 'cinder' : 'nova',
      'notifications.info',
      `{"n": ${i}}`,
      { contentType: 'application/json', contentEncoding: 'utf-8', persistent: true, headers: {} },
    ]),
  );
  fake.failDeclarations = 1;
  await t.rejects(sink.send({ ...message(4), exchange: 'glance' }), MeterflowError);
  await sink.send({ ...message(5), exchange: 'glance' });
  t.equal(fake.published.length, 4, 'a failed declaration is tried again');
  await sink.close();
  t.equal(fake.closed, 1);
});

t.test('LineEmitSink keeps order through back-pressure and stops quietly on EPIPE', async (t) => {
  const out = new PassThrough({ highWaterMark: 16 });
  const chunks: string[] = [];
  let broken = 0;
  const sink = new LineEmitSink(out, () => {
    broken += 1;
  });
  const sends = [0, 1, 2, 3, 4].map((i) => sink.send(message(i)));
  out.on('data', (d: Buffer) => chunks.push(d.toString()));
  await Promise.all(sends);
  t.same(
    chunks.join('').split('\n').filter(Boolean),
    [0, 1, 2, 3, 4].map((i) => `{"n": ${i}}`),
  );
  out.emit('error', Object.assign(new Error('EPIPE'), { code: 'EPIPE' }));
  t.equal(broken, 1);
  await sink.send(message(9));
  t.notOk(chunks.join('').includes('"n": 9'));
  await sink.close();
});
