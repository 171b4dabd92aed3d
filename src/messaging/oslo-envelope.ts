/**
 * Encoding of oslo.messaging notifications exactly as oslo.messaging 14 puts them on the wire
 * (messagingv2 notifier driver + RabbitMQ driver), so what meterflow sends is indistinguishable
 * from what a real OpenStack service or Ceilometer sends. See shared/reference/wire-format.md.
 */
import { randomUUID } from 'node:crypto';
import { dumpsPyJson } from '../model/index.js';
import type { PyJson } from '../model/index.js';
import type { PublishOptions } from './types.js';

/** AMQP properties oslo's RabbitMQ driver sets on every notification (and nothing else). */
export const OSLO_AMQP_PROPERTIES = {
  contentType: 'application/json',
  contentEncoding: 'utf-8',
  deliveryMode: 2,
  priority: 0,
  headers: {},
} as const;

/** The same properties as ConfirmPublisher options (a fresh object per call: headers are mutable). */
export function osloPublishOptions(): PublishOptions {
  return {
    contentType: OSLO_AMQP_PROPERTIES.contentType,
    contentEncoding: OSLO_AMQP_PROPERTIES.contentEncoding,
    persistent: true,
    headers: {},
  };
}

/**
 * Context keys oslo.messaging 14 (`_sanitize_context`) forwards; the sender's other keys
 * (`tenant`, `auth_token`, `timestamp`, ...) never reach the wire.
 */
export const OSLO_CONTEXT_KEYS: ReadonlySet<string> = new Set([
  'user_id',
  'project_id',
  'domain_id',
  'user_domain_id',
  'project_domain_id',
  'is_admin',
  'request_id',
  'roles',
  'user_name',
  'project_name',
  'domain_name',
  'user_domain_name',
  'project_domain_name',
  'service_user_id',
  'service_user_domain_id',
  'service_user_domain_name',
  'service_project_id',
  'service_project_name',
  'service_project_domain_id',
  'service_project_domain_name',
  'service_roles',
  'global_request_id',
  'system_scope',
  'user',
  'domain',
  'user_domain',
  'project_domain',
]);

/** The context as oslo.messaging 14 sends it: only the allowed keys, in the sender's order. */
export function sanitizeContext(context: Readonly<Record<string, PyJson>>): Record<string, PyJson> {
  const out: Record<string, PyJson> = {};
  for (const [key, value] of Object.entries(context)) if (OSLO_CONTEXT_KEYS.has(key)) out[key] = value;
  return out;
}

export interface OsloNotification {
  /** uuid4; generated when absent. */
  messageId?: string;
  publisherId: string;
  eventType: string;
  /** Any case; sent upper-case (`INFO`, `SAMPLE`). */
  priority: string;
  payload: unknown;
  /** A ready `YYYY-MM-DD HH:MM:SS.ffffff` string, or epoch milliseconds; default: now. */
  timestamp?: string | number;
  /** uuid4 hex the AMQP driver adds for duplicate detection; generated when absent. */
  uniqueId?: string;
  /** Sent as one `_context_<key>` per entry, in this order, as given (see sanitizeContext). */
  context?: Readonly<Record<string, unknown>>;
}

/** `str(datetime.utcnow())` of epoch milliseconds (fractions give microseconds): `2026-11-22 09:04:25.486624`. */
export function formatOsloTimestamp(epochMs: number): string {
  const micros = Math.round(epochMs * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros - seconds * 1_000_000).padStart(6, '0');
  const iso = new Date(seconds * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}

/** A uuid4 in hex without dashes (`uuid.uuid4().hex`). */
export function uuid4Hex(): string {
  return randomUUID().replaceAll('-', '');
}

/** The inner message dict, keys in oslo's wire order. */
export function buildInnerMessage(n: OsloNotification): Record<string, unknown> {
  const timestamp = typeof n.timestamp === 'string' ? n.timestamp : formatOsloTimestamp(n.timestamp ?? Date.now());
  const inner: Record<string, unknown> = {
    message_id: n.messageId ?? randomUUID(),
    publisher_id: n.publisherId,
    event_type: n.eventType,
    priority: n.priority.toUpperCase(),
    payload: n.payload,
    timestamp,
    _unique_id: n.uniqueId ?? uuid4Hex(),
  };
  for (const [key, value] of Object.entries(n.context ?? {})) inner[`_context_${key}`] = value;
  return inner;
}

/**
 * The messagingv2 envelope text around an inner message (both levels dumped like `json.dumps`).
 * The inner text is printable ASCII (ensure_ascii escapes everything else), so dumping it as a
 * string only escapes `"` and `\\` — done here directly, it is the hot path of a publisher.
 */
export function envelopeText(inner: unknown): string {
  const text = dumpsPyJson(inner);
  return `{"oslo.version": "2.0", "oslo.message": "${text.replace(/["\\]/g, '\\$&')}"}`;
}

/** The AMQP body of a notification, byte for byte what oslo.messaging 14 publishes. */
export function encodeNotification(n: OsloNotification): Buffer {
  return Buffer.from(envelopeText(buildInnerMessage(n)), 'utf8');
}

/** `<topic>.<priority lower-case>`: routing key and queue name of a notification. */
export function notificationRoutingKey(topic: string, priority: string): string {
  return `${topic}.${priority.toLowerCase()}`;
}
