import type { SectionName } from './agent-options-schema.js';

/**
 * How oslo.config reads each option meterflow implements: its type, and the older names and
 * groups Ceilometer (and oslo.messaging) still honour. The group is the schema section.
 *
 * - `str`: taken verbatim; `nullable-str`: empty means unset (`null`);
 * - `int`, `float`, `bool`: oslo's `IntOpt`, `FloatOpt`, `BoolOpt`;
 * - `list`: `ListOpt`, one value split at commas;
 * - `multi`: `MultiStrOpt`, every occurrence of the key is one item.
 */
export type ConfOptionKind = 'str' | 'nullable-str' | 'int' | 'float' | 'bool' | 'list' | 'multi';

export interface ConfOption {
  group: SectionName;
  name: string;
  kind: ConfOptionKind;
  /**
   * Deprecated `[group, name]` pairs, in oslo's lookup order. For a single-valued option the
   * current name wins over all of them; a multi-valued one collects them all.
   */
  deprecated?: readonly (readonly [string, string])[];
  /** Its value (or what interpolation found in it) never appears in a message. */
  secret?: boolean;
}

const opt = (
  group: SectionName,
  name: string,
  kind: ConfOptionKind,
  extra: Pick<ConfOption, 'deprecated' | 'secret'> = {},
): ConfOption => ({ group, name, kind, ...extra });

/** Every option of the agent options schema, so the YAML file and ceilometer.conf never diverge. */
export const CONF_OPTIONS: readonly ConfOption[] = [
  opt('DEFAULT', 'host', 'str'),
  opt('DEFAULT', 'transport_url', 'str', { secret: true }),
  opt('DEFAULT', 'pipeline_cfg_file', 'str'),
  opt('DEFAULT', 'event_pipeline_cfg_file', 'str'),
  opt('DEFAULT', 'sample_source', 'str'),
  // cotyledon's (oslo.config glue), not Ceilometer's own, but read from the same file.
  opt('DEFAULT', 'graceful_shutdown_timeout', 'int'),

  opt('notification', 'workers', 'int', { deprecated: [['DEFAULT', 'notification_workers']] }),
  opt('notification', 'batch_size', 'int'),
  // An IntOpt in Ceilometer; a float here accepts every file Ceilometer accepts, and more.
  opt('notification', 'batch_timeout', 'float'),
  opt('notification', 'workload_partitioning', 'bool'),
  opt('notification', 'pipeline_processing_queues', 'int'),
  opt('notification', 'ack_on_event_error', 'bool', { deprecated: [['collector', 'ack_on_event_error']] }),
  opt('notification', 'messaging_urls', 'multi', { secret: true }),
  opt('notification', 'notification_control_exchanges', 'multi', {
    deprecated: [['DEFAULT', 'http_control_exchanges']],
  }),
  opt('notification', 'pipelines', 'multi'),

  opt('meter', 'meter_definitions_dirs', 'multi'),

  opt('event', 'definitions_cfg_file', 'str'),
  opt('event', 'drop_unmatched_notifications', 'bool'),
  opt('event', 'store_raw', 'multi'),

  opt('publisher', 'telemetry_secret', 'str', {
    secret: true,
    deprecated: [
      ['DEFAULT', 'metering_secret'],
      ['publisher_rpc', 'metering_secret'],
      ['publisher', 'metering_secret'],
    ],
  }),

  opt('publisher_notifier', 'metering_topic', 'str'),
  opt('publisher_notifier', 'event_topic', 'str'),

  opt('coordination', 'backend_url', 'nullable-str', { secret: true }),
  opt('coordination', 'heartbeat', 'float'),
  opt('coordination', 'check_watchers', 'float'),

  opt('oslo_messaging_notifications', 'topics', 'list', {
    deprecated: [
      ['rpc_notifier2', 'topics'],
      ['DEFAULT', 'notification_topics'],
    ],
  }),

  opt('oslo_messaging_rabbit', 'rabbit_qos_prefetch_count', 'int'),
  opt('oslo_messaging_rabbit', 'amqp_durable_queues', 'bool', {
    deprecated: [
      ['DEFAULT', 'amqp_durable_queues'],
      ['DEFAULT', 'rabbit_durable_queues'],
    ],
  }),
  opt('oslo_messaging_rabbit', 'ssl', 'bool', { deprecated: [['oslo_messaging_rabbit', 'rabbit_use_ssl']] }),
  opt('oslo_messaging_rabbit', 'ssl_ca_file', 'nullable-str', {
    deprecated: [['oslo_messaging_rabbit', 'kombu_ssl_ca_certs']],
  }),
  opt('oslo_messaging_rabbit', 'ssl_cert_file', 'nullable-str', {
    deprecated: [['oslo_messaging_rabbit', 'kombu_ssl_certfile']],
  }),
  opt('oslo_messaging_rabbit', 'ssl_key_file', 'nullable-str', {
    deprecated: [['oslo_messaging_rabbit', 'kombu_ssl_keyfile']],
  }),

  opt('meterflow', 'state_idle_ttl', 'float'),
  opt('meterflow', 'metrics_address', 'str'),
  opt('meterflow', 'partition_queue_prefix', 'str'),
  opt('meterflow', 'group', 'str'),
  opt('meterflow', 'partition_migration', 'bool'),
  opt('meterflow', 'partition_lease_ttl', 'float'),
  opt('meterflow', 'member_ttl', 'float'),
];

/**
 * oslo looks groups up lower-cased (`[Notification]` is `[notification]`), except `DEFAULT`,
 * which must be written exactly so (`[default]` is a group of its own that nothing reads).
 */
export function normalizeGroup(name: string): string {
  return name === 'DEFAULT' ? name : name.toLowerCase();
}

/** Every `[group] name` (current and deprecated) an option is read from, current first. */
export function optionNames(option: ConfOption): (readonly [string, string])[] {
  return [[option.group, option.name], ...(option.deprecated ?? [])].map(([g, n]) => [normalizeGroup(g), n] as const);
}
