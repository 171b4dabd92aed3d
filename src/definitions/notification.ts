import { BadInputError } from '../errors.js';
import { parsePyJson } from '../model/index.js';
import type { PyJson } from '../model/index.js';

/** Priorities oslo.messaging dispatches; anything else is dropped with a warning. */
export const PRIORITIES = ['audit', 'debug', 'info', 'warn', 'error', 'critical', 'sample'] as const;
export type Priority = (typeof PRIORITIES)[number];

/**
 * A notification as Ceilometer's endpoints see it (oslo's `_extract_user_message`, new format):
 * definitions address these keys (`$.payload.x`, `$.ctxt.user_id`, `$.publisher_id`).
 */
export interface NotificationMessage {
  ctxt: { [key: string]: PyJson };
  publisher_id: string | null;
  event_type: string;
  payload: PyJson;
  metadata: { message_id: string | null; timestamp: string | null };
}

export interface Notification {
  /** Lower-cased priority, used for dispatch (not part of the message definitions see). */
  priority: string;
  message: NotificationMessage;
}

const CONTEXT_PREFIX = '_context_';

function isObject(value: unknown): value is { [key: string]: PyJson } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(obj: { [key: string]: PyJson }, key: string, what: string): string | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new BadInputError('bad_field', `${what} ${key} must be a string`);
  return value;
}

/** The inner oslo message (`oslo.message` decoded, or a v1 body): context keys are prefixed. */
function fromInnerMessage(msg: { [key: string]: PyJson }): Notification {
  const ctxt: { [key: string]: PyJson } = {};
  for (const key of Object.keys(msg)) {
    if (key.startsWith(CONTEXT_PREFIX)) ctxt[key.slice(CONTEXT_PREFIX.length)] = msg[key] ?? null;
  }
  return build(msg, ctxt, {
    message_id: optionalString(msg, 'message_id', 'notification'),
    timestamp: optionalString(msg, 'timestamp', 'notification'),
  });
}

/** The endpoint form (`{ctxt, publisher_id, event_type, priority, payload, metadata}`). */
function fromEndpointForm(msg: { [key: string]: PyJson }): Notification {
  const ctxt = msg.ctxt ?? {};
  // The sender's form (ctxt without metadata, as passed to oslo's Notifier) has neither id nor time.
  const metadata = msg.metadata ?? {};
  if (!isObject(ctxt)) throw new BadInputError('bad_field', 'notification ctxt must be an object');
  if (!isObject(metadata)) throw new BadInputError('bad_field', 'notification metadata must be an object');
  return build(msg, ctxt, {
    message_id: optionalString(metadata, 'message_id', 'metadata'),
    timestamp: optionalString(metadata, 'timestamp', 'metadata'),
  });
}

function build(
  msg: { [key: string]: PyJson },
  ctxt: { [key: string]: PyJson },
  metadata: NotificationMessage['metadata'],
): Notification {
  const eventType = msg.event_type;
  if (typeof eventType !== 'string' || eventType === '') {
    throw new BadInputError('bad_field', 'notification event_type must be a non-empty string');
  }
  const priority = msg.priority;
  if (typeof priority !== 'string') throw new BadInputError('bad_field', 'notification priority must be a string');
  return {
    priority: priority.toLowerCase(),
    message: {
      ctxt,
      publisher_id: optionalString(msg, 'publisher_id', 'notification'),
      event_type: eventType,
      payload: msg.payload ?? null,
      metadata,
    },
  };
}

/** True when a decoded JSON object looks like an oslo notification in any accepted form. */
export function isNotificationLike(value: unknown): value is { [key: string]: PyJson } {
  return isObject(value) && ('oslo.message' in value || ('event_type' in value && 'payload' in value));
}

/**
 * Decode any accepted notification form: the raw messagingv2 envelope
 * (`{"oslo.version", "oslo.message": "<json>"}`), the inner/v1 message with `_context_*` keys,
 * or the endpoint form with `ctxt` and `metadata` (`metadata` may be absent: the sender's form).
 */
export function decodeNotification(value: unknown): Notification {
  if (!isObject(value)) throw new BadInputError('not_an_envelope', 'notification must be a JSON object');
  if ('oslo.message' in value) {
    const inner = value['oslo.message'];
    if (typeof inner !== 'string') throw new BadInputError('not_an_envelope', 'oslo.message must be a JSON string');
    let decoded: PyJson;
    try {
      decoded = parsePyJson(inner);
    } catch (err) {
      throw new BadInputError('not_json', `oslo.message is not JSON: ${(err as Error).message}`, err);
    }
    if (!isObject(decoded)) throw new BadInputError('not_an_envelope', 'oslo.message must encode an object');
    return fromInnerMessage(decoded);
  }
  if (isObject(value.ctxt) || isObject(value.metadata)) return fromEndpointForm(value);
  return fromInnerMessage(value);
}

/** Decode an AMQP body or a replay line. */
export function decodeNotificationText(text: string): Notification {
  let value: PyJson;
  try {
    value = parsePyJson(text);
  } catch (err) {
    throw new BadInputError('not_json', `not JSON: ${(err as Error).message}`, err);
  }
  return decodeNotification(value);
}
