#!/usr/bin/env node
import { UsageError } from './args.js';
import { emitCommand } from './emit.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';

const USAGE = `Usage: meterflow <command> [options]

Commands:
  validate   check the configuration files, print every problem with file and line
  replay     run notifications/samples through the pipelines offline
  emit       publish oslo notifications to RabbitMQ (load generator: file or polling scenario)
  run        run the agent: consume notifications from RabbitMQ, publish samples and events

Run 'meterflow <command> --help' for the options of a command.`;

type Command = (argv: string[], io: { out: (s: string) => void; err: (s: string) => void }) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  validate: validateCommand,
  replay: replayCommand,
  emit: emitCommand,
  run: runCommand,
};

export async function main(argv: string[]): Promise<number> {
  const io = { out: (s: string) => process.stdout.write(`${s}\n`), err: (s: string) => process.stderr.write(`${s}\n`) };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? 64 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`meterflow: unknown command '${name}' (known: ${Object.keys(COMMANDS).join(', ')})`);
    return 64;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`meterflow ${name}: ${err.message}`);
      return 64;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`meterflow: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 70;
  },
);
