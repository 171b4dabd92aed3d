import t from 'tap';
import { applyOutcome, deadLetter, retry, retryAll, type Settler } from '../../../src/messaging/outcome.js';
import { type Delivery, HEADERS } from '../../../src/messaging/types.js';
import { MemoryLogger } from '../../../src/observability/logger.js';

const options = {
  maxRetries: 2,
  retryBackoffMs: (n: number) => n * 100,
  deadLetter: { exchange: 'dlx', queue: 'dlq' },
  retry: { exchange: 'rx', queue: 'rq' },
};

function delivery(body: string, headers: Record<string, unknown> = {}): Delivery {
  return {
    body: Buffer.from(body),
    queue: 'notifications.info',
    exchange: 'nova',
    routingKey: 'notifications.info',
    redelivered: false,
    headers,
    contentType: 'application/json',
    transport: 0,
  };
}

t.test('retry: attempt counted, backoff as expiration, routed back by queue name', async (t) => {
  const r = retry(delivery('a', { keep: 1 }), 'publisher_down', options);
  t.equal(r.exchange, 'rx');
  t.equal(r.routingKey, 'notifications.info');
  t.equal(r.options.expirationMs, 100);
  t.match(r.options.headers, { keep: 1, [HEADERS.attempts]: 1, [HEADERS.originalExchange]: 'nova' });
  const again = retry(delivery('a', { [HEADERS.attempts]: 1, [HEADERS.originalExchange]: 'nova' }), 'x', options);
  t.equal(again.options.headers![HEADERS.attempts], 2);
  t.equal(again.options.expirationMs, 200);
});

t.test('retry beyond maxRetries becomes a dead letter', async (t) => {
  const d = {
    ...delivery('a', {
      [HEADERS.attempts]: 2,
      [HEADERS.originalExchange]: 'cinder',
      [HEADERS.originalRoutingKey]: 'k',
    }),
    exchange: '',
  };
  const r = retry(d, 'publisher_down', options);
  t.equal(r.exchange, 'dlx');
  t.equal(r.routingKey, 'k', 'the first hop is remembered across retries');
  t.match(r.options.headers, {
    [HEADERS.reason]: 'retries_exhausted',
    [HEADERS.error]: /publisher_down.*2 retries/,
    [HEADERS.originalExchange]: 'cinder',
  });
});

t.test('dead letter: reason, redacted error, original coordinates', async (t) => {
  const r = deadLetter(delivery('a'), 'not_json', 'bad at amqp://u:pw@h', options);
  t.match(r.options.headers, {
    [HEADERS.reason]: 'not_json',
    [HEADERS.error]: 'bad at amqp://***@h',
    [HEADERS.originalQueue]: 'notifications.info',
    [HEADERS.originalRoutingKey]: 'notifications.info',
  });
  t.equal(r.options.persistent, true);
});

t.test('applyOutcome: acks, republish-then-ack, requeue on failed republish, forgotten retried', async (t) => {
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((x) => delivery(x));
  const log: string[] = [];
  const settler: Settler = {
    ack: (x) => log.push(`ack ${x.body}`),
    ackMany: (xs) => {
      for (const x of xs) log.push(`ack ${x.body}`);
    },
    requeue: (x) => log.push(`requeue ${x.body}`),
    publish: async (x, exchange) => {
      if (x === c) throw new Error('down');
      log.push(`publish ${x.body} ${exchange}`);
    },
  };
  const logger = new MemoryLogger();
  await applyOutcome(
    [a!, b!, c!, d!, e!],
    {
      ack: [a!],
      retry: [
        { delivery: b!, reason: 'r' },
        { delivery: c!, reason: 'r' },
      ],
      deadLetter: [{ delivery: d!, reason: 'x', error: 'y' }],
    },
    options,
    settler,
    logger,
  );
  t.same(
    log.sort(),
    ['ack a', 'ack b', 'ack d', 'ack e', 'publish b rx', 'publish d dlx', 'publish e rx', 'requeue c'].sort(),
  );
  t.ok(logger.records.some((r) => /left deliveries out/.test(r.msg)));
  t.same(retryAll([a!], 'boom'), { ack: [], retry: [{ delivery: a, reason: 'boom' }], deadLetter: [] });
});

/** A settler that logs every call (publishes succeed). */
function recordingSettler(log: string[]): Settler {
  return {
    ack: (x) => log.push(`ack ${x.body}`),
    ackMany: (xs) => {
      for (const x of xs) log.push(`ack ${x.body}`);
    },
    requeue: (x) => log.push(`requeue ${x.body}`),
    publish: async (x, exchange) => {
      log.push(`publish ${x.body} ${exchange}`);
    },
  };
}

t.test('applyOutcome: requeued deliveries are nacked with requeue, never acked nor republished', async (t) => {
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => delivery(x));
  const log: string[] = [];
  const logger = new MemoryLogger();
  await applyOutcome(
    [a!, b!, c!, d!],
    {
      ack: [a!],
      retry: [],
      deadLetter: [{ delivery: d!, reason: 'bad_signature', error: 'forged' }],
      requeue: [b!, c!],
    },
    options,
    recordingSettler(log),
    logger,
  );
  t.same(
    log.filter((l) => l.startsWith('requeue')),
    ['requeue b', 'requeue c'],
    'in batch order',
  );
  t.same(log.filter((l) => l.startsWith('ack')).sort(), ['ack a', 'ack d']);
  t.notOk(
    log.some((l) => / [bc]( |$)/.test(l) && !l.startsWith('requeue')),
    'b and c are not acked, retried or dead-lettered',
  );
  t.same(
    log.filter((l) => l.startsWith('publish')),
    ['publish d dlx'],
  );
  t.same(logger.records, [], 'requeued deliveries are accounted for (not "left out")');
});

t.test('applyOutcome: a batch wholly requeued makes no republish', async (t) => {
  const batch = ['a', 'b', 'c'].map((x) => delivery(x));
  const log: string[] = [];
  const settler = recordingSettler(log);
  const publish = settler.publish;
  let publishes = 0;
  settler.publish = async (...args) => {
    publishes += 1;
    return publish(...args);
  };
  await applyOutcome(
    batch,
    { ack: [], retry: [], deadLetter: [], requeue: batch },
    options,
    settler,
    new MemoryLogger(),
  );
  t.same(log, ['requeue a', 'requeue b', 'requeue c']);
  t.equal(publishes, 0);
});

t.test('applyOutcome: without a requeue list, left-out deliveries are still retried', async (t) => {
  const [a, b] = ['a', 'b'].map((x) => delivery(x));
  const log: string[] = [];
  const logger = new MemoryLogger();
  await applyOutcome(
    [a!, b!],
    { ack: [a!], retry: [], deadLetter: [], requeue: [] },
    options,
    recordingSettler(log),
    logger,
  );
  t.same(log.sort(), ['ack a', 'ack b', 'publish b rx'].sort(), 'b is retried through the retry exchange, then acked');
  t.ok(logger.records.some((r) => /left deliveries out/.test(r.msg)));
});
