/**
 * In-process cost of the agent's batch handler (decode, convert, pipelines, file publisher)
 * without the broker: µs per notification (wall, and CPU of the process) over the captured oslo
 * notification mix, in batches of BENCH_BATCH (default 100). Isolates the CPU the agent spends per notification, which bounds
 * bench/ingest. With BENCH_OUT=<dir> the published lines are kept there, to compare bytes across
 * changes (`cmp`): the output is deterministic (ids derive from message ids).
 *
 *   npm run build && node dist/bench/hotpath.js      # BENCH_NOTIFICATIONS=40000 by default
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Delivery } from '../src/messaging/types.js';
import { inProcessAgent } from './in-process.js';

const N = Number(process.env.BENCH_NOTIFICATIONS ?? 40_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const out = process.env.BENCH_OUT ? resolve(process.env.BENCH_OUT) : mkdtempSync(join(tmpdir(), 'mf-hot-'));
mkdirSync(out, { recursive: true });

const captures = JSON.parse(readFileSync('../shared/fixtures/wire/notifications-info.json', 'utf8')) as {
  exchange: string;
  routing_key: string;
  body_raw: string;
}[];
const deliveries: Delivery[] = captures.map((c) => ({
  body: Buffer.from(c.body_raw),
  queue: c.routing_key,
  exchange: c.exchange,
  routingKey: c.routing_key,
  redelivered: false,
  headers: {},
  contentType: 'application/json',
  transport: 0,
}));

for (const f of ['samples.jsonl', 'events.jsonl']) rmSync(join(out, f), { force: true });
const { manager, handler: makeHandler } = inProcessAgent(
  out,
  `sources: [{name: s, meters: ['*'], sinks: [k]}]\nsinks: [{name: k, publishers: ['file://${out}/samples.jsonl']}]\n`,
);
const handler = makeHandler();

/** Wall and CPU (user + system) milliseconds; CPU time is what a shared machine distorts least. */
async function run(count: number): Promise<{ ms: number; cpuMs: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let done = 0; done < count; done += BATCH) {
    const batch: Delivery[] = [];
    for (let i = done; i < done + BATCH && i < count; i++) batch.push(deliveries[i % deliveries.length] as Delivery);
    const outcome = await handler(batch);
    if (outcome.ack.length !== batch.length) throw new Error(`not all acked: ${JSON.stringify(outcome)}`);
  }
  const cpu = process.cpuUsage(c0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

await run(Math.min(N, 4000)); // warm-up (also part of the output files)
// Best of three: the machine is shared with the broker and other work.
let ms = Number.POSITIVE_INFINITY;
let cpuMs = Number.POSITIVE_INFINITY;
for (let round = 0; round < 3; round++) {
  const r = await run(N);
  ms = Math.min(ms, r.ms);
  cpuMs = Math.min(cpuMs, r.cpuMs);
}
await manager.close();
console.log(
  `batch ${BATCH}: ${((ms * 1000) / N).toFixed(1)} µs/notification, ${Math.round((N / ms) * 1000)}/s, ` +
    `CPU ${((cpuMs * 1000) / N).toFixed(1)} µs/notification (output in ${out})`,
);
