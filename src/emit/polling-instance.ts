/**
 * The simulated instances of the `polling` scenario: identity and metadata as Ceilometer's
 * compute pollsters report them, and cumulative counters that grow with a per-instance load.
 */
import type { PyJson } from '../model/index.js';
import type { SeededRandom } from './random.js';

const FLAVORS = [
  { id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 },
  { id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
  { id: '3', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40 },
  { id: '4', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80 },
  { id: '5', name: 'm1.xlarge', vcpus: 8, ram: 16384, disk: 160 },
] as const;

/** The five cumulative counters, in the order they appear in a poll's payload. */
export const POLLED_METERS = [
  { name: 'cpu', unit: 'ns' },
  { name: 'disk.read.bytes', unit: 'B' },
  { name: 'disk.write.bytes', unit: 'B' },
  { name: 'network.incoming.bytes', unit: 'B' },
  { name: 'network.outgoing.bytes', unit: 'B' },
] as const;

export type PolledMeter = (typeof POLLED_METERS)[number]['name'];

export interface SimulatedInstance {
  id: string;
  userId: string;
  projectId: string;
  cpuNumber: number;
  /** When in each interval this instance is polled, ms after the poll starts. */
  offsetMs: number;
  /** The polling host's monotonic clock at the first poll, in microseconds. */
  monotonicBaseMicros: number;
  /** Network resource id (`instance-<n>-<uuid>-tap<port>`). */
  vnicResourceId: string;
  metadata: { [key: string]: PyJson };
  vnicMetadata: { [key: string]: PyJson };
  /** CPU utilisation (0–1), a random walk. */
  utilisation: number;
  /** Mean growth in bytes per second of the byte counters. */
  byteRates: Record<Exclude<PolledMeter, 'cpu'>, number>;
  counters: Record<PolledMeter, number>;
}

/** Bytes per second between `min` and `max`, log-uniform (most instances are quiet). */
function logUniform(rng: SeededRandom, min: number, max: number): number {
  return Math.round(Math.exp(rng.between(Math.log(min), Math.log(max))));
}

export function createInstance(rng: SeededRandom, index: number, intervalMs: number): SimulatedInstance {
  const id = rng.uuid4();
  const flavor = rng.pick(FLAVORS);
  const host = `compute-${String(rng.int(1, 40)).padStart(3, '0')}`;
  const name = `instance-${(index + 1).toString(16).padStart(8, '0')}`;
  const imageRef = rng.uuid4();
  const port = rng.uuid4();
  const mac = `fa:16:3e:${rng.hex(1)}:${rng.hex(1)}:${rng.hex(1)}`;
  const metadata: { [key: string]: PyJson } = {
    display_name: `vm-${id.slice(0, 8)}`,
    name,
    instance_id: id,
    instance_type: flavor.name,
    host: rng.hex(28),
    instance_host: host,
    flavor: {
      id: flavor.id,
      name: flavor.name,
      vcpus: flavor.vcpus,
      ram: flavor.ram,
      disk: flavor.disk,
      ephemeral: 0,
      swap: 0,
    },
    status: 'active',
    state: 'running',
    task_state: null,
    image: { id: imageRef },
    image_ref: imageRef,
    image_ref_url: null,
    architecture: 'x86_64',
    os_type: 'hvm',
    vcpus: flavor.vcpus,
    memory_mb: flavor.ram,
    disk_gb: flavor.disk,
    ephemeral_gb: 0,
    root_gb: flavor.disk,
  };
  const vnic = `tap${port.slice(0, 11)}`;
  const utilisation = rng.between(0.02, 0.9);
  const byteRates = {
    'disk.read.bytes': logUniform(rng, 1_000, 20_000_000),
    'disk.write.bytes': logUniform(rng, 1_000, 10_000_000),
    'network.incoming.bytes': logUniform(rng, 500, 50_000_000),
    'network.outgoing.bytes': logUniform(rng, 500, 50_000_000),
  };
  // Instances have been running for up to a day before the first poll.
  const uptime = rng.between(60, 86_400);
  const counters = {
    cpu: Math.round(uptime * utilisation * flavor.vcpus * 1e9),
    'disk.read.bytes': Math.round(uptime * byteRates['disk.read.bytes']),
    'disk.write.bytes': Math.round(uptime * byteRates['disk.write.bytes']),
    'network.incoming.bytes': Math.round(uptime * byteRates['network.incoming.bytes']),
    'network.outgoing.bytes': Math.round(uptime * byteRates['network.outgoing.bytes']),
  };
  return {
    id,
    userId: rng.hex(16),
    projectId: rng.hex(16),
    cpuNumber: flavor.vcpus,
    offsetMs: Math.floor(rng.next() * Math.min(intervalMs / 2, 5000)),
    // A non-zero fraction keeps monotonic_time a float whose str() has decimals, as Python's.
    monotonicBaseMicros: rng.int(1_000, 5_000_000) * 1_000_000 + rng.int(1, 999_999),
    vnicResourceId: `${name}-${id}-${vnic}`,
    metadata,
    vnicMetadata: { ...metadata, mac, fref: null, parameters: {}, vnic_name: vnic },
    utilisation,
    byteRates,
    counters,
  };
}

/**
 * Advances the counters by one interval: CPU grows with a drifting utilisation, bytes with the
 * instance's rates ±50 %. A reset (reboot) restarts every counter near 0 instead.
 */
export function advanceInstance(
  instance: SimulatedInstance,
  rng: SeededRandom,
  intervalMs: number,
  reset: boolean,
): void {
  const seconds = intervalMs / 1000;
  instance.utilisation = Math.min(1, Math.max(0.01, instance.utilisation + rng.between(-0.05, 0.05)));
  const cpuGrowth = instance.utilisation * instance.cpuNumber * seconds * 1e9 * rng.between(0.9, 1.1);
  const growth: Record<PolledMeter, number> = {
    cpu: cpuGrowth,
    'disk.read.bytes': instance.byteRates['disk.read.bytes'] * seconds * rng.between(0.5, 1.5),
    'disk.write.bytes': instance.byteRates['disk.write.bytes'] * seconds * rng.between(0.5, 1.5),
    'network.incoming.bytes': instance.byteRates['network.incoming.bytes'] * seconds * rng.between(0.5, 1.5),
    'network.outgoing.bytes': instance.byteRates['network.outgoing.bytes'] * seconds * rng.between(0.5, 1.5),
  };
  for (const { name } of POLLED_METERS) {
    // After a reset the counter only holds what accumulated since the reboot: part of one interval.
    const next = reset ? growth[name] * rng.between(0, 0.5) : instance.counters[name] + growth[name];
    instance.counters[name] = Math.round(next);
  }
}
