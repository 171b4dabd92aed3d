import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LoadedConfig } from './load-config.js';
import { decodeNotification, isNotificationLike, NotificationConverter } from '../definitions/index.js';
import type { Conversion } from '../definitions/index.js';
import { BadInputError } from '../errors.js';
import { type ManualClock, parseIsoTime, epochMicros, parsePyJson, sampleFromRecord } from '../model/index.js';
import type { Event, PyJson, Sample } from '../model/index.js';
import type { Logger } from '../observability/logger.js';
import { PipelineManager } from '../pipeline/index.js';
import { createPublisher } from '../publishers/index.js';
import type { Publisher } from '../publishers/index.js';
import { defaultTransformerContext } from '../transformers/index.js';

export interface ReplayOptions {
  config: LoadedConfig;
  /** The clock `now` of a batch sets; give the same one to `loadConfig`. */
  clock: ManualClock;
  /** Write published samples here (one metering message per line) instead of the sinks' publishers. */
  output?: string;
  /** Same for events. */
  eventsOutput?: string;
  logger: Logger;
  /** Problems with input lines, one per call (`line 3: not JSON: ...`). */
  report: (message: string) => void;
}

export interface ReplayStats {
  lines: number;
  skippedLines: number;
  notifications: number;
  samplesIn: number;
  samplesPublished: number;
  eventsPublished: number;
  droppedSamples: number;
  definitionFailures: number;
  traitErrors: number;
  publishErrors: number;
}

interface Batch {
  samples: Sample[];
  events: Event[];
  now?: number;
  flush: boolean;
}

const isObject = (v: unknown): v is { [k: string]: PyJson } => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Offline run of the real pipeline code: each input line is one batch that goes through every
 * pipeline, then (unless `flush: false`) every pipeline is flushed, as a publish context does.
 */
export class Replayer {
  readonly stats: ReplayStats = {
    lines: 0,
    skippedLines: 0,
    notifications: 0,
    samplesIn: 0,
    samplesPublished: 0,
    eventsPublished: 0,
    droppedSamples: 0,
    definitionFailures: 0,
    traitErrors: 0,
    publishErrors: 0,
  };
  private readonly clock: ManualClock;
  private readonly manager: PipelineManager;
  private readonly converter: NotificationConverter | null;
  private readonly sampleSource: string;

  constructor(private readonly options: ReplayOptions) {
    const { config, logger } = options;
    this.clock = options.clock;
    if (!config.options || config.issues.length > 0) throw new Error('replay needs a valid configuration');
    const secret = config.options.publisher.telemetry_secret;
    this.sampleSource = config.options.DEFAULT.sample_source;
    const publisherContext = { telemetrySecret: secret, logger, clock: this.clock, baseDir: process.cwd() };
    const overrides: { samples?: Publisher; events?: Publisher } = {};
    if (options.output)
      overrides.samples = createPublisher(pathToFileURL(resolve(options.output)).href, publisherContext);
    if (options.eventsOutput)
      overrides.events = createPublisher(pathToFileURL(resolve(options.eventsOutput)).href, publisherContext);
    this.manager = PipelineManager.build(config.pipelines, {
      transformerContext: defaultTransformerContext({
        clock: this.clock,
        logger,
        sampleSource: this.sampleSource,
        idleTtlMs: config.options.meterflow.state_idle_ttl * 1000,
      }),
      publisherContext,
      logger,
      overrides,
      skipUnavailablePublishers: true,
    });
    for (const [kind, file] of [
      ['samples', config.pipelines.sample],
      ['events', config.pipelines.event],
    ] as const) {
      const offline = (file?.sinks ?? [])
        .flatMap((sink) => sink.publishers)
        .filter((p) => p.url.startsWith('notifier:'));
      const overridden = kind === 'samples' ? overrides.samples : overrides.events;
      if (offline.length > 0 && !overridden) {
        options.report(
          `replay: ${offline.length} notifier:// publisher(s) of ${file?.file} skipped offline (use --output/--events-output)`,
        );
      }
    }
    this.converter = config.meters
      ? new NotificationConverter(config.meters, config.events ?? null, {
          sampleSource: this.sampleSource,
          newId: randomUUID,
        })
      : null;
  }

  /** Process one input line; malformed lines are reported, counted and skipped. */
  async line(text: string): Promise<void> {
    this.stats.lines += 1;
    if (text.trim() === '') return;
    let batch: Batch;
    try {
      batch = this.decodeBatch(parsePyJson(text));
    } catch (err) {
      this.stats.skippedLines += 1;
      const message = err instanceof SyntaxError ? `not JSON: ${err.message}` : (err as Error).message;
      this.options.report(`line ${this.stats.lines}: ${message}`);
      return;
    }
    if (batch.now !== undefined) this.clock.set(batch.now);
    this.stats.samplesIn += batch.samples.length;
    const report = await this.manager.publishBatch(batch, batch.flush);
    this.stats.publishErrors += report.publishErrors.length;
    for (const failure of report.publishErrors) {
      this.options.report(`line ${this.stats.lines}: publisher ${failure.publisher} failed: ${failure.error.message}`);
    }
    this.stats.samplesPublished += countSamples(this.manager, report, 'sample');
    this.stats.eventsPublished += countSamples(this.manager, report, 'event');
  }

  async close(): Promise<ReplayStats> {
    await this.manager.close();
    return this.stats;
  }

  private decodeBatch(value: PyJson): Batch {
    if (isObject(value) && 'batch' in value) {
      const { batch, now, flush = true, ...rest } = value;
      const extra = Object.keys(rest);
      if (extra.length > 0) throw new BadInputError('bad_batch', `unknown batch keys: ${extra.join(', ')}`);
      if (!Array.isArray(batch)) throw new BadInputError('bad_batch', 'batch must be a list');
      if (typeof flush !== 'boolean') throw new BadInputError('bad_batch', 'flush must be true or false');
      const out = this.decodeItems(batch);
      if (now !== undefined) {
        if (typeof now !== 'string') throw new BadInputError('bad_batch', 'now must be an ISO 8601 string');
        out.now = Math.floor(epochMicros(parseIsoTime(now)) / 1000);
      }
      out.flush = flush;
      return out;
    }
    return this.decodeItems(Array.isArray(value) ? value : [value]);
  }

  private decodeItems(items: readonly PyJson[]): Batch {
    const batch: Batch = { samples: [], events: [], flush: true };
    items.forEach((item, i) => {
      const where = items.length > 1 ? `item ${i}: ` : '';
      try {
        if (isNotificationLike(item) && !('counter_name' in item)) this.addNotification(item, batch);
        else batch.samples.push(sampleFromRecord(item, { source: this.sampleSource, newId: randomUUID }));
      } catch (err) {
        throw new BadInputError('bad_item', `${where}${(err as Error).message}`, err);
      }
    });
    return batch;
  }

  private addNotification(item: PyJson, batch: Batch): void {
    const notification = decodeNotification(item);
    this.stats.notifications += 1;
    if (!this.converter) return;
    const conversion = this.converter.convert(notification);
    this.account(conversion);
    batch.samples.push(...conversion.samples);
    if (conversion.event) batch.events.push(conversion.event);
  }

  private account(conversion: Conversion): void {
    const { logger } = this.options;
    this.stats.droppedSamples += conversion.dropped.length;
    this.stats.definitionFailures += conversion.failures.length;
    this.stats.traitErrors += conversion.traitErrors.length;
    for (const d of conversion.dropped) logger.warn({ definition: d.definition, reason: d.reason }, d.detail);
    for (const f of conversion.failures) logger.warn({ definition: f.definition }, `definition failed: ${f.message}`);
    for (const t of conversion.traitErrors) logger.warn({}, t);
    for (const w of conversion.warnings) logger.warn({}, w);
    if (conversion.unknownPriority) logger.warn({}, 'unknown priority; notification ignored');
  }
}

/** Published counts per kind, from the per-pipeline reports. */
function countSamples(
  manager: PipelineManager,
  report: { pipelines: Map<string, { published: number }> },
  kind: 'sample' | 'event',
): number {
  const names = new Set((kind === 'sample' ? manager.samplePipelines : manager.eventPipelines).map((p) => p.name));
  let total = 0;
  for (const [name, r] of report.pipelines) if (names.has(name)) total += r.published;
  return total;
}
