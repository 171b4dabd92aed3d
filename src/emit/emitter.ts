/**
 * The publishing loop of `meterflow emit`: pulls messages from a source, keeps a bounded number
 * of publishes in flight, paces them to a target rate, and reports progress.
 */
import type { Clock } from '../model/index.js';
import type { EmitMessage } from './message.js';
import type { EmitSink } from './sinks.js';

export interface EmitStats {
  sent: number;
  failed: number;
  elapsedMs: number;
}

export interface EmitOptions {
  /** Messages per second; undefined or 0: as fast as the broker confirms. */
  rate?: number;
  /** Publishes awaiting their confirm at once. Default 256. */
  maxInFlight?: number;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** Stops pulling new messages; those in flight still finish. */
  signal?: AbortSignal;
  /** Called for each failed message (the run goes on). */
  onError?: (error: unknown, message: EmitMessage) => void;
  /** Called with the running totals every `progressIntervalMs` (real time). */
  onProgress?: (stats: EmitStats, ratePerSecond: number) => void;
  progressIntervalMs?: number;
}

export async function runEmitter(
  source: Iterable<EmitMessage> | AsyncIterable<EmitMessage>,
  sink: EmitSink,
  options: EmitOptions,
): Promise<EmitStats> {
  const { clock, sleep } = options;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 256);
  const start = clock.now();
  const stats: EmitStats = { sent: 0, failed: 0, elapsedMs: 0 };
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const settled = () => {
    inFlight -= 1;
    wake?.();
  };
  const waitForSlot = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  const timer = progressTimer(options, stats, start);
  let index = 0;
  try {
    for await (const message of source) {
      if (options.signal?.aborted) break;
      if (options.rate) {
        const due = start + (index * 1000) / options.rate;
        const now = clock.now();
        if (due > now) await sleep(due - now);
      }
      index += 1;
      while (inFlight >= maxInFlight) await waitForSlot();
      inFlight += 1;
      sink.send(message).then(
        () => {
          stats.sent += 1;
          settled();
        },
        (error: unknown) => {
          stats.failed += 1;
          options.onError?.(error, message);
          settled();
        },
      );
    }
    while (inFlight > 0) await waitForSlot();
  } finally {
    if (timer) clearInterval(timer);
  }
  stats.elapsedMs = clock.now() - start;
  return stats;
}

function progressTimer(options: EmitOptions, stats: EmitStats, start: number): NodeJS.Timeout | undefined {
  const report = options.onProgress;
  if (!report) return undefined;
  let lastAt = start;
  let lastSent = 0;
  const timer = setInterval(() => {
    const now = options.clock.now();
    const rate = now > lastAt ? ((stats.sent - lastSent) * 1000) / (now - lastAt) : 0;
    lastAt = now;
    lastSent = stats.sent;
    report({ ...stats, elapsedMs: now - start }, rate);
  }, options.progressIntervalMs ?? 1000);
  timer.unref();
  return timer;
}
