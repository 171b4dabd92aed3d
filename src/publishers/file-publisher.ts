import { isAbsolute, resolve } from 'node:path';
import { PublishError } from '../errors.js';
import type { Event } from '../model/event.js';
import { eventMessageLine, meteringMessageLine } from '../model/index.js';
import type { Sample } from '../model/sample.js';
import { LineBatch, LineFile, type Rotation } from './rotating-file.js';
import type { Publisher, PublisherContext, PublisherSpec } from './types.js';
import {
  configuredUrlText,
  invalidUrlError,
  parseCount,
  redactUrl,
  type UrlProblem,
  unknownOptionProblems,
  urlOptions,
} from './url-options.js';

/**
 * `file://` — one JSON line per sample (the signed Ceilometer metering message, as a Ceilometer
 * consumer reads it) and one per event (the serialised event), in Python `json.dumps` format.
 *
 * Where the file is:
 * - `file:///var/log/meterflow/samples.jsonl` (or `file:/var/…`): absolute path;
 * - `file://out/samples.jsonl` or `file:samples.jsonl`: relative to `PublisherContext.baseDir`.
 * Percent-escapes in the path are decoded; missing parent directories are created.
 *
 * Query options (Ceilometer's names):
 * - `max_bytes` — rotate before a line would bring the file to this size in bytes. No default:
 *   without it (and `backup_count`) the file grows without limit. 0 disables rotation.
 * - `backup_count` — rotated files to keep (`f.1` newest … `f.N` oldest; older ones are
 *   dropped). Must be given together with `max_bytes`. 0 disables rotation.
 * - `json` — accepted and ignored: Ceilometer wrote Python `repr` without it, meterflow always
 *   writes JSON.
 */
export const filePublisherSpec: PublisherSpec = {
  scheme: 'file',
  validate(url: URL): UrlProblem[] {
    return parseFileUrl(url).problems;
  },
  create(url: URL, context: PublisherContext): Publisher {
    const parsed = parseFileUrl(url);
    const first = parsed.problems[0];
    if (first !== undefined || parsed.path === undefined) throw invalidUrlError(url, parsed.problems);
    const path = isAbsolute(parsed.path) ? parsed.path : resolve(context.baseDir, parsed.path);
    return new FilePublisher(redactUrl(configuredUrlText(url)), new LineFile(path, parsed.rotation), context);
  },
};

const KNOWN_OPTIONS = ['max_bytes', 'backup_count', 'json'];

interface ParsedFileUrl {
  path: string | undefined;
  rotation: Rotation | undefined;
  problems: UrlProblem[];
}

function parseFileUrl(url: URL): ParsedFileUrl {
  const options = urlOptions(url);
  const problems = unknownOptionProblems(options, KNOWN_OPTIONS);
  const path = pathOf(configuredUrlText(url), problems);
  const rotation = rotationOf(options, problems);
  return { path, rotation, problems };
}

/** The path part as written: `//` followed by `/` is absolute, by anything else relative. */
function pathOf(text: string, problems: UrlProblem[]): string | undefined {
  let rest = text.replace(/^file:/i, '').replace(/[?#].*$/s, '');
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '') {
    problems.push({ message: 'missing file path (file:///absolute/path or file://relative/path)' });
    return undefined;
  }
  try {
    return decodeURIComponent(rest);
  } catch {
    problems.push({ message: `invalid percent-escape in file path '${rest}'` });
    return undefined;
  }
}

function rotationOf(options: ReadonlyMap<string, string>, problems: UrlProblem[]): Rotation | undefined {
  const maxText = options.get('max_bytes');
  const countText = options.get('backup_count');
  if (maxText === undefined && countText === undefined) return undefined;
  // Ceilometer silently drops rotation when one is missing or not a number; a typo there
  // means an unbounded file on a production disk, so we refuse the URL instead.
  if (maxText === undefined || countText === undefined) {
    problems.push({ message: 'max_bytes and backup_count must be given together' });
    return undefined;
  }
  const maxBytes = parseCount(maxText);
  const backupCount = parseCount(countText);
  if (maxBytes === undefined) problems.push({ message: `max_bytes must be a non-negative integer, got '${maxText}'` });
  if (backupCount === undefined) {
    problems.push({ message: `backup_count must be a non-negative integer, got '${countText}'` });
  }
  if (maxBytes === undefined || backupCount === undefined) return undefined;
  return { maxBytes, backupCount };
}

/** Errors that may go away by themselves (disk full, descriptors exhausted, interrupted I/O). */
const TRANSIENT_CODES = new Set([
  'EAGAIN',
  'EWOULDBLOCK',
  'EBUSY',
  'EINTR',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ENOSPC',
  'EDQUOT',
]);

/** True when retrying a failed file write can help; permissions and wrong paths cannot. */
function isTransientFileError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && TRANSIENT_CODES.has(code);
}

class FilePublisher implements Publisher {
  readonly target: string;
  private readonly file: LineFile;
  private readonly secret: string;

  constructor(target: string, file: LineFile, context: PublisherContext) {
    this.target = target;
    this.file = file;
    this.secret = context.telemetrySecret;
  }

  publishSamples(samples: readonly Sample[]): Promise<void> {
    return this.append(samples.length, (out) => {
      for (const s of samples) out.add(meteringMessageLine(s, this.secret));
    });
  }

  publishEvents(events: readonly Event[]): Promise<void> {
    return this.append(events.length, (out) => {
      for (const e of events) out.add(eventMessageLine(e, this.secret));
    });
  }

  async close(): Promise<void> {
    try {
      await this.file.close();
    } catch (error) {
      throw this.failure('could not close', error);
    }
  }

  /** Renders `count` lines (each encoded as soon as it is rendered) and appends them. */
  private async append(count: number, render: (out: LineBatch) => void): Promise<void> {
    if (count === 0) return;
    // About a kilobyte per line: most batches never grow the buffer.
    const lines = new LineBatch(count * 1024);
    try {
      render(lines);
    } catch (error) {
      // Serialisation failures come from the data, not the disk: retrying cannot help.
      throw new PublishError(this.target, `cannot serialise batch: ${messageOf(error)}`, { cause: error });
    }
    try {
      await this.file.append(lines);
    } catch (error) {
      throw this.failure('cannot write to', error);
    }
  }

  private failure(what: string, error: unknown): PublishError {
    return new PublishError(this.target, `${what} ${this.file.path}: ${messageOf(error)}`, {
      retriable: isTransientFileError(error),
      cause: error,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
