/**
 * What the in-process partitioned benchmarks share: the polling scenario's notifications (as
 * oslo envelopes) and stage 1 of the partitioned agent over Ceilometer Newton's pipeline.yaml
 * (file publishers, P partitions), publishing its partition messages into memory by queue, in
 * order, as the broker would hold them.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Registry } from 'prom-client';
import { createPartitionedMetrics } from '../src/agent/partitioned/metrics.js';
import { partitionedPipelines } from '../src/agent/partitioned/partitioned.js';
import { StageOne } from '../src/agent/partitioned/stage-one.js';
import { PollingScenario } from '../src/emit/polling-scenario.js';
import { encodeNotification } from '../src/messaging/oslo-envelope.js';
import type { BatchHandler, ConfirmPublisher, Delivery } from '../src/messaging/types.js';
import { type InProcessAgent, inProcessAgent } from './in-process.js';

const NEWTON = resolve('../shared/compat/ceilometer-newton/pipeline.yaml');

export interface PartitionedInProcess {
  agent: InProcessAgent;
  /** The ingest handler over stage 1. */
  stageOne: BatchHandler;
  /** Partition messages by queue (`<prefix>-pipe-<pipeline>-<p>`), in publish order. */
  queues: Map<string, Buffer[]>;
  /** `instances × polls` polling notifications, oslo envelopes as the polling agent sends them. */
  deliveries: Delivery[];
}

/** Writes the agent's configuration and output files into `dir`. */
export function partitionedInProcess(
  dir: string,
  options: { instances: number; polls: number; partitions: number; prefix: string },
): PartitionedInProcess {
  const newton = readFileSync(NEWTON, 'utf8');
  const agent = inProcessAgent(dir, newton.replace(/notifier:\/\/[^\s'"]*/g, `file://${dir}/samples.jsonl`));
  const queues = new Map<string, Buffer[]>();
  const capture: ConfirmPublisher = {
    async publish(_exchange, routingKey, body) {
      let list = queues.get(routingKey);
      if (!list) {
        list = [];
        queues.set(routingKey, list);
      }
      list.push(body);
    },
    async assertExchange() {},
    async assertQueue() {},
    async close() {},
  };
  const stage = new StageOne({
    manager: agent.manager,
    partitioned: partitionedPipelines(agent.manager),
    partitions: options.partitions,
    prefix: options.prefix,
    publisher: capture,
    telemetrySecret: agent.secret,
    metrics: createPartitionedMetrics(new Registry()),
  });
  const scenario = new PollingScenario({ instances: options.instances, telemetrySecret: agent.secret });
  const polls = scenario.notifications();
  const deliveries: Delivery[] = [];
  for (let i = 0; i < options.instances * options.polls; i++) {
    const { notification } = polls.next().value as { notification: Parameters<typeof encodeNotification>[0] };
    deliveries.push({
      body: encodeNotification(notification),
      queue: 'notifications.sample',
      exchange: 'ceilometer',
      routingKey: 'notifications.sample',
      redelivered: false,
      headers: {},
      contentType: 'application/json',
      transport: 0,
    });
  }
  return { agent, stageOne: agent.handler(stage), queues, deliveries };
}
