/**
 * Stage 1 of the partitioned agent (DESIGN.md "Data flow"): stands in for the PipelineManager
 * behind the ingest handler. Events and the pipelines without transformers are published in
 * place, as single-stage; every sample a partitioned pipeline's source accepts goes, signed, to
 * `<prefix>-pipe-<pipeline>-<stableHash(grouping key) mod P>` with publisher confirms. The report
 * carries a failed publish as that pipeline's publisher error, so the ingest handler retries the
 * notifications instead of acking them.
 */
import { MeterflowError } from '../../errors.js';
import type { ConfirmPublisher } from '../../messaging/types.js';
import type { Sample } from '../../model/index.js';
import { partitionQueue, route } from '../../partitioning/index.js';
import type { BatchReport, PipelineManager, PublishGroup, SamplePipeline } from '../../pipeline/index.js';
import { emptyReport } from '../../pipeline/index.js';
import type { IngestSink } from '../ingest.js';
import { encodeSamples, PARTITION_CONTENT_TYPE } from './codec.js';
import type { PartitionedMetrics } from './metrics.js';

/** A pipeline whose samples go through partition queues, with its grouping key. */
export interface PartitionedPipeline {
  pipeline: SamplePipeline;
  keys: readonly string[];
}

export interface StageOneOptions {
  manager: PipelineManager;
  partitioned: readonly PartitionedPipeline[];
  /** P. */
  partitions: number;
  prefix: string;
  publisher: ConfirmPublisher;
  telemetrySecret: string;
  metrics: PartitionedMetrics;
}

interface Outgoing {
  pipeline: string;
  queue: string;
  samples: Sample[];
}

type Encoded = Outgoing & ({ body: Buffer } | { error: Error });

export class StageOne implements IngestSink {
  private readonly skip: ReadonlySet<string>;

  constructor(private readonly options: StageOneOptions) {
    this.skip = new Set(options.partitioned.map((p) => p.pipeline.name));
  }

  get samplePipelines(): IngestSink['samplePipelines'] {
    return this.options.manager.samplePipelines;
  }

  get eventPipelines(): IngestSink['eventPipelines'] {
    return this.options.manager.eventPipelines;
  }

  /**
   * Every partition queue, durable and without arguments (idempotent). A queue deleted later is
   * declared again by its stage-2 consumer (the broker cancels it), or here when a publish to it
   * comes back unroutable.
   */
  async declareQueues(): Promise<void> {
    const { partitioned, partitions, prefix, publisher } = this.options;
    for (const { pipeline } of partitioned) {
      for (let p = 0; p < partitions; p++) {
        await publisher.assertQueue(partitionQueue(prefix, pipeline.name, p), { durable: true });
      }
    }
  }

  async publishGroups(groups: readonly PublishGroup[], flush = true): Promise<BatchReport> {
    // Encoded first: the pipelines published in place then find each sample's line on it.
    const outgoing = [...this.route(groups).values()].map((out) => this.encode(out));
    const report = await this.options.manager.publishGroups(groups, flush, this.skip);
    await Promise.all(outgoing.map((out) => this.send(out, report)));
    return report;
  }

  /** The partition message of `out`, or why it cannot be written (reported like a failed publish). */
  private encode(out: Outgoing): Encoded {
    try {
      return { ...out, body: encodeSamples(out.samples, this.options.telemetrySecret) };
    } catch (err) {
      return { ...out, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  /** Samples by destination queue, in arrival order (order within a partition is preserved). */
  private route(groups: readonly PublishGroup[]): Map<string, Outgoing> {
    const { partitioned, partitions, prefix } = this.options;
    const outgoing = new Map<string, Outgoing>();
    for (const group of groups) {
      for (const { pipeline, keys } of partitioned) {
        for (const sample of group.samples) {
          if (!pipeline.supports(sample)) continue;
          const queue = partitionQueue(prefix, pipeline.name, route(sample, keys, partitions));
          let out = outgoing.get(queue);
          if (!out) {
            out = { pipeline: pipeline.name, queue, samples: [] };
            outgoing.set(queue, out);
          }
          out.samples.push(sample);
        }
      }
    }
    return outgoing;
  }

  private async send(out: Encoded, report: BatchReport): Promise<void> {
    let pipelineReport = report.pipelines.get(out.pipeline);
    if (!pipelineReport) {
      pipelineReport = emptyReport();
      report.pipelines.set(out.pipeline, pipelineReport);
    }
    try {
      // Mandatory: a partition queue that vanished makes the publish fail instead of dropping it.
      if (!('body' in out)) throw out.error;
      await this.options.publisher.publish('', out.queue, out.body, {
        persistent: true,
        contentType: PARTITION_CONTENT_TYPE,
        mandatory: true,
      });
      pipelineReport.published += out.samples.length;
      report.published += out.samples.length;
      this.options.metrics.routed(out.pipeline, out.samples.length);
    } catch (err) {
      const failure = { publisher: `partition queue ${out.queue}`, error: err as Error };
      pipelineReport.publishErrors.push(failure);
      report.publishErrors.push(failure);
      // The queue was deleted (returned as unroutable): declare it again before the retry comes.
      if (err instanceof MeterflowError && err.code === 'amqp_unroutable') {
        await this.options.publisher.assertQueue(out.queue, { durable: true, again: true }).catch(() => undefined);
      }
    }
  }
}
