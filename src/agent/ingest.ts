import type { Conversion, NotificationConverter } from '../definitions/index.js';
import { decodeNotificationText } from '../definitions/index.js';
import { BadInputError } from '../errors.js';
import type { BatchHandler, BatchOutcome, Delivery } from '../messaging/types.js';
import type { IngestMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { PipelineManager, PublishGroup } from '../pipeline/index.js';

/**
 * Where converted samples and events go: the PipelineManager itself (single stage), or the
 * partitioned agent's stage 1, which routes partitioned pipelines' samples to partition queues.
 */
export type IngestSink = Pick<PipelineManager, 'publishGroups' | 'samplePipelines' | 'eventPipelines'>;

export interface IngestOptions {
  converter: NotificationConverter;
  manager: IngestSink;
  logger: Logger;
  metrics: IngestMetrics;
  /** `[notification] ack_on_event_error`: ack (true) or retry (false) when events failed to publish. */
  ackOnEventError: boolean;
}

interface Converted {
  delivery: Delivery;
  conversion: Conversion;
}

/**
 * The non-partitioned agent's batch handler: decode, convert, run the pipelines with one publish
 * context per notification (as Ceilometer), publish once per publisher, and decide per delivery:
 * ack after everything was published, retry when a publisher failed, dead-letter what can never
 * succeed (and keep a copy of notifications a definition failed on, after publishing the rest).
 */
export function createIngestHandler(options: IngestOptions): BatchHandler {
  const { converter, manager, logger, metrics } = options;
  return async (batch) => {
    const outcome: BatchOutcome = { ack: [], retry: [], deadLetter: [] };
    const converted: Converted[] = [];
    for (const delivery of batch) {
      const result = convertOne(delivery, converter, logger, metrics);
      if ('reason' in result) outcome.deadLetter.push({ delivery, reason: result.reason, error: result.error });
      else if (result.conversion.unknownPriority) outcome.ack.push(delivery);
      else converted.push({ delivery, conversion: result.conversion });
    }
    if (converted.length === 0) return outcome;
    const groups: PublishGroup[] = converted.map(({ conversion }) => ({
      samples: conversion.samples,
      events: conversion.event ? [conversion.event] : [],
    }));
    const report = await manager.publishGroups(groups);
    const sampleFailed = failedPipelines(report, manager, 'sample');
    const eventFailed = failedPipelines(report, manager, 'event');
    metrics.published(report.published);
    for (const error of report.publishErrors)
      logger.warn({ publisher: error.publisher, err: error.error }, 'publisher failed');
    for (const { delivery, conversion } of converted) {
      if (sampleFailed || (eventFailed && !options.ackOnEventError)) {
        outcome.retry.push({ delivery, reason: 'publisher_failed' });
        continue;
      }
      const failure = definitionFailure(conversion);
      if (failure) {
        metrics.deadLettered('definition_failed');
        outcome.deadLetter.push({ delivery, reason: 'definition_failed', error: failure });
      } else outcome.ack.push(delivery);
    }
    return outcome;
  };
}

function convertOne(
  delivery: Delivery,
  converter: NotificationConverter,
  logger: Logger,
  metrics: IngestMetrics,
): { conversion: Conversion } | { reason: string; error: string } {
  try {
    const notification = decodeNotificationText(delivery.body.toString('utf8'));
    const conversion = converter.convert(notification);
    metrics.converted(notification.priority, conversion);
    if (conversion.unknownPriority)
      logger.warn({ priority: notification.priority }, 'unknown priority: notification dropped');
    for (const d of conversion.dropped) logger.warn({ definition: d.definition, reason: d.reason }, d.detail);
    for (const w of conversion.warnings) logger.warn({ event_type: notification.message.event_type }, w);
    return { conversion };
  } catch (err) {
    const reason = err instanceof BadInputError ? err.reason : 'conversion_failed';
    metrics.deadLettered(reason);
    return { reason, error: (err as Error).message };
  }
}

function definitionFailure(conversion: Conversion): string | null {
  if (conversion.failures.length === 0 && conversion.traitErrors.length === 0) return null;
  const parts = [
    ...conversion.failures.map((f) => `meter ${f.definition}: ${f.message}`),
    ...conversion.traitErrors.map((t) => `event ${t}`),
  ];
  return parts.length > 0 ? parts.join('; ') : null;
}

function failedPipelines(
  report: Awaited<ReturnType<PipelineManager['publishGroups']>>,
  manager: IngestSink,
  kind: 'sample' | 'event',
): boolean {
  const pipelines = kind === 'sample' ? manager.samplePipelines : manager.eventPipelines;
  return pipelines.some((p) => (report.pipelines.get(p.name)?.publishErrors.length ?? 0) > 0);
}
