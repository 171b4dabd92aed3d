import { hostname } from 'node:os';
import { MeterflowError, PublishError } from '../errors.js';
import { encodeNotification, osloPublishOptions } from '../messaging/oslo-envelope.js';
import type { ConfirmPublisher } from '../messaging/types.js';
import type { Event } from '../model/event.js';
import { eventToMessage, type MeteringMessage, sampleToMeteringMessage } from '../model/index.js';
import type { Sample } from '../model/sample.js';
import { defaultBackoffMs, type NotifierCounters, type OutgoingMessage, PolicyDelivery } from './notifier-delivery.js';
import { type NotifierOptions, parseNotifierUrl } from './notifier-options.js';
import type { Publisher, PublisherContext, PublisherSpec } from './types.js';
import { configuredUrlText, invalidUrlError, redactUrl, type UrlProblem } from './url-options.js';

/** The control exchange Ceilometer sets (`set_transport_defaults('ceilometer')`). */
export const NOTIFIER_EXCHANGE = 'ceilometer';

/** A `notifier://` publisher, with its counters for metrics. */
export interface NotifierPublisher extends Publisher {
  readonly counters: Readonly<NotifierCounters>;
}

/** Test seams: how to wait between retries and how long. */
export interface NotifierTuning {
  sleep?: (ms: number) => Promise<void>;
  backoffMs?: (retry: number) => number;
}

/**
 * `notifier://[user:pass@host:port/vhost][?topic=T&per_meter_topic=1&policy=…&max_queue_length=N&max_retry=N&durable=…]`
 * — samples and events as oslo notifications, as Ceilometer's NotifierPublisher sends them:
 * exchange `ceilometer`, routing key `<topic>.sample`, priority `SAMPLE`, publisher_id
 * `telemetry.publisher.<host>`, no context, payload = the list of signed metering messages
 * (event type `[publisher_notifier] metering_topic`, and `<metering_topic>.<meter>` per meter with
 * `per_meter_topic=1`) or serialised events (event type `event_topic`). Every `topic=` value is a
 * notifier topic (default: metering_topic for samples, event_topic for events); the exchange and
 * the queue `<topic>.sample` are declared so messages wait for their consumer. Options: see
 * NotifierOptions. Resolves only once the broker confirmed every message (or the policy took over).
 */
export const notifierPublisherSpec: PublisherSpec = {
  scheme: 'notifier',
  validate(url: URL): UrlProblem[] {
    return parseNotifierUrl(url).problems;
  },
  create(url: URL, context: PublisherContext): Publisher {
    return createNotifierPublisher(url, context);
  },
};

export function createNotifierPublisher(
  url: URL,
  context: PublisherContext,
  tuning: NotifierTuning = {},
): NotifierPublisher {
  const { options, problems } = parseNotifierUrl(url);
  if (problems.length > 0) throw invalidUrlError(url, problems);
  const target = redactUrl(configuredUrlText(url));
  if (context.messaging === undefined) {
    throw invalidUrlError(url, [
      { message: 'notifier:// publishes to RabbitMQ and there is no broker here (offline run such as replay)' },
    ]);
  }
  const confirm = context.messaging.publisherFor(options.brokerUrl);
  return new AmqpNotifierPublisher(target, options, context, confirm, tuning);
}

class AmqpNotifierPublisher implements NotifierPublisher {
  readonly target: string;
  private readonly delivery: PolicyDelivery;
  private readonly declared = new Map<string, Promise<void>>();
  private readonly publisherId: string;
  private readonly topics: { metering: string; event: string };
  private tail: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(
    target: string,
    private readonly options: NotifierOptions,
    private readonly context: PublisherContext,
    private readonly confirm: ConfirmPublisher,
    tuning: NotifierTuning,
  ) {
    this.target = target;
    this.publisherId = `telemetry.publisher.${context.host ?? hostname()}`;
    this.topics = context.notifierTopics ?? { metering: 'metering', event: 'event' };
    this.delivery = new PolicyDelivery({
      target,
      policy: options.policy,
      maxRetry: options.maxRetry,
      maxQueueLength: options.maxQueueLength,
      send: (message) => this.publishOne(message),
      logger: context.logger,
      sleep: tuning.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      backoffMs: tuning.backoffMs ?? defaultBackoffMs,
    });
  }

  get counters(): Readonly<NotifierCounters> {
    return this.delivery.counters;
  }

  publishSamples(samples: readonly Sample[]): Promise<void> {
    return this.publishSampleGroups([samples]);
  }

  publishEvents(events: readonly Event[]): Promise<void> {
    return this.publishEventGroups([events]);
  }

  /** One message (per topic) for each group, as Ceilometer sends one per notification; delivered together. */
  publishSampleGroups(groups: readonly (readonly Sample[])[]): Promise<void> {
    return this.serialised(() => groups.flatMap((samples) => this.sampleMessages(samples)));
  }

  publishEventGroups(groups: readonly (readonly Event[])[]): Promise<void> {
    return this.serialised(() =>
      groups.flatMap((events) => {
        if (events.length === 0) return [];
        const list = events.map((e) => eventToMessage(e, this.context.telemetrySecret));
        const event = this.topics.event;
        return this.messages([[event, list]], this.options.topics ?? [event]);
      }),
    );
  }

  private sampleMessages(samples: readonly Sample[]): OutgoingMessage[] {
    if (samples.length === 0) return [];
    const meters = samples.map((s) => sampleToMeteringMessage(s, this.context.telemetrySecret));
    const event = this.topics.metering;
    const entries: [string, unknown[]][] = [[event, meters]];
    if (this.options.perMeterTopic) {
      for (const [name, group] of groupByName(meters)) entries.push([`${event}.${name}`, group]);
    }
    return this.messages(entries, this.options.topics ?? [event]);
  }

  close(): Promise<void> {
    this.closing ??= this.tail.then(async () => {
      const left = this.delivery.queuedMessages;
      if (left.length > 0) {
        const items = left.reduce((n, m) => n + m.items, 0);
        this.context.logger.warn({ publisher: this.target, items }, `closing with ${items} queued datapoints unsent`);
      }
      await this.confirm.close();
    });
    return this.closing;
  }

  /** One call at a time: the local queue and the order of batches depend on it. Calls made before close() still run. */
  private serialised(build: () => OutgoingMessage[]): Promise<void> {
    if (this.closing) return Promise.reject(new PublishError(this.target, `${this.target} is closed`));
    const run = this.tail.then(() => {
      let messages: OutgoingMessage[];
      try {
        messages = build();
      } catch (error) {
        // Comes from the data, not the broker: retrying cannot help.
        throw new PublishError(this.target, `${this.target}: cannot serialise batch: ${describe(error)}`, {
          cause: error,
        });
      }
      return this.delivery.deliver(messages);
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Ceilometer's order: for each (event type, payload) entry, one message per notifier topic. */
  private messages(entries: [string, unknown[]][], topics: readonly string[]): OutgoingMessage[] {
    const now = this.context.clock.now();
    return entries.flatMap(([eventType, payload]) =>
      topics.map((topic) => ({
        topic,
        routingKey: `${topic}.sample`,
        items: payload.length,
        body: encodeNotification({
          publisherId: this.publisherId,
          eventType,
          priority: 'SAMPLE',
          payload,
          timestamp: now,
        }),
      })),
    );
  }

  /** Declares the message's topic (once), then publishes it and waits for the confirm. */
  publishOne(message: OutgoingMessage): Promise<void> {
    return this.declare(message.topic).then(() =>
      this.confirm.publish(NOTIFIER_EXCHANGE, message.routingKey, message.body, osloPublishOptions()),
    );
  }

  /** oslo's `_publish_and_creates_default_queue`: the queue keeps messages before any consumer. */
  private declare(topic: string): Promise<void> {
    let done = this.declared.get(topic);
    if (done === undefined) {
      const durable = this.options.durable;
      const queue = `${topic}.sample`;
      done = this.confirm
        .assertExchange(NOTIFIER_EXCHANGE, { durable, type: 'topic' })
        .then(() =>
          this.confirm.assertQueue(queue, { durable, bindings: [{ exchange: NOTIFIER_EXCHANGE, routingKey: queue }] }),
        )
        .catch((error: unknown) => {
          this.declared.delete(topic);
          throw new PublishError(this.target, `declaring ${queue} failed: ${describe(error)}`, {
            retriable: !isPermanentDeclareError(error),
            cause: error,
          });
        });
      this.declared.set(topic, done);
    }
    return done;
  }
}

/** Python's `groupby(sorted(meters, key=counter_name))`: stable, by name. */
function groupByName(meters: readonly MeteringMessage[]): [string, MeteringMessage[]][] {
  const groups = new Map<string, MeteringMessage[]>();
  const names = [...new Set(meters.map((m) => m.counter_name))].sort(comparePython);
  for (const name of names) groups.set(name, []);
  for (const m of meters) groups.get(m.counter_name)?.push(m);
  return [...groups];
}

/** Python string order compares code points; JS `<` compares UTF-16 units (differs above U+FFFF). */
function comparePython(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0) as number);
  const y = [...b].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
}

/**
 * A closed publisher, or the broker refusing the declaration itself (403 access refused, 406
 * inequivalent flags such as `durable`): trying again cannot help. Anything else (connection
 * lost while declaring) is retried.
 */
function isPermanentDeclareError(error: unknown): boolean {
  if (error instanceof MeterflowError && error.code === 'publisher_closed') return true;
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return code === 403 || code === 406;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
