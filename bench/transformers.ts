/**
 * Transformer hot paths: samples/s through handle() (+ a flush every batch) per transformer, heap
 * bytes per cached resource with 1M resources, and checkpoint costs. Prints a table and writes
 * bench/results/transformers.json (run from the repository root).
 *
 *   npm run build && node dist/bench/transformers.js
 *
 * Heap figures need `--expose-gc`; without it the script re-runs itself with the flag.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../src/model/clock.js';
import type { Sample } from '../src/model/sample.js';
import { defaultTransformerContext, type Transformer, transformerRegistry } from '../src/transformers/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  const run = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(run.status ?? 1);
}

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 500_000);
const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 1_000_000);
const BATCH = 100;
const T0 = Date.UTC(2026, 0, 1);

const CASES: [string, Record<string, unknown>][] = [
  ['accumulator', { size: 100 }],
  ['unit_conversion', { target: { scale: 'volume * 8', unit: 'bit' } }],
  [
    'rate_of_change',
    {
      target: {
        name: 'cpu_util',
        unit: '%',
        type: 'gauge',
        max: 100,
        scale: '100.0 / (10**9 * (resource_metadata.cpu_number or 1))',
      },
    },
  ],
  ['delta', { target: { name: 'cpu.delta' }, growth_only: true }],
  ['aggregator', { size: 1000, user_id: 'last' }],
  ['arithmetic', { target: { name: 'memory_util', unit: '%', expr: '100.0 * $(memory.usage) / $(memory)' } }],
];

let counter = 0;
function makeSample(name: string, resource: number, step: number): Sample {
  counter += 1;
  const ts = new Date(T0 + step * 60_000).toISOString(); // input data only
  return {
    name: name === 'arithmetic' ? (step % 2 === 0 ? 'memory' : 'memory.usage') : 'cpu',
    type: 'cumulative',
    unit: 'ns',
    volume: 1_000_000_000 * step + resource,
    user_id: 'user',
    project_id: 'project',
    resource_id: `resource-${resource}`,
    timestamp: `${ts.slice(0, 19)}+00:00`,
    resource_metadata: { cpu_number: 2, flavor: 'm1.small' },
    source: 'openstack',
    id: `id-${counter}`,
    monotonic_time: null,
  };
}

function build(name: string, params: Record<string, unknown>, clock: ManualClock): Transformer {
  const spec = transformerRegistry.get(name);
  if (spec === undefined) throw new Error(name);
  let ids = 0;
  return spec.create(params, defaultTransformerContext({ clock, newId: () => `out-${++ids}` }));
}

function throughput(name: string, params: Record<string, unknown>): number {
  const clock = new ManualClock(T0);
  const tr = build(name, params, clock);
  const resources = 1000;
  const input = Array.from({ length: SAMPLES }, (_, i) => makeSample(name, i % resources, Math.floor(i / resources)));
  const start = performance.now();
  for (let i = 0; i < input.length; i += 1) {
    tr.handle(input[i] as Sample);
    if (i % BATCH === BATCH - 1) tr.flush();
  }
  tr.flush();
  return SAMPLES / ((performance.now() - start) / 1000);
}

interface Memory {
  bytesPerResource: number;
  snapshotMs: number;
  changesMs: number;
}

function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function memory(name: string, params: Record<string, unknown>): Memory {
  const clock = new ManualClock(T0);
  const tr = build(name, params, clock);
  const before = heap();
  for (let r = 0; r < RESOURCES; r += 1) tr.handle(makeSample(name, r, 0));
  const bytesPerResource = (heap() - before) / RESOURCES;
  tr.snapshotChanges();
  let start = performance.now();
  const entries = Object.keys(tr.snapshot().entries).length;
  const snapshotMs = performance.now() - start;
  if (entries !== RESOURCES) throw new Error(`${name}: ${entries} entries cached, expected ${RESOURCES}`);
  for (let r = 0; r < 1000; r += 1) tr.handle(makeSample(name, r, 1));
  start = performance.now();
  tr.snapshotChanges();
  return { bytesPerResource, snapshotMs, changesMs: performance.now() - start };
}

const rows: Record<string, unknown>[] = [];
for (const [name, params] of CASES) {
  const row: Record<string, unknown> = { transformer: name, samplesPerSecond: Math.round(throughput(name, params)) };
  if (['rate_of_change', 'delta', 'arithmetic'].includes(name)) {
    const m = memory(name, params);
    row.heapBytesPerResource = Math.round(m.bytesPerResource);
    row.snapshotMs1M = Math.round(m.snapshotMs);
    row.changesMs1k = Number(m.changesMs.toFixed(2));
  }
  rows.push(row);
  console.error(`done ${name}`);
}

console.table(rows);
const result = { samples: SAMPLES, resources: RESOURCES, batch: BATCH, node: process.version, rows };
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/transformers.json', `${JSON.stringify(result, null, 2)}\n`);
