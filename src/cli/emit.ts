import { parse, UsageError } from './args.js';
import {
  AmqpEmitSink,
  DEFAULT_SCENARIO_START,
  DEFAULT_TELEMETRY_SECRET,
  type EmitMessage,
  type EmitSink,
  type EmitStats,
  LineEmitSink,
  lineMessages,
  runEmitter,
  scenarioMessages,
} from '../emit/index.js';
import { AmqpTransport } from '../messaging/transport.js';
import { systemClock } from '../model/index.js';
import { createLogger, redactUrls } from '../observability/logger.js';

export const EMIT_HELP = `Usage: meterflow emit (--input FILE|- | --scenario polling) [options]

Publish oslo notifications to RabbitMQ as OpenStack services do (exchange = control exchange,
routing key and queue notifications.<priority>, publisher confirms), from a file or a
synthetic scenario, with a progress line on stderr every second.

  --url URL                 broker (default: env AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --connect-timeout SECONDS give up when the broker cannot be reached in time (default 10)
  --input FILE|-            JSON lines: {exchange, routing_key, envelope} (golden corpus),
                            {ctxt, event_type, payload, priority, publisher_id[, exchange]} (sender form),
                            or a raw oslo envelope
  --scenario polling        N instances polled every interval: cumulative cpu, disk.read/write.bytes,
                            network.incoming/outgoing.bytes in telemetry.polling notifications
  --instances N             scenario instances (default 100)
  --interval SECONDS        simulated time between polls (default 60)
  --polls K                 scenario: stop after K polls of every instance
  --count N                 stop after N messages (an input file is re-read as needed)
                            (scenario without --polls/--count: runs until interrupted)
  --reset-probability P     chance of a counter reset per instance and poll (default 0.01)
  --start ISO8601           time of the first poll (default ${DEFAULT_SCENARIO_START})
  --seed S                  seed of ids and values (default meterflow)
  --telemetry-secret S      signing key of the samples (default Ceilometer's)
  --exchange NAME           exchange of lines without one (default nova; scenario: ceilometer)
  --rate R                  messages per second (default: as fast as the broker confirms)
  --in-flight N             publishes awaiting their confirm at once (default 256)
  --dry-run                 write the message bodies (oslo envelopes) as JSON lines to stdout
                            instead of publishing; 'meterflow replay --input -' reads them`;

const EMIT_FLAGS = {
  url: { type: 'string' },
  'connect-timeout': { type: 'string' },
  input: { type: 'string' },
  scenario: { type: 'string' },
  instances: { type: 'string' },
  interval: { type: 'string' },
  polls: { type: 'string' },
  count: { type: 'string' },
  'reset-probability': { type: 'string' },
  start: { type: 'string' },
  seed: { type: 'string' },
  'telemetry-secret': { type: 'string' },
  exchange: { type: 'string' },
  rate: { type: 'string' },
  'in-flight': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

const DEFAULT_URL = 'amqp://guest:guest@127.0.0.1:5672';

type Io = { out: (s: string) => void; err: (s: string) => void };
type Values = Record<string, string | boolean | undefined>;

function number(values: Values, flag: string, check: (n: number) => boolean, what: string): number | undefined {
  const text = values[flag];
  if (typeof text !== 'string') return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new UsageError(`--${flag} must be ${what}, got '${text}'`);
  }
  return value;
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

function startOf(values: Values): number {
  const text = typeof values.start === 'string' ? values.start : DEFAULT_SCENARIO_START;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--start must be an ISO 8601 time, got '${text}'`);
  return ms;
}

function source(
  values: Values,
  io: Io,
  badLines: { count: number },
): Iterable<EmitMessage> | AsyncIterable<EmitMessage> {
  const count = number(values, 'count', positiveInt, 'a positive integer');
  const polls = number(values, 'polls', positiveInt, 'a positive integer');
  if (count !== undefined && polls !== undefined) throw new UsageError('give --polls or --count, not both');
  const exchange = typeof values.exchange === 'string' ? values.exchange : undefined;
  if (typeof values.input === 'string') {
    if (values.scenario !== undefined) throw new UsageError('give --input or --scenario, not both');
    if (polls !== undefined) throw new UsageError('--polls applies to --scenario only');
    return lineMessages({
      input: values.input,
      exchange: exchange ?? 'nova',
      ...(count === undefined ? {} : { count }),
      clock: systemClock,
      onBadLine: (line, message) => {
        badLines.count += 1;
        io.err(`emit: line ${line}: ${message} (skipped)`);
      },
    });
  }
  if (values.scenario === undefined) throw new UsageError('--input FILE|- or --scenario polling is required');
  if (values.scenario !== 'polling')
    throw new UsageError(`unknown scenario '${String(values.scenario)}' (known: polling)`);
  return scenarioMessages({
    instances: number(values, 'instances', (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer') ?? 100,
    intervalSeconds: number(values, 'interval', (n) => n > 0, 'a positive number of seconds') ?? 60,
    resetProbability: number(values, 'reset-probability', (n) => n >= 0 && n <= 1, 'between 0 and 1') ?? 0.01,
    seed: typeof values.seed === 'string' ? values.seed : 'meterflow',
    startMs: startOf(values),
    telemetrySecret:
      typeof values['telemetry-secret'] === 'string' ? values['telemetry-secret'] : DEFAULT_TELEMETRY_SECRET,
    ...(exchange === undefined ? {} : { exchange }),
    ...(polls === undefined ? {} : { polls }),
    ...(count === undefined ? {} : { count }),
  });
}

/** A transport whose first connection must succeed within the timeout (emit never waits forever). */
async function connect(url: string, timeoutMs: number): Promise<{ sink: EmitSink; close: () => Promise<void> }> {
  const transport = new AmqpTransport({
    url,
    logger: createLogger({ level: process.env.METERFLOW_LOG_LEVEL ?? 'warn', name: 'meterflow-emit' }),
    name: 'meterflow-emit',
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`cannot connect to ${redactUrls(url)} within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([transport.connection(), timeout]);
  } catch (error) {
    await transport.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const publisher = transport.publisher();
  return { sink: new AmqpEmitSink(publisher), close: () => transport.close() };
}

function summary(stats: EmitStats, skipped: number): string {
  const seconds = stats.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(stats.sent / seconds) : stats.sent;
  const skippedText = skipped > 0 ? `, ${skipped} input lines skipped` : '';
  return `emit: done: ${stats.sent} sent in ${seconds.toFixed(1)} s (${rate}/s), ${stats.failed} failed${skippedText}`;
}

export async function emitCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, EMIT_FLAGS);
  if (values.help) {
    io.out(EMIT_HELP);
    return 0;
  }
  const rate = number(values, 'rate', (n) => n > 0, 'a positive number');
  const maxInFlight = number(values, 'in-flight', positiveInt, 'a positive integer') ?? 256;
  const connectTimeoutMs =
    (number(values, 'connect-timeout', (n) => n > 0, 'a positive number of seconds') ?? 10) * 1000;
  const badLines = { count: 0 };
  const messages = source(values, io, badLines);
  const url = typeof values.url === 'string' ? values.url : (process.env.AMQP_URL ?? DEFAULT_URL);
  const abort = new AbortController();
  let target: { sink: EmitSink; close: () => Promise<void> };
  if (values['dry-run']) {
    target = { sink: new LineEmitSink(process.stdout, () => abort.abort()), close: async () => {} };
  } else {
    try {
      target = await connect(url, connectTimeoutMs);
    } catch (error) {
      io.err(`emit: ${redactUrls((error as Error).message)}`);
      return 1;
    }
  }
  const stop = () => abort.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  let errors = 0;
  try {
    const stats = await runEmitter(messages, target.sink, {
      ...(rate === undefined ? {} : { rate }),
      maxInFlight,
      clock: systemClock,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      signal: abort.signal,
      onError: (error) => {
        errors += 1;
        if (errors <= 5) io.err(`emit: publish failed: ${redactUrls((error as Error).message)}`);
      },
      onProgress: (s, perSecond) => io.err(`emit: ${s.sent} sent, ${Math.round(perSecond)}/s, ${s.failed} failed`),
    });
    await target.sink.close();
    io.err(summary(stats, badLines.count));
    if (stats.failed > 0) return 1;
    return badLines.count > 0 ? 2 : 0;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await target.close();
  }
}
