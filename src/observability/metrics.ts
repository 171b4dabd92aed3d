import { Counter, type Registry } from 'prom-client';
import type { Conversion } from '../definitions/index.js';

const KNOWN_PRIORITIES = new Set(['audit', 'debug', 'info', 'warn', 'error', 'critical', 'sample']);

/** Counters of the ingest path; label values are bounded (priorities, reasons). */
export interface IngestMetrics {
  converted(priority: string, conversion: Conversion): void;
  deadLettered(reason: string): void;
  published(count: number): void;
}

/** Register the ingest counters in `registry` (injected, never the global one). */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  const notifications = new Counter({
    name: 'meterflow_notifications_total',
    help: 'Notifications decoded, by priority (unknown priorities are counted as "unknown").',
    labelNames: ['priority'],
    registers,
  });
  const samples = new Counter({
    name: 'meterflow_samples_total',
    help: 'Samples produced from notifications.',
    registers,
  });
  const dropped = new Counter({
    name: 'meterflow_samples_dropped_total',
    help: 'Samples a definition produced but that were not valid, by reason.',
    labelNames: ['reason'],
    registers,
  });
  const events = new Counter({
    name: 'meterflow_events_total',
    help: 'Events produced from notifications.',
    registers,
  });
  const failures = new Counter({
    name: 'meterflow_definition_failures_total',
    help: 'Meter definitions or event traits that could not be evaluated for a notification.',
    labelNames: ['kind'],
    registers,
  });
  const deadLettered = new Counter({
    name: 'meterflow_dead_lettered_total',
    help: 'Notifications sent to the dead-letter queue, by reason.',
    labelNames: ['reason'],
    registers,
  });
  const published = new Counter({
    name: 'meterflow_published_total',
    help: 'Samples and events taken by publishers (one per publisher).',
    registers,
  });
  return {
    converted(priority, conversion) {
      notifications.inc({ priority: KNOWN_PRIORITIES.has(priority) ? priority : 'unknown' });
      if (conversion.samples.length > 0) samples.inc(conversion.samples.length);
      if (conversion.event) events.inc();
      for (const d of conversion.dropped) dropped.inc({ reason: d.reason });
      if (conversion.failures.length > 0) failures.inc({ kind: 'meter' }, conversion.failures.length);
      if (conversion.traitErrors.length > 0) failures.inc({ kind: 'trait' }, conversion.traitErrors.length);
    },
    deadLettered(reason) {
      deadLettered.inc({ reason });
    },
    published(count) {
      if (count > 0) published.inc(count);
    },
  };
}

/** Transformer cache entries evicted after `state_idle_ttl` (bounded memory, DESIGN "State"). */
export function createEvictionCounter(registry: Registry): (count: number) => void {
  const evicted = new Counter({
    name: 'meterflow_transformer_evictions_total',
    help: 'Transformer cache entries evicted because they were idle longer than state_idle_ttl.',
    registers: [registry],
  });
  return (count) => {
    if (count > 0) evicted.inc(count);
  };
}
