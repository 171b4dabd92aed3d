/**
 * The `polling` scenario: N instances polled every interval, one `telemetry.polling`
 * notification per instance and poll, as Ceilometer's polling agent sends them (priority
 * SAMPLE, publisher `ceilometer.polling`, exchange `ceilometer`, payload `{samples: [...]}` of
 * signed metering messages). Deterministic for a seed: ids, values and timestamps.
 */
import { formatOsloTimestamp, type OsloNotification } from '../messaging/oslo-envelope.js';
import { isoFromEpochMs, type Sample, sampleToMeteringMessage } from '../model/index.js';
import { advanceInstance, createInstance, POLLED_METERS, type SimulatedInstance } from './polling-instance.js';
import { SeededRandom } from './random.js';

/** Ceilometer's default `[publisher] telemetry_secret`. */
export const DEFAULT_TELEMETRY_SECRET = 'change this for valid signing';
/** Default `--start`: every run without one produces the same timestamps. */
export const DEFAULT_SCENARIO_START = '2026-01-01T00:00:00Z';

export interface PollingScenarioOptions {
  /** Default 100. */
  instances?: number;
  /** Simulated seconds between polls. Default 60. */
  intervalSeconds?: number;
  /** Chance per instance and poll that the counters restart near 0. Default 0.01. */
  resetProbability?: number;
  /** Default `'meterflow'`. */
  seed?: string;
  /** Epoch ms of the first poll. Default 2026-01-01T00:00:00Z. */
  startMs?: number;
  /** Signing key of the metering messages. Default Ceilometer's. */
  telemetrySecret?: string;
}

/** One notification of the scenario, not yet encoded. */
export interface ScenarioNotification {
  poll: number;
  instance: number;
  /** True when this instance's counters were reset at this poll. */
  reset: boolean;
  notification: OsloNotification;
}

export class PollingScenario {
  readonly instances: readonly SimulatedInstance[];
  private readonly rng: SeededRandom;
  private readonly intervalMs: number;
  private readonly resetProbability: number;
  private readonly startMs: number;
  private readonly secret: string;

  constructor(options: PollingScenarioOptions = {}) {
    this.rng = new SeededRandom(options.seed ?? 'meterflow');
    this.intervalMs = (options.intervalSeconds ?? 60) * 1000;
    this.resetProbability = options.resetProbability ?? 0.01;
    this.startMs = options.startMs ?? Date.parse(DEFAULT_SCENARIO_START);
    this.secret = options.telemetrySecret ?? DEFAULT_TELEMETRY_SECRET;
    const count = options.instances ?? 100;
    this.instances = Array.from({ length: count }, (_, i) => createInstance(this.rng, i, this.intervalMs));
  }

  /** Every notification, poll after poll, instance after instance; endless. */
  *notifications(): Generator<ScenarioNotification> {
    for (let poll = 0; ; poll++) {
      for (let i = 0; i < this.instances.length; i++) yield this.next(poll, i);
    }
  }

  private next(poll: number, index: number): ScenarioNotification {
    const instance = this.instances[index] as SimulatedInstance;
    // The first poll reports the counters as found; later ones advance them.
    const reset = poll > 0 && this.rng.next() < this.resetProbability;
    if (poll > 0) advanceInstance(instance, this.rng, this.intervalMs, reset);
    const at = this.startMs + poll * this.intervalMs + instance.offsetMs;
    const monotonicMicros = instance.monotonicBaseMicros + poll * this.intervalMs * 1000 + instance.offsetMs * 1000;
    const samples = POLLED_METERS.map(({ name, unit }) => {
      const vnic = name.startsWith('network.');
      const sample: Sample = {
        name,
        type: 'cumulative',
        unit,
        volume: instance.counters[name],
        user_id: instance.userId,
        project_id: instance.projectId,
        resource_id: vnic ? instance.vnicResourceId : instance.id,
        timestamp: isoFromEpochMs(at),
        resource_metadata:
          name === 'cpu'
            ? { ...instance.metadata, cpu_number: instance.cpuNumber }
            : vnic
              ? instance.vnicMetadata
              : instance.metadata,
        source: 'openstack',
        id: this.rng.uuid4(),
        monotonic_time: monotonicMicros / 1e6,
      };
      return sampleToMeteringMessage(sample, this.secret);
    });
    return {
      poll,
      instance: index,
      reset,
      notification: {
        messageId: this.rng.uuid4(),
        uniqueId: this.rng.hex(16),
        publisherId: 'ceilometer.polling',
        eventType: 'telemetry.polling',
        priority: 'SAMPLE',
        payload: { samples },
        // The notification leaves the agent a few milliseconds after the samples were taken.
        timestamp: formatOsloTimestamp(at + 3 + this.rng.int(0, 999) / 1000),
        context: {},
      },
    };
  }
}
