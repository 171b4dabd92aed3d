import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { configFlags, FILE_FLAGS, FILE_FLAGS_HELP, parse, UsageError } from './args.js';
import { loadConfig, Replayer } from '../agent/index.js';
import { formatIssue } from '../errors.js';
import { ManualClock } from '../model/index.js';
import { createLogger } from '../observability/logger.js';

export const REPLAY_HELP = `Usage: meterflow replay [file flags] --input FILE|- [--output FILE] [--events-output FILE]

Run notifications or samples through the real pipelines, offline. Each input line is one
batch: an oslo notification (inner message or raw envelope), a sample (metering message or
internal form), a JSON array of those, or {"batch": [...], "now": ISO8601, "flush": bool}.
Malformed lines are reported on stderr and skipped (exit status 2).

  --input FILE|-          JSON lines to replay ('-' = stdin)
  --output FILE           write samples reaching sample sinks here (one metering message per line)
                          instead of the configured publishers
  --events-output FILE    the same for events
${FILE_FLAGS_HELP}`;

const REPLAY_FLAGS = {
  ...FILE_FLAGS,
  input: { type: 'string' },
  output: { type: 'string' },
  'events-output': { type: 'string' },
} as const;

export async function replayCommand(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const { values } = parse(argv, REPLAY_FLAGS);
  if (values.help) {
    io.out(REPLAY_HELP);
    return 0;
  }
  if (typeof values.input !== 'string') throw new UsageError('--input FILE|- is required');
  const clock = new ManualClock(Date.now());
  const config = loadConfig(configFlags(values), process.env, clock);
  if (config.issues.length > 0) {
    for (const issue of config.issues) io.err(formatIssue(issue));
    return 1;
  }
  const replayer = new Replayer({
    config,
    clock,
    ...(typeof values.output === 'string' ? { output: values.output } : {}),
    ...(typeof values['events-output'] === 'string' ? { eventsOutput: values['events-output'] } : {}),
    logger: createLogger({ level: process.env.METERFLOW_LOG_LEVEL ?? 'error' }),
    report: io.err,
  });
  const input = values.input === '-' ? process.stdin : createReadStream(values.input, 'utf8');
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) await replayer.line(line);
  const s = await replayer.close();
  io.err(
    `replay: ${s.lines} lines (${s.skippedLines} skipped), ${s.notifications} notifications, ${s.samplesIn} samples in, ` +
      `${s.samplesPublished} sample publications, ${s.eventsPublished} event publications, ${s.droppedSamples} dropped samples, ` +
      `${s.definitionFailures} definition failures, ${s.traitErrors} trait errors, ${s.publishErrors} publisher errors`,
  );
  return s.skippedLines > 0 ? 2 : 0;
}
