/**
 * The options of a `notifier://` URL, parsed and checked as a whole (every problem reported).
 * Names, defaults and meanings are Ceilometer's (`publisher/messaging.py`, Pike+), except that
 * meterflow refuses what Ceilometer silently replaced (an unknown policy became `default`).
 */
import { configuredUrlText, parseCount, type UrlProblem, unknownOptionProblems } from './url-options.js';

export type NotifierPolicy = 'default' | 'queue' | 'drop';
const POLICIES: readonly NotifierPolicy[] = ['default', 'queue', 'drop'];

/** Drivers Ceilometer used to build the transport URL of a netloc; only RabbitMQ is spoken here. */
const DRIVERS = ['rabbit', 'amqp'];

const KNOWN_OPTIONS = ['topic', 'per_meter_topic', 'policy', 'max_queue_length', 'max_retry', 'durable', 'driver'];

const BOOLEANS = new Map([
  ['1', true],
  ['true', true],
  ['yes', true],
  ['on', true],
  ['0', false],
  ['false', false],
  ['no', false],
  ['off', false],
]);

export interface NotifierOptions {
  /**
   * `rabbit://<netloc><path>` when the URL names a broker (`notifier://user:pass@host:5672/vhost`),
   * else null: the agent's own transport.
   */
  brokerUrl: string | null;
  /** Every `topic=` value, in order; null: `[publisher_notifier] metering_topic` / `event_topic`. */
  topics: string[] | null;
  /** `per_meter_topic=1`: also one message per meter name, event type `<topic>.<meter>`. Default false. */
  perMeterTopic: boolean;
  /** What a failed publish does. Default `default` (retry, then fail the batch). */
  policy: NotifierPolicy;
  /** Messages the `queue` policy keeps; the oldest are dropped beyond it; 0 = unbounded. Default 1024. */
  maxQueueLength: number;
  /** Retries of a failed message under the `default` policy. Default 100. */
  maxRetry: number;
  /** Declare the exchange and queues durable (oslo's `amqp_durable_queues`). Default false. */
  durable: boolean;
}

export const NOTIFIER_DEFAULTS = { maxQueueLength: 1024, maxRetry: 100 } as const;

/** Parses a `notifier://` URL; `problems` is empty when the options are usable. */
export function parseNotifierUrl(url: URL): { options: NotifierOptions; problems: UrlProblem[] } {
  const problems: UrlProblem[] = [];
  const last = new Map<string, string>();
  for (const [key, value] of url.searchParams) last.set(key, value);
  problems.push(...unknownOptionProblems(last, KNOWN_OPTIONS));

  const topics = url.searchParams.getAll('topic');
  if (topics.some((t) => t.trim() === '')) problems.push({ message: 'topic must not be empty' });

  const policyText = last.get('policy') ?? 'default';
  const policy = POLICIES.find((p) => p === policyText);
  if (policy === undefined) {
    problems.push({ message: `policy must be one of ${POLICIES.join(', ')}, got '${policyText}'` });
  }

  const driver = last.get('driver') ?? 'rabbit';
  if (!DRIVERS.includes(driver)) {
    problems.push({ message: `driver must be one of ${DRIVERS.join(', ')}, got '${driver}'` });
  }

  const options: NotifierOptions = {
    brokerUrl: brokerUrlOf(configuredUrlText(url)),
    topics: topics.length > 0 ? topics : null,
    perMeterTopic: perMeterTopicOf(last.get('per_meter_topic'), problems),
    policy: policy ?? 'default',
    maxQueueLength: countOf(last, 'max_queue_length', NOTIFIER_DEFAULTS.maxQueueLength, problems),
    maxRetry: countOf(last, 'max_retry', NOTIFIER_DEFAULTS.maxRetry, problems),
    durable: booleanOf(last, 'durable', problems),
  };
  return { options, problems };
}

/** The broker part of the URL as a transport URL, or null for the agent's transport. */
function brokerUrlOf(text: string): string | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)/i.exec(text);
  const netloc = match?.[1] ?? '';
  return netloc === '' ? null : `rabbit://${netloc}${match?.[2] ?? ''}`;
}

/** Ceilometer: `bool(int(value))`, so any integer is accepted. */
function perMeterTopicOf(text: string | undefined, problems: UrlProblem[]): boolean {
  if (text === undefined) return false;
  if (!/^\s*[-+]?\d+\s*$/.test(text)) {
    problems.push({ message: `per_meter_topic must be an integer (0 or 1), got '${text}'` });
    return false;
  }
  return Number(text) !== 0;
}

function countOf(options: Map<string, string>, key: string, fallback: number, problems: UrlProblem[]): number {
  const text = options.get(key);
  if (text === undefined) return fallback;
  const value = parseCount(text);
  if (value === undefined) problems.push({ message: `${key} must be a non-negative integer, got '${text}'` });
  return value ?? fallback;
}

function booleanOf(options: Map<string, string>, key: string, problems: UrlProblem[]): boolean {
  const text = options.get(key);
  if (text === undefined) return false;
  const value = BOOLEANS.get(text.trim().toLowerCase());
  if (value === undefined) problems.push({ message: `${key} must be true or false, got '${text}'` });
  return value ?? false;
}
