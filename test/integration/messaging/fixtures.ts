import { MemoryLogger } from '../../../src/observability/logger.js';
import { createBatchListener } from '../../../src/messaging/listener.js';
import { AmqpTransport } from '../../../src/messaging/transport.js';
import type {
  BatchHandler,
  BatchListener,
  BatchOutcome,
  Delivery,
  ListenerOptions,
  ListenerTopology,
} from '../../../src/messaging/types.js';
import { type Tap, unique } from '../../helpers/broker.js';

/** A small oslo-like topology with names unique to the test. */
export function topology(durable = false, priorities = ['info', 'error']): ListenerTopology {
  const topic = unique('notifications');
  return {
    exchanges: [unique('nova'), unique('cinder')],
    queues: priorities.map((p) => ({ name: `${topic}.${p}`, routingKey: `${topic}.${p}` })),
    durable,
  };
}

export function listenerOptions(overrides: Partial<ListenerOptions> = {}): ListenerOptions {
  return {
    topology: topology(),
    prefetch: 100,
    batchSize: 10,
    batchTimeout: 0.2,
    maxRetries: 2,
    retryBackoffMs: () => 50,
    deadLetter: { exchange: unique('mf-dlx'), queue: unique('mf-dlq') },
    retry: { exchange: unique('mf-retry-x'), queue: unique('mf-retry-q') },
    ...overrides,
  };
}

/** A transport with fast reconnects, closed in teardown. */
export function transport(t: Tap, url: string, logger = new MemoryLogger()): AmqpTransport {
  const tr = new AmqpTransport({ url, logger, reconnectInitialMs: 50, reconnectMaxMs: 500, name: 'meterflow-test' });
  t.teardown(() => tr.close());
  return tr;
}

export const ackAll = (batch: readonly Delivery[]): BatchOutcome => ({ ack: [...batch], retry: [], deadLetter: [] });

/** Records every batch; the outcome comes from `decide` (default: ack all). */
export class Recorder {
  readonly batches: Delivery[][] = [];
  decide: (batch: readonly Delivery[]) => BatchOutcome | Promise<BatchOutcome> = ackAll;

  readonly handler: BatchHandler = async (batch) => {
    this.batches.push([...batch]);
    return this.decide(batch);
  };

  get deliveries(): Delivery[] {
    return this.batches.flat();
  }

  bodies(): string[] {
    return this.deliveries.map((d) => d.body.toString());
  }
}

/** A started listener over `transports`, stopped in teardown. */
export async function startListener(
  t: Tap,
  transports: AmqpTransport[],
  options: ListenerOptions,
  recorder = new Recorder(),
  logger = new MemoryLogger(),
): Promise<{ listener: BatchListener; recorder: Recorder }> {
  const listener = createBatchListener(transports, options, logger);
  t.teardown(() => listener.stop());
  await listener.start(recorder.handler);
  return { listener, recorder };
}

/** A gate the handler can wait on, opened by the test. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}
