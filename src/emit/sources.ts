/** Message sources of `meterflow emit`: the polling scenario, or JSON lines from a file or stdin. */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Clock } from '../model/index.js';
import { type EmitMessage, messageFromLine, notificationMessage } from './message.js';
import { PollingScenario, type PollingScenarioOptions } from './polling-scenario.js';

/** The `polling` scenario's messages: `polls` rounds, or `count` messages, or endless. */
export function* scenarioMessages(
  options: PollingScenarioOptions & { exchange?: string; polls?: number; count?: number },
): Generator<EmitMessage> {
  const scenario = new PollingScenario(options);
  const limit =
    options.count ??
    (options.polls === undefined ? Number.POSITIVE_INFINITY : options.polls * scenario.instances.length);
  if (scenario.instances.length === 0) return;
  let n = 0;
  for (const item of scenario.notifications()) {
    if (n >= limit) return;
    n += 1;
    yield notificationMessage(options.exchange ?? 'ceilometer', item.notification);
  }
}

export interface LineSourceOptions {
  /** A path, or `-` for stdin. */
  input: string;
  /** Exchange of lines that do not name one. */
  exchange: string;
  /** Stop after this many messages, reading a file again from the top as often as needed. */
  count?: number;
  clock: Clock;
  stdin?: Readable;
  /** A line that is not a usable notification: reported, skipped. */
  onBadLine: (line: number, message: string) => void;
}

/** The messages of a JSONL input; a file is re-read while `count` is not reached. */
export async function* lineMessages(options: LineSourceOptions): AsyncGenerator<EmitMessage> {
  const limit = options.count ?? Number.POSITIVE_INFINITY;
  let n = 0;
  for (let pass = 0; n < limit; pass++) {
    const stream = options.input === '-' ? (options.stdin ?? process.stdin) : createReadStream(options.input, 'utf8');
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    let lineNumber = 0;
    let usable = 0;
    try {
      for await (const line of lines) {
        lineNumber += 1;
        let message: EmitMessage | undefined;
        try {
          message = messageFromLine(line, options.exchange, options.clock.now());
        } catch (error) {
          if (pass === 0) options.onBadLine(lineNumber, (error as Error).message);
          continue;
        }
        if (message === undefined) continue;
        usable += 1;
        if (n >= limit) return;
        n += 1;
        yield message;
      }
    } finally {
      lines.close();
      if (options.input !== '-') stream.destroy();
    }
    // stdin cannot be read twice, and a file without a usable line would loop forever.
    if (options.input === '-' || usable === 0 || options.count === undefined) return;
  }
}
