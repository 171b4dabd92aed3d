import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * The agent options file: one section per Ceilometer config group, option names are
 * Ceilometer's where one exists. Every option has a default, so an empty file is valid.
 * Each section is strict: an unknown (misspelt) option is an error, never ignored.
 */

/** oslo priorities; `[event] store_raw` only makes sense with these. */
const PRIORITIES = ['audit', 'critical', 'debug', 'error', 'info', 'sample', 'warn'] as const;

/** `[notification] notification_control_exchanges` default: the 15 exchanges Ceilometer 19 binds. */
export const DEFAULT_CONTROL_EXCHANGES: readonly string[] = [
  'nova',
  'glance',
  'neutron',
  'cinder',
  'heat',
  'keystone',
  'sahara',
  'trove',
  'zaqar',
  'swift',
  'ceilometer',
  'magnum',
  'dns',
  'ironic',
  'aodh',
];

const nonEmpty = () => z.string().min(1);
const stringList = (value: readonly string[]) => z.array(nonEmpty()).default(() => [...value]);
// Every option has a default, so `{}` is a valid input; TypeScript cannot see that for a generic shape.
const section = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).prefault({} as never);

const defaultSection = section({
  /** Name of this host in samples and group membership. Default: `os.hostname()`. */
  host: nonEmpty().default(() => hostname()),
  /** Broker of the notification queues. Default `rabbit://guest:guest@127.0.0.1:5672/` (env `AMQP_URL`). */
  transport_url: nonEmpty().default('rabbit://guest:guest@127.0.0.1:5672/'),
  /** Sample pipelines; relative to the options file. Default `pipeline.yaml`. */
  pipeline_cfg_file: nonEmpty().default('pipeline.yaml'),
  /** Event pipelines; relative to the options file. Default `event_pipeline.yaml`. */
  event_pipeline_cfg_file: nonEmpty().default('event_pipeline.yaml'),
  /** `source` of samples that transformers create. Default `openstack`. */
  sample_source: nonEmpty().default('openstack'),
  /**
   * Seconds `meterflow run` waits for a graceful stop (drain and settle the in-flight batch)
   * after SIGTERM/SIGINT before it exits with status 1 anyway; 0 waits forever. cotyledon's
   * option of the same name. Default 60.
   */
  graceful_shutdown_timeout: z.int().min(0).default(60),
});

const notificationSection = section({
  /** Worker processes; each is its own group member. Default 1. */
  workers: z.int().min(1).default(1),
  /** Notifications per batch (main and partition queues). Default 100. */
  batch_size: z.int().min(1).default(100),
  /** Seconds to wait for a partial batch. Default 5. */
  batch_timeout: z.number().min(0).default(5),
  /** Two-stage processing through partition queues (needs `[coordination] backend_url`). Default false. */
  workload_partitioning: z.boolean().default(false),
  /** Partition queues per pipeline; fixed per deployment, changing it is a migration. Default 10. */
  pipeline_processing_queues: z.int().min(1).default(10),
  /** Ack (true) or requeue (false) a notification whose events failed to publish. Default true. */
  ack_on_event_error: z.boolean().default(true),
  /** Extra transports for the main listener only. Default `[]`. */
  messaging_urls: stringList([]),
  /** Exchanges the notification queues are bound to. Default: the 15 of Ceilometer 19. */
  notification_control_exchanges: stringList(DEFAULT_CONTROL_EXCHANGES),
  /** Pipeline managers to run. Default `['meter', 'event']`. */
  pipelines: z.array(z.enum(['meter', 'event'])).default((): ('meter' | 'event')[] => ['meter', 'event']),
});

const meterSection = section({
  /**
   * Meter definition files or directories (a directory contributes its `*.yaml`/`*.yml` sorted
   * by name); relative to the options file. For the same meter name a later entry wins.
   * Default `['meters.yaml']`.
   */
  meter_definitions_dirs: stringList(['meters.yaml']),
});

const eventSection = section({
  /** Event definitions; relative to the options file. Default `event_definitions.yaml`. */
  definitions_cfg_file: nonEmpty().default('event_definitions.yaml'),
  /** Drop notifications no definition matches instead of a bare event. Default false. */
  drop_unmatched_notifications: z.boolean().default(false),
  /** Priorities whose events keep the raw notification (lower-case). Default `[]`. */
  store_raw: z.array(z.string().toLowerCase().pipe(z.enum(PRIORITIES))).default(() => []),
});

const publisherSection = section({
  /** HMAC key of `message_signature`; empty disables signing. Default `change this for valid signing`. */
  telemetry_secret: z.string().default('change this for valid signing'),
});

const publisherNotifierSection = section({
  /** Topic of the `notifier://` publisher for samples. Default `metering`. */
  metering_topic: nonEmpty().default('metering'),
  /** Topic of the `notifier://` publisher for events. Default `event`. */
  event_topic: nonEmpty().default('event'),
});

const coordinationSection = section({
  /** Group membership backend, e.g. `redis://127.0.0.1:6379` (env `REDIS_URL`). Default none. */
  backend_url: nonEmpty().nullable().default(null),
  /** Seconds between membership heartbeats. Default 1.0. */
  heartbeat: z.number().positive().default(1.0),
  /** Seconds between membership checks. Default 10.0. */
  check_watchers: z.number().positive().default(10.0),
});

const osloNotificationsSection = section({
  /** Notification topics consumed (`<topic>.<priority>` queues). Default `['notifications']`. */
  topics: stringList(['notifications']),
});

const osloRabbitSection = section({
  /** `basic.qos` prefetch per consumer; 0 means unlimited. Default 100. */
  rabbit_qos_prefetch_count: z.int().min(0).default(100),
  /** Declare notification queues durable (must match the services'). Default false. */
  amqp_durable_queues: z.boolean().default(false),
  /** Connect over TLS (also implied by an `amqps://` URL). Default false. */
  ssl: z.boolean().default(false),
  /** CA certificates to verify the broker with; none means the system CAs. Default none. */
  ssl_ca_file: nonEmpty().nullable().default(null),
  /** Client certificate for TLS client authentication. Default none. */
  ssl_cert_file: nonEmpty().nullable().default(null),
  /** Private key of `ssl_cert_file`. Default none. */
  ssl_key_file: nonEmpty().nullable().default(null),
});

const meterflowSection = section({
  /** Seconds after which an idle transformer cache entry is evicted. Default 3600. */
  state_idle_ttl: z.number().positive().default(3600),
  /** `host:port` of the `/metrics`, `/healthz`, `/readyz` endpoint. Default `127.0.0.1:9464`. */
  metrics_address: nonEmpty().default('127.0.0.1:9464'),
  /** Partition queues are `<prefix>-pipe-<pipeline>-<p>`. Default `ceilometer`. */
  partition_queue_prefix: nonEmpty().default('ceilometer'),
  /** Membership group name in the coordination backend. Default `meterflow`. */
  group: nonEmpty().default('meterflow'),
  /**
   * Accept a `pipeline_processing_queues` different from the one the group recorded (a
   * migration, see docs/partitioning.md); without it such a start is refused. Default false.
   */
  partition_migration: z.boolean().default(false),
  /** Seconds a partition lease lives without renewal (a dead worker's partitions move after it). Default 3.5. */
  partition_lease_ttl: z.number().positive().default(3.5),
  /** Seconds a member lives without heartbeat before the others drop it. Default 3. */
  member_ttl: z.number().positive().default(3),
});

export const agentOptionsSchema = z
  .strictObject({
    DEFAULT: defaultSection,
    notification: notificationSection,
    meter: meterSection,
    event: eventSection,
    publisher: publisherSection,
    publisher_notifier: publisherNotifierSection,
    coordination: coordinationSection,
    oslo_messaging_notifications: osloNotificationsSection,
    oslo_messaging_rabbit: osloRabbitSection,
    meterflow: meterflowSection,
  })
  .superRefine((options, ctx) => {
    if (options.notification.workload_partitioning && options.coordination.backend_url === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['notification', 'workload_partitioning'],
        message: 'workload_partitioning needs [coordination] backend_url (or REDIS_URL)',
      });
    }
  });

/** The agent's options with every default applied and file options made absolute. */
export type AgentOptions = z.output<typeof agentOptionsSchema>;

export type SectionName = keyof AgentOptions;

/** Options holding paths, resolved against the options file's directory. */
export const FILE_OPTIONS: readonly (readonly [SectionName, string])[] = [
  ['DEFAULT', 'pipeline_cfg_file'],
  ['DEFAULT', 'event_pipeline_cfg_file'],
  ['meter', 'meter_definitions_dirs'],
  ['event', 'definitions_cfg_file'],
];
