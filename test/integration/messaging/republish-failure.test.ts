import t from 'tap';
import type { BatchOutcome, Delivery, ListenerOptions } from '../../../src/messaging/types.js';
import { HEADERS } from '../../../src/messaging/types.js';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { privateVhost, rawChannel, requireBroker, type Tap, waitFor } from '../../helpers/broker.js';
import { listenerOptions, Recorder, startListener, topology, transport } from './fixtures.js';

/**
 * A retry or dead-letter copy that cannot be published sends its delivery back to the queue, and
 * the broker hands it straight back. A copy that can never be published must not make that an
 * endless hot loop, and a failure the listener can repair (a failure exchange deleted) must heal.
 */
if (await requireBroker(t)) {
  const { url } = await privateVhost(t);
  const BACKOFF_MS = 300;

  function options(republishBackoffMs = BACKOFF_MS): ListenerOptions {
    return listenerOptions({ topology: topology(false, ['info']), batchSize: 1, batchTimeout: 0, republishBackoffMs });
  }

  const deadLetterAll = (batch: readonly Delivery[]): BatchOutcome => ({
    ack: [],
    retry: [],
    deadLetter: batch.map((delivery) => ({ delivery, reason: 'not_json', error: 'bad' })),
  });

  async function start(t: Tap, o: ListenerOptions, decide = deadLetterAll) {
    const recorder = new Recorder();
    recorder.decide = decide;
    const logs = new MemoryLogger();
    const { listener } = await startListener(t, [transport(t, url, logs)], o, recorder, logs);
    const { ch } = await rawChannel(t, url);
    const send = (body: string, headers: Record<string, unknown> = {}) =>
      ch.publish(o.topology.exchanges[0]!, o.topology.queues[0]!.routingKey, Buffer.from(body), { headers });
    const deadLetters = async () => (await ch.checkQueue(o.deadLetter.queue)).messageCount;
    const failedRepublishes = () => logs.records.filter((r) => r.msg === 'republish failed; requeueing').length;
    return { listener, recorder, ch, send, deadLetters, failedRepublishes };
  }

  t.test('an original routing key header over 255 bytes does not stop the dead letter', async (t) => {
    const o = options();
    const { recorder, ch, send, deadLetters, failedRepublishes } = await start(t, o);
    send('poison', { [HEADERS.originalRoutingKey]: 'k'.repeat(300) });
    await waitFor('the dead letter', async () => (await deadLetters()) === 1, 10_000);
    t.equal(recorder.deliveries.length, 1, 'handled once');
    t.equal(failedRepublishes(), 0, 'its republish did not fail');
    const m = await ch.get(o.deadLetter.queue, { noAck: true });
    if (!m) throw new Error('the queue is empty');
    const key = o.topology.queues[0]!.routingKey;
    t.equal(m.fields.routingKey, key, "routed by the delivery's own routing key");
    t.equal(m.properties.headers?.[HEADERS.originalRoutingKey], key, 'and the header says so');
  });

  t.test('a copy whose headers amqplib cannot encode is dead-lettered with meterflow headers only', async (t) => {
    const o = options();
    const { recorder, ch, send, deadLetters, failedRepublishes } = await start(t, o);
    // Fits amqplib's 64 KiB itself; with the dead letter's headers added it does not.
    send('large headers', { big: 'x'.repeat(65_450) });
    await waitFor('the dead letter', async () => (await deadLetters()) === 1, 10_000);
    t.equal(recorder.deliveries.length, 1, 'handled once');
    t.equal(failedRepublishes(), 0, 'its republish did not fail');
    const m = await ch.get(o.deadLetter.queue, { noAck: true });
    if (!m) throw new Error('the queue is empty');
    t.equal(m.content.toString(), 'large headers', 'the body is kept');
    t.match(m.properties.headers, {
      [HEADERS.reason]: 'republish_refused',
      [HEADERS.error]: /headers take up to \d+ bytes/,
      [HEADERS.originalQueue]: o.topology.queues[0]!.name,
    });
    t.notOk(m.properties.headers?.big, "without the message's own headers");
  });

  const deleted = [
    { kind: 'dead-letter', exchange: (o: ListenerOptions) => o.deadLetter.exchange },
    { kind: 'retry', exchange: (o: ListenerOptions) => o.retry.exchange },
  ];

  for (const { kind, exchange } of deleted) {
    t.test(`the ${kind} exchange deleted while running: one failed republish, then it heals`, async (t) => {
      const o = options();
      const handledAt = new Map<string, number[]>();
      const { recorder, ch, send, deadLetters, failedRepublishes } = await start(t, o, (batch) => {
        const retried = batch.filter((d) => d.headers[HEADERS.attempts] !== undefined);
        const fresh = batch.filter((d) => d.headers[HEADERS.attempts] === undefined);
        for (const d of fresh) handledAt.set(String(d.body), [...(handledAt.get(String(d.body)) ?? []), Date.now()]);
        if (kind === 'dead-letter') return deadLetterAll(batch);
        return {
          ack: retried,
          retry: fresh.map((delivery) => ({ delivery, reason: 'publisher_failed' })),
          deadLetter: [],
        };
      });
      const republished = async (body: string) =>
        kind === 'dead-letter'
          ? (await deadLetters()) === (body === 'first' ? 1 : 2)
          : recorder.deliveries.some((d) => String(d.body) === body && d.headers[HEADERS.attempts] === 1);

      send('first');
      await waitFor('the first copy', () => republished('first'), 10_000);
      await ch.deleteExchange(exchange(o));
      send('second');
      await waitFor('the second copy, once the exchange is declared again', () => republished('second'), 10_000);

      t.equal(failedRepublishes(), 1, 'one failed republish');
      const times = handledAt.get('second') ?? [];
      t.equal(times.length, 2, 'the second message was handled twice: failed, then republished');
      t.ok(
        (times[1] ?? 0) - (times[0] ?? 0) >= BACKOFF_MS - 20,
        `requeued after the backoff (${(times[1] ?? 0) - (times[0] ?? 0)} ms, backoff ${BACKOFF_MS} ms)`,
      );
    });
  }

  t.test('stop() does not wait out a republish backoff: the delivery goes back to its queue', async (t) => {
    const o = options(600_000);
    const { listener, ch, send, deadLetters, failedRepublishes } = await start(t, o);
    send('first');
    await waitFor('the first dead letter', async () => (await deadLetters()) === 1, 10_000);
    await ch.deleteExchange(o.deadLetter.exchange);
    send('second');
    await waitFor('the failed republish', () => failedRepublishes() === 1, 10_000);
    const started = Date.now();
    await listener.stop();
    t.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms`);
    const queue = o.topology.queues[0]!.name;
    const m = await ch.get(queue, { noAck: true });
    if (!m) throw new Error('the queue is empty');
    t.equal(m.content.toString(), 'second', 'requeued');
  });
}
