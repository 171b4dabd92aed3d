import { Registry } from 'prom-client';
import { createIngestHandler } from './ingest.js';
import { Partitioned } from './partitioned/partitioned.js';
import type { LoadedConfig } from './load-config.js';
import type { AgentOptions } from '../config/index.js';
import { NotificationConverter } from '../definitions/index.js';
import { AmqpTransport, createBatchListener } from '../messaging/index.js';
import type { BatchListener, ConfirmPublisher, ListenerOptions, TlsOptions } from '../messaging/index.js';
import { PRIORITIES } from '../definitions/index.js';
import { systemClock } from '../model/index.js';
import type { Clock } from '../model/index.js';
import type { Logger } from '../observability/logger.js';
import { createEvictionCounter, createIngestMetrics } from '../observability/metrics.js';
import { PipelineManager } from '../pipeline/index.js';
import { defaultTransformerContext } from '../transformers/index.js';

/** Names of the queues meterflow adds to oslo's topology. */
export const DEAD_LETTER = { exchange: 'meterflow.dead-letter', queue: 'meterflow.dead-letter' };
export const RETRY = { exchange: 'meterflow.retry', queue: 'meterflow.retry' };
/** Retries of a batch whose publisher failed, before its notifications are dead-lettered. */
export const MAX_RETRIES = 5;

export function retryBackoffMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** oslo's listener topology: every topic × priority queue bound to every control exchange. */
export function listenerOptions(options: AgentOptions): ListenerOptions {
  const queues = options.oslo_messaging_notifications.topics.flatMap((topic) =>
    PRIORITIES.map((priority) => ({ name: `${topic}.${priority}`, routingKey: `${topic}.${priority}` })),
  );
  return {
    topology: {
      exchanges: [...options.notification.notification_control_exchanges],
      queues,
      durable: options.oslo_messaging_rabbit.amqp_durable_queues,
    },
    prefetch: options.oslo_messaging_rabbit.rabbit_qos_prefetch_count,
    batchSize: options.notification.batch_size,
    batchTimeout: options.notification.batch_timeout,
    maxRetries: MAX_RETRIES,
    retryBackoffMs,
    deadLetter: DEAD_LETTER,
    retry: RETRY,
  };
}

function tlsOptions(options: AgentOptions): TlsOptions | undefined {
  const rabbit = options.oslo_messaging_rabbit as AgentOptions['oslo_messaging_rabbit'] & {
    ssl?: boolean;
    ssl_ca_file?: string | null;
    ssl_cert_file?: string | null;
    ssl_key_file?: string | null;
  };
  // `ssl: true` turns TLS on for rabbit:// URLs too; the files also serve amqps:// URLs without it.
  if (!rabbit.ssl && !rabbit.ssl_ca_file && !rabbit.ssl_cert_file && !rabbit.ssl_key_file) return undefined;
  return {
    enabled: rabbit.ssl === true,
    ...(rabbit.ssl_ca_file ? { caFile: rabbit.ssl_ca_file } : {}),
    ...(rabbit.ssl_cert_file ? { certFile: rabbit.ssl_cert_file } : {}),
    ...(rabbit.ssl_key_file ? { keyFile: rabbit.ssl_key_file } : {}),
  };
}

export interface AgentDeps {
  logger: Logger;
  clock?: Clock;
  registry?: Registry;
  /** The agent cannot go on (partitioning refused P); default: logged. */
  onFatal?: (error: Error) => void;
  /** Abort a start that is still waiting (for Redis to check P, for RabbitMQ to connect). */
  signal?: AbortSignal;
}

/**
 * The agent: listeners → conversion → pipelines → publishers, acking each batch only after its
 * outputs were taken. With `workload_partitioning` the stateful pipelines go through partition
 * queues instead (stage 1 here, stage 2 on the partitions this worker owns; see `Partitioned`).
 */
export class Agent {
  private constructor(
    private readonly listener: BatchListener,
    private readonly manager: PipelineManager,
    private readonly transports: AmqpTransport[],
    readonly registry: Registry,
    private readonly logger: Logger,
    private readonly partitioned: Partitioned | undefined,
  ) {}

  private stopping: Promise<void> | undefined;

  static async start(config: LoadedConfig, deps: AgentDeps): Promise<Agent> {
    const { options, meters } = config;
    if (!options || !meters || config.issues.length > 0) throw new Error('the agent needs a valid configuration');
    const { logger } = deps;
    const clock = deps.clock ?? systemClock;
    const registry = deps.registry ?? new Registry();
    const tls = tlsOptions(options);
    const transportFor = (url: string, name: string) =>
      new AmqpTransport({ url, logger, name, ...(tls ? { tls } : {}) });
    const urls = [options.DEFAULT.transport_url, ...options.notification.messaging_urls];
    const transports = urls.map((url, i) => transportFor(url, `meterflow-listener-${i}`));
    const main = transports[0] as AmqpTransport;
    const extra = new Map<string, AmqpTransport>();
    const publisherFor = (url: string | null): ConfirmPublisher => {
      if (url === null) return main.publisher();
      let transport = extra.get(url);
      if (!transport) {
        transport = transportFor(url, 'meterflow-notifier');
        extra.set(url, transport);
        transports.push(transport);
      }
      return transport.publisher();
    };
    const manager = PipelineManager.build(config.pipelines, {
      transformerContext: defaultTransformerContext({
        clock,
        logger,
        sampleSource: options.DEFAULT.sample_source,
        idleTtlMs: options.meterflow.state_idle_ttl * 1000,
        onEvict: createEvictionCounter(registry),
      }),
      publisherContext: {
        telemetrySecret: options.publisher.telemetry_secret,
        logger,
        clock,
        baseDir: process.cwd(),
        host: options.DEFAULT.host,
        notifierTopics: {
          metering: options.publisher_notifier.metering_topic,
          event: options.publisher_notifier.event_topic,
        },
        messaging: { publisherFor },
      },
      logger,
    });
    const converter = new NotificationConverter(meters, config.events ?? null, {
      sampleSource: options.DEFAULT.sample_source,
      newId: () => crypto.randomUUID(),
    });
    const listening = listenerOptions(options);
    let partitioned: Partitioned | undefined;
    if (options.notification.workload_partitioning) {
      try {
        partitioned = await Partitioned.start({
          options,
          manager,
          transport: main,
          listenerOptions: listening,
          registry,
          logger,
          onFatal: deps.onFatal ?? ((err) => logger.error({ error: err.message }, 'partitioning cannot go on')),
          ...(deps.signal ? { signal: deps.signal } : {}),
        });
      } catch (err) {
        await manager.close();
        await Promise.all(transports.map((t) => t.close()));
        throw err;
      }
    }
    const handler = createIngestHandler({
      converter,
      manager: partitioned?.stageOne ?? manager,
      logger,
      metrics: createIngestMetrics(registry),
      ackOnEventError: options.notification.ack_on_event_error,
    });
    const listener = createBatchListener(transports.slice(0, urls.length), listening, logger);
    try {
      await untilAborted(listener.start(handler), deps.signal);
    } catch (err) {
      // Stopped while still connecting (RabbitMQ down at start): nothing was consumed yet. Every
      // step runs even if one before it failed: an open transport would keep the process alive.
      const quietly = (step: Promise<unknown> | undefined) => step?.catch(() => undefined);
      await quietly(listener.abort());
      await quietly(partitioned?.stop());
      await quietly(manager.close());
      await Promise.all(transports.map((t) => quietly(t.close())));
      throw err;
    }
    logger.info(
      {
        transports: urls.length,
        batch_size: options.notification.batch_size,
        workload_partitioning: options.notification.workload_partitioning,
      },
      'meterflow agent started',
    );
    return new Agent(listener, manager, transports, registry, logger, partitioned);
  }

  /** The partitioned half, when `workload_partitioning` is on. */
  get partitioning(): Partitioned | undefined {
    return this.partitioned;
  }

  /**
   * Graceful stop: stop consuming notifications, finish and settle the in-flight batch; then
   * hand every owned partition off (finish, checkpoint, ack, release) and leave the group; close.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    await this.listener.stop();
    await this.partitioned?.stop();
    await this.manager.close();
    await Promise.all(this.transports.map((t) => t.close()));
    this.logger.info({}, 'meterflow agent stopped');
  }
}

/**
 * `work`, or a rejection with the signal's reason (an AbortError, as `Partitioned.start` throws)
 * as soon as `signal` aborts; the work itself is left to its owner to end.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    // Settled either way, so that the work's own rejection after an abort is not unhandled.
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
