/**
 * Shared pieces of the partitioned-agent unit tests: a small PipelineManager (a stateful
 * rate_of_change pipeline, a stateless one, an event pipeline, all on `test://` publishers with
 * names unique to the caller), samples, deliveries, and in-memory stand-ins for the batch
 * listener and the partition state store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineName } from '../../../../src/config/index.js';
import type { BatchHandler, BatchListener, BatchOutcome, Delivery } from '../../../../src/messaging/types.js';
import { ManualClock, type Sample } from '../../../../src/model/index.js';
import { silentLogger } from '../../../../src/observability/logger.js';
import { refKey } from '../../../../src/partitioning/index.js';
import type { PartitionRef } from '../../../../src/partitioning/index.js';
import type { LoadedState, WriteOptions } from '../../../../src/partitioning/state-store.js';
import { PipelineManager } from '../../../../src/pipeline/index.js';
import { testPublisherStore } from '../../../../src/publishers/index.js';
import { defaultTransformerContext } from '../../../../src/transformers/index.js';
import type { StateValue, TransformerState } from '../../../../src/transformers/index.js';
import { pipelineConfig } from '../../../helpers/pipeline-config.js';
import { sample, T0 } from '../../transformers/fixtures.js';

export { sample, T0 };

export const SECRET = 'partition-secret';

/** ISO timestamp `seconds` after T0, as Ceilometer writes it. */
export function at(seconds: number): string {
  return `${new Date(T0 + seconds * 1000).toISOString().slice(0, 19)}+00:00`;
}

/** A cumulative cpu sample of `resource` at `seconds`. */
export const cpu = (resource: string, volume: number, seconds: number): Sample =>
  sample({ resource_id: resource, volume, timestamp: at(seconds) });

export function delivery(body: Buffer, queue = 'q'): Delivery {
  return {
    body,
    queue,
    exchange: '',
    routingKey: queue,
    redelivered: false,
    headers: {},
    contentType: 'application/x-ndjson',
    transport: 0,
  };
}

/** The stateful pipeline (rate of `cpu` per resource) and the stateless one (every meter). */
export const RATE = pipelineName('sample', 'cpu_source', 'rate_sink');
export const PLAIN = pipelineName('sample', 'all', 'plain_sink');

export interface Built {
  manager: PipelineManager;
  /** `test://` store names of the sinks. */
  rate: string;
  plain: string;
  events: string;
}

/**
 * A manager with RATE, PLAIN and one event pipeline. `rateQuery` is appended to the rate sink's
 * publisher URL (`?fail=1`, `?fail=always`).
 */
export function buildManager(t: { teardown(fn: () => void): void }, rateQuery = ''): Built {
  const tag = randomBytes(4).toString('hex');
  const names = { rate: `pt-rate-${tag}`, plain: `pt-plain-${tag}`, events: `pt-events-${tag}` };
  const baseDir = mkdtempSync(join(tmpdir(), 'meterflow-partitioned-'));
  t.teardown(() => {
    rmSync(baseDir, { recursive: true, force: true });
    for (const name of Object.values(names)) testPublisherStore(name).clear();
  });
  const clock = new ManualClock(T0);
  const manager = PipelineManager.build(
    {
      sample: pipelineConfig(
        'sample',
        [
          { name: 'cpu_source', patterns: ['cpu'], sinks: ['rate_sink'] },
          { name: 'all', patterns: ['*'], sinks: ['plain_sink'] },
        ],
        [
          {
            name: 'rate_sink',
            transformers: [
              { name: 'rate_of_change', parameters: { target: { name: 'cpu_rate', unit: 'ns/s', type: 'gauge' } } },
            ],
            publishers: [`test://${names.rate}${rateQuery}`],
          },
          { name: 'plain_sink', publishers: [`test://${names.plain}`] },
        ],
      ),
      event: pipelineConfig(
        'event',
        [{ name: 'ev', patterns: ['*'], sinks: ['ev_sink'] }],
        [{ name: 'ev_sink', publishers: [`test://${names.events}`] }],
      ),
    },
    {
      transformerContext: defaultTransformerContext({ clock }),
      publisherContext: { telemetrySecret: SECRET, logger: silentLogger, clock, baseDir },
      logger: silentLogger,
    },
  );
  return { manager, ...names };
}

/** Samples without their ids (transformers give derived samples fresh random ids). */
export const withoutIds = (samples: readonly Sample[]) => samples.map(({ id: _, ...rest }) => rest);

/** A BatchListener that keeps the handler so the test can hand it batches; records its calls. */
export class FakeListener implements BatchListener {
  handler: BatchHandler | undefined;
  readonly calls: string[] = [];
  /** What `start` does besides recording (throw to refuse the consumer). */
  onStart: () => void | Promise<void> = () => undefined;

  constructor(readonly queue: string) {}

  async start(handler: BatchHandler): Promise<void> {
    this.calls.push('start');
    await this.onStart();
    this.handler = handler;
  }

  async stop(): Promise<void> {
    this.calls.push('stop');
  }

  async abort(): Promise<void> {
    this.calls.push('abort');
  }

  /** One batch through the handler, as the listener would hand it. */
  deliver(batch: readonly Delivery[]): Promise<BatchOutcome> {
    if (!this.handler) throw new Error(`${this.queue}: not started`);
    return this.handler(batch);
  }
}

export interface WriteCall {
  ref: PartitionRef;
  epoch: number;
  changes: Record<number, TransformerState>;
  full: boolean;
}

/**
 * The part of PartitionStateStore stage 2 uses, in memory: deltas patch entries (`null`
 * deletes), a full write (option, or `global.full`) replaces the index. `failWrites` queues
 * errors for the next writes (a failed write changes nothing); `failAfterApply` likewise, but
 * the write is applied first.
 */
export class FakeStore {
  private readonly stored = new Map<string, { epoch: number; states: Record<number, TransformerState> }>();
  readonly writes: WriteCall[] = [];
  readonly failWrites: Error[] = [];
  /** Errors for the next writes that are applied first (the reply was lost, as on a dropped connection). */
  readonly failAfterApply: Error[] = [];
  readonly failLoads: Error[] = [];
  loads = 0;
  /** Runs at the start of every write (a release arriving during a checkpoint, say). */
  beforeWrite: () => void | Promise<void> = () => undefined;

  async load(ref: PartitionRef): Promise<LoadedState | null> {
    this.loads += 1;
    const error = this.failLoads.shift();
    if (error) throw error;
    const found = this.stored.get(refKey(ref));
    return found ? { epoch: found.epoch, states: clone(found.states), batchId: null } : null;
  }

  async write(
    ref: PartitionRef,
    epoch: number,
    changes: Record<number, TransformerState>,
    options: WriteOptions = {},
  ): Promise<{ applied: boolean; bytes: number; entries: number }> {
    await Promise.resolve();
    await this.beforeWrite();
    const error = this.failWrites.shift();
    if (error) throw error;
    this.writes.push({ ref, epoch, changes: clone(changes), full: options.full === true });
    this.put(ref, epoch, changes, options.full === true);
    const lost = this.failAfterApply.shift();
    if (lost) throw lost;
    return { applied: true, ...this.size(ref) };
  }

  /** Bytes: the JSON of the stored states; entries: their count. */
  size(ref: PartitionRef): { bytes: number; entries: number } {
    const found = this.stored.get(refKey(ref));
    if (!found) return { bytes: 0, entries: 0 };
    const states = Object.values(found.states);
    return {
      bytes: JSON.stringify(states).length,
      entries: states.reduce((n, state) => n + Object.keys(state.entries).length, 0),
    };
  }

  async stateSize(ref: PartitionRef): Promise<{ bytes: number; entries: number }> {
    return this.size(ref);
  }

  /** Store states directly (what a previous owner left). */
  put(ref: PartitionRef, epoch: number, changes: Record<number, TransformerState>, full = false): void {
    const key = refKey(ref);
    const current = this.stored.get(key) ?? { epoch, states: {} };
    current.epoch = epoch;
    for (const [index, state] of Object.entries(clone(changes))) {
      const i = Number(index);
      const previous = current.states[i];
      const replace = full || isFull(state) || previous === undefined;
      const entries: Record<string, StateValue> = replace
        ? {}
        : { ...(previous.entries as Record<string, StateValue>) };
      for (const [k, v] of Object.entries(state.entries)) {
        if (v === null) delete entries[k];
        else entries[k] = v;
      }
      current.states[i] = {
        kind: state.kind,
        entries,
        ...(state.global === undefined ? (replace ? {} : { global: previous?.global }) : { global: state.global }),
      };
    }
    this.stored.set(key, current);
  }

  /** The stored entries of transformer `index`, or undefined. */
  entries(ref: PartitionRef, index = 0): Record<string, StateValue | null> | undefined {
    return this.stored.get(refKey(ref))?.states[index]?.entries;
  }
}

function isFull(state: TransformerState): boolean {
  const g = state.global;
  return typeof g === 'object' && g !== null && !Array.isArray(g) && g.full === true;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
