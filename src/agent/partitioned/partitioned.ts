/**
 * The partitioned half of the agent (`workload_partitioning: true`): Redis connections, group
 * membership, partition leases, the fenced state store, stage 1 (routing to partition queues)
 * and stage 2 (consuming owned partitions), started and stopped in the order DESIGN.md gives.
 * Stage 1 runs whether or not Redis is reachable — its output waits durably in the partition
 * queues — while joining the group is retried in the background until Redis answers.
 */
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AgentOptions } from '../../config/index.js';
import { MeterflowError } from '../../errors.js';
import { createBatchListener } from '../../messaging/index.js';
import type { AmqpTransport, ListenerOptions } from '../../messaging/index.js';
import type { Logger } from '../../observability/logger.js';
import {
  checkPartitionCount,
  connectRedis,
  createRedis,
  GroupMembership,
  PartitionCoordinator,
  PartitionCountError,
  PartitionLease,
  PartitionStateStore,
  redlockDriver,
} from '../../partitioning/index.js';
import type { PipelineManager } from '../../pipeline/index.js';
import { sinkGroupingKeys } from '../../transformers/index.js';
import { createPartitionedMetrics } from './metrics.js';
import { type PartitionedPipeline, StageOne } from './stage-one.js';
import { StageTwo } from './stage-two.js';
import { coordinationTimings } from './timings.js';

export interface PartitionedDeps {
  options: AgentOptions;
  manager: PipelineManager;
  transport: AmqpTransport;
  /** The notification listener's options: stage 2 reuses its dead-letter/retry names and prefetch. */
  listenerOptions: ListenerOptions;
  registry: Registry;
  logger: Logger;
  /** Called when the agent cannot go on (P changed without migration): the caller exits non-zero. */
  onFatal: (error: Error) => void;
  /** Aborts a start still waiting for Redis (a stop signal arrived). */
  signal?: AbortSignal;
}

const CHECK_RETRY_MS = 1000;

/**
 * Connect and check P against the group's, retrying while Redis is unreachable. Rejects with
 * PartitionCountError on a mismatch without `partition_migration`, or when `signal` aborts.
 */
async function verifyPartitionCount(
  redis: Redis,
  options: AgentOptions,
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<void> {
  const partitions = options.notification.pipeline_processing_queues;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      // connectRedis reports a refused login as such (retrying cannot help: it is rethrown).
      if (redis.status === 'wait' || redis.status === 'end') await connectRedis(redis);
      const previous = await checkPartitionCount(
        redis,
        options.meterflow.group,
        partitions,
        options.meterflow.partition_migration,
      );
      if (previous !== null && previous !== partitions) {
        logger.warn({ from: previous, to: partitions }, 'partition_migration: recorded the new number of partitions');
      }
      return;
    } catch (err) {
      if (err instanceof PartitionCountError || isAuthFailure(err)) throw err;
      if (attempt === 1 || attempt % 30 === 0) {
        logger.warn({ error: (err as Error).message, attempt }, 'waiting for Redis to check the number of partitions');
      }
      await new Promise((resolve) => setTimeout(resolve, CHECK_RETRY_MS).unref());
    }
  }
}

/** Sample pipelines whose sink keeps state go through partition queues; the rest stay in place. */
export function partitionedPipelines(manager: PipelineManager): PartitionedPipeline[] {
  return manager.samplePipelines
    .filter((p) => p.sink.transformers.length > 0)
    .map((pipeline) => ({ pipeline, keys: sinkGroupingKeys(pipeline.sink.transformers) }));
}

const JOIN_RETRY_MS = 1000;

export class Partitioned {
  private joining: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  private constructor(
    readonly stageOne: StageOne,
    readonly stageTwo: StageTwo,
    readonly coordinator: PartitionCoordinator,
    private readonly membership: GroupMembership,
    private readonly clients: Redis[],
    private readonly deps: PartitionedDeps,
  ) {}

  static async start(deps: PartitionedDeps): Promise<Partitioned> {
    const { options, manager, transport, registry, logger } = deps;
    const url = options.coordination.backend_url;
    if (url === null) throw new Error('workload_partitioning needs [coordination] backend_url');
    const group = options.meterflow.group;
    const prefix = options.meterflow.partition_queue_prefix;
    const partitions = options.notification.pipeline_processing_queues;
    const log = logger.child({ group });
    const clients = ['meterflow', 'meterflow-sub'].map((connectionName) =>
      createRedis(url, { connectionName, logger: log }),
    );
    const [redis, subscriber] = clients as [Redis, Redis];
    try {
      // Nothing is routed before P is known to be the group's: a worker with another P would
      // strand samples in queues nobody consumes. The first start waits for Redis for this.
      await verifyPartitionCount(redis, options, log, deps.signal);
    } catch (err) {
      for (const client of clients) client.disconnect();
      throw err;
    }
    const timings = coordinationTimings(options);
    const membership = new GroupMembership({
      redis,
      subscriber,
      connection: redis,
      group,
      info: `${options.DEFAULT.host}:${process.pid}`,
      ttlMs: timings.memberTtlMs,
      heartbeatMs: timings.heartbeatMs,
      checkIntervalMs: timings.checkIntervalMs,
      logger: log,
    });
    const metrics = createPartitionedMetrics(registry);
    const pipelines = partitionedPipelines(manager);
    const stageOne = new StageOne({
      manager,
      partitioned: pipelines,
      partitions,
      prefix,
      publisher: transport.publisher({ maxInFlight: 1024 }),
      telemetrySecret: options.publisher.telemetry_secret,
      metrics,
    });
    await stageOne.declareQueues();
    const store = new PartitionStateStore({ redis, group, logger: log });
    const stageTwo = new StageTwo({
      manager,
      store,
      listenerFor: (queue) =>
        createBatchListener(
          [transport],
          {
            ...deps.listenerOptions,
            topology: { exchanges: [], queues: [{ name: queue, routingKey: queue }], durable: true },
            // No waiting for a partial batch (a partition message already carries a stage-1
            // batch's samples); under load, what queued up meanwhile makes the next batch.
            batchSize: options.notification.batch_size,
            batchTimeout: 0,
            exclusive: true,
          },
          log.child({ queue }),
        ),
      prefix,
      telemetrySecret: options.publisher.telemetry_secret,
      metrics,
      logger: log,
    });
    const lock = redlockDriver(redis);
    const coordinator = new PartitionCoordinator({
      membership,
      pipelines: pipelines.map((p) => p.pipeline.name),
      partitions,
      leases: (ref, onLost) =>
        new PartitionLease({ group, ref, redis, lock, ttlMs: timings.leaseTtlMs, onLost, logger: log }),
      consumer: stageTwo,
      registry,
      stateBytes: () => stageTwo.stateBytes,
      logger: log,
    });
    const partitioned = new Partitioned(stageOne, stageTwo, coordinator, membership, clients, deps);
    partitioned.joining = partitioned.join();
    log.info(
      { partitions, pipelines: pipelines.map((p) => p.pipeline.name), prefix },
      'workload partitioning: stage 1 routes to partition queues',
    );
    return partitioned;
  }

  /**
   * Join the group, retried until Redis answers or the agent stops. Every time Redis comes
   * back, P is checked again (a Redis restarted without persistence forgot it).
   */
  private async join(): Promise<void> {
    const { options, logger } = this.deps;
    const [redis] = this.clients as [Redis];
    this.unsubscribe = this.membership.onStatus((event) => {
      if (event.kind !== 'redis-up') return;
      checkPartitionCount(
        redis,
        options.meterflow.group,
        options.notification.pipeline_processing_queues,
        options.meterflow.partition_migration,
      ).catch((err: unknown) => {
        if (err instanceof PartitionCountError) this.deps.onFatal(err);
      });
    });
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const subscriber = this.clients[1] as Redis;
        if (subscriber.status === 'wait' || subscriber.status === 'end') await subscriber.connect();
        if (this.stopped) return;
        await this.coordinator.start();
        logger.info({ member: this.membership.memberId }, 'joined the partitioning group');
        return;
      } catch (err) {
        if (attempt === 1 || attempt % 30 === 0) {
          logger.warn({ error: (err as Error).message, attempt }, 'cannot join the group yet; stage 1 keeps running');
        }
        await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS).unref());
      }
    }
  }

  /** After stage 1 stopped: hand every partition off, leave the group, close Redis. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.joining;
    this.unsubscribe?.();
    await this.coordinator.stop();
    await this.membership.close();
    await Promise.all(this.clients.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/** Redis refused the credentials of `backend_url`: a configuration error, not an outage. */
export function isAuthFailure(err: unknown): boolean {
  return err instanceof MeterflowError && err.code === 'redis_auth_failed';
}
