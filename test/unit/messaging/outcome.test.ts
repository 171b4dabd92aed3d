import t from 'tap';
import { applyOutcome, deadLetter, retry, retryAll, type Settler } from '../../../src/messaging/outcome.js';
import { MeterflowError } from '../../../src/errors.js';
import { type Delivery, HEADERS, type PublishOptions } from '../../../src/messaging/types.js';
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
    isLive: () => true,
    republishBackoff: async () => {},
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
    isLive: () => true,
    republishBackoff: async () => {},
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

t.test("an original routing key header that is no AMQP name is replaced by the delivery's", async (t) => {
  for (const bad of ['k'.repeat(256), 'é'.repeat(128), 42, Buffer.from('k')]) {
    const d = deadLetter(delivery('a', { [HEADERS.originalRoutingKey]: bad }), 'not_json', 'x', options);
    t.equal(d.routingKey, 'notifications.info', `${typeof bad} of ${String(bad).length}: routed by this hop's key`);
    t.equal(d.options.headers![HEADERS.originalRoutingKey], 'notifications.info', 'and the header says so');
  }
  const exhausted = retry(
    delivery('a', { [HEADERS.attempts]: 2, [HEADERS.originalRoutingKey]: 'k'.repeat(300) }),
    'r',
    options,
  );
  t.equal(exhausted.routingKey, 'notifications.info', 'a retry turned dead letter too');
  const long = 'é'.repeat(127);
  t.equal(deadLetter(delivery('a', { [HEADERS.originalRoutingKey]: long }), 'r', 'x', options).routingKey, long);
  const exchange = deadLetter(delivery('a', { [HEADERS.originalExchange]: 'x'.repeat(256) }), 'r', 'x', options);
  t.equal(exchange.options.headers![HEADERS.originalExchange], 'nova');
});

/** A settler whose publishes go through `publish`, with a backoff the test releases. */
function controlledSettler(log: string[], publish: (x: Delivery, exchange: string, o: PublishOptions) => void) {
  let release = () => {};
  const backoff = new Promise<void>((r) => {
    release = r;
  });
  const settler: Settler = {
    ...recordingSettler(log),
    publish: async (x, exchange, _key, o) => {
      log.push(`publish ${x.body} ${exchange}`);
      publish(x, exchange, o);
    },
    republishBackoff: () => {
      log.push('backoff');
      return backoff;
    },
  };
  return { settler, release };
}

t.test('applyOutcome: a failed republish is requeued only after the backoff', async (t) => {
  const a = delivery('a');
  const log: string[] = [];
  const { settler, release } = controlledSettler(log, () => {
    throw new MeterflowError('amqp_nacked', 'nacked', { retriable: true });
  });
  const logger = new MemoryLogger();
  const applied = applyOutcome(
    [a],
    { ack: [], retry: [{ delivery: a, reason: 'r' }], deadLetter: [] },
    options,
    settler,
    logger,
  );
  await new Promise(setImmediate);
  t.same(log, ['publish a rx', 'backoff'], 'waiting: not requeued yet');
  release();
  await applied;
  t.same(log, ['publish a rx', 'backoff', 'requeue a']);
  t.ok(logger.records.some((r) => r.msg === 'republish failed; requeueing'));
});

t.test('applyOutcome: a copy amqplib refuses is dead-lettered with meterflow headers only', async (t) => {
  const a = delivery('a', { huge: 'x'.repeat(70_000), [HEADERS.attempts]: 1 });
  const log: string[] = [];
  const sent: PublishOptions[] = [];
  const { settler } = controlledSettler(log, (_x, _exchange, o) => {
    sent.push(o);
    if (o.headers?.huge) throw new MeterflowError('amqp_publish_invalid', 'headers too large');
  });
  const logger = new MemoryLogger();
  await applyOutcome([a], { ack: [], retry: [{ delivery: a, reason: 'r' }], deadLetter: [] }, options, settler, logger);
  t.same(log, ['publish a rx', 'publish a dlx', 'ack a']);
  t.same(sent[1]!.headers, {
    [HEADERS.originalExchange]: 'nova',
    [HEADERS.originalRoutingKey]: 'notifications.info',
    [HEADERS.originalQueue]: 'notifications.info',
    [HEADERS.reason]: 'republish_refused',
    [HEADERS.error]: 'MeterflowError: headers too large',
  });
  t.ok(logger.records.some((r) => /republish refused/.test(r.msg)));
});

t.test('applyOutcome: when the bare dead letter fails too, the delivery is requeued after the backoff', async (t) => {
  const a = delivery('a');
  const log: string[] = [];
  const { settler, release } = controlledSettler(log, (_x, exchange) => {
    if (exchange === 'dlx') throw new Error('channel closed');
    throw new MeterflowError('amqp_publish_invalid', 'refused');
  });
  release();
  await applyOutcome(
    [a],
    { ack: [], retry: [{ delivery: a, reason: 'r' }], deadLetter: [] },
    options,
    settler,
    new MemoryLogger(),
  );
  t.same(log, ['publish a rx', 'publish a dlx', 'backoff', 'requeue a']);
});

t.test('applyOutcome: deliveries of a lost channel are neither republished nor settled', async (t) => {
  const [a, b, c] = ['a', 'b', 'c'].map((x) => delivery(x));
  const log: string[] = [];
  const logger = new MemoryLogger();
  const settler: Settler = { ...recordingSettler(log), isLive: (x) => x !== b && x !== c };
  await applyOutcome(
    [a!, b!, c!],
    {
      ack: [],
      retry: [
        { delivery: a!, reason: 'r' },
        { delivery: b!, reason: 'r' },
      ],
      deadLetter: [{ delivery: c!, reason: 'x', error: 'y' }],
    },
    options,
    settler,
    logger,
  );
  t.same(log, ['publish a rx', 'ack a'], 'only the live delivery is republished');
  t.match(logger.records, [{ msg: /not republishing deliveries of a lost channel/, count: 2 }]);
});
