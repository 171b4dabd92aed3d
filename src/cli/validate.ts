import { configFlags, FILE_FLAGS, FILE_FLAGS_HELP, parse } from './args.js';
import { loadConfig } from '../agent/index.js';
import { formatIssue } from '../errors.js';
import type { ConfigIssue } from '../errors.js';

export const VALIDATE_HELP = `Usage: meterflow validate [file flags]

Check the agent options and the four Ceilometer files. Prints every problem as
file:line: path: message and exits 1 if there is any; warnings do not fail.

${FILE_FLAGS_HELP}`;

function warning(issue: ConfigIssue): string {
  return formatIssue({ ...issue, message: `warning: ${issue.message}` });
}

export async function validateCommand(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const { values } = parse(argv, FILE_FLAGS);
  if (values.help) {
    io.out(VALIDATE_HELP);
    return 0;
  }
  const config = loadConfig(configFlags(values));
  for (const w of config.warnings) io.err(warning(w));
  for (const issue of config.issues) io.err(formatIssue(issue));
  if (config.issues.length > 0) {
    io.err(`${config.issues.length} error(s)`);
    return 1;
  }
  const files = config.files;
  if (files) {
    io.out(`valid: ${[files.pipeline, files.eventPipeline, ...files.meters, files.eventDefinitions].join(', ')}`);
  }
  return 0;
}
