import { pino } from 'pino';

/** The logging calls meterflow makes (a subset of pino's API, so tests can pass a fake). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*)(:[^/@\s]*)?@/gi;

/** Replace the user-info part of every URL in a string (`amqp://u:p@h` → `amqp://***@h`). */
export function redactUrls(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@');
}

const SECRET_KEYS = [
  'password',
  'telemetry_secret',
  'secret',
  'transport_url',
  'backend_url',
  'messaging_urls',
  'url',
  'authorization',
];

/** The agent's logger: pino JSON lines on stderr, secrets redacted. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'meterflow',
      level: options.level ?? process.env.METERFLOW_LOG_LEVEL ?? 'info',
      redact: { paths: SECRET_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '***' },
      formatters: {
        log(obj) {
          for (const [k, v] of Object.entries(obj)) {
            if (typeof v === 'string') obj[k] = redactUrls(v);
          }
          return obj;
        },
      },
    },
    pino.destination(2),
  );
}

/** A logger that keeps records in memory (tests, replay summaries). */
export class MemoryLogger implements Logger {
  readonly records: { level: string; msg: string; [key: string]: unknown }[];
  private readonly bindings: object;

  constructor(records: MemoryLogger['records'] = [], bindings: object = {}) {
    this.records = records;
    this.bindings = bindings;
  }

  private push(level: string, obj: object, msg?: string): void {
    this.records.push({ ...this.bindings, ...obj, level, msg: msg ?? '' });
  }

  debug(obj: object, msg?: string): void {
    this.push('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.push('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.push('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.push('error', obj, msg);
  }
  child(bindings: object): Logger {
    return new MemoryLogger(this.records, { ...this.bindings, ...bindings });
  }
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
