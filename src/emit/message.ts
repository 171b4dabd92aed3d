/**
 * What `meterflow emit` publishes, and how each accepted input becomes one: the golden corpus
 * form, the sender's form, a raw envelope, or a scenario notification.
 */
import { BadInputError } from '../errors.js';
import {
  encodeNotification,
  notificationRoutingKey,
  type OsloNotification,
  sanitizeContext,
} from '../messaging/oslo-envelope.js';
import { dumpsPyJson, type PyJson, parsePyJson } from '../model/index.js';

/** One AMQP message: exchange, routing key (also the name of the queue declared for it), body. */
export interface EmitMessage {
  exchange: string;
  routingKey: string;
  body: Buffer;
}

/** oslo's notification topic (`[oslo_messaging_notifications] topics` default). */
export const NOTIFICATION_TOPIC = 'notifications';

type Rec = { [key: string]: PyJson };

function isRecord(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A notification sent like `Notifier(topics=['notifications']).<priority>(...)` to `exchange`. */
export function notificationMessage(exchange: string, notification: OsloNotification): EmitMessage {
  return {
    exchange,
    routingKey: notificationRoutingKey(NOTIFICATION_TOPIC, notification.priority),
    body: encodeNotification(notification),
  };
}

/**
 * One input line → a message (undefined for a blank line). Accepted forms:
 * - golden corpus `{exchange, routing_key, envelope}`: the envelope is published as is;
 * - sender form `{ctxt, event_type, payload, priority, publisher_id[, exchange]}`: encoded as
 *   oslo.messaging 14 would (context filtered like oslo's, fresh ids, timestamp `now`);
 * - a raw envelope `{"oslo.version", "oslo.message"}`, routed by the priority inside.
 * `exchange` is used when the line does not name one. Throws BadInputError.
 */
export function messageFromLine(text: string, exchange: string, now: number): EmitMessage | undefined {
  if (text.trim() === '') return undefined;
  let shape: unknown;
  try {
    // Native parsing to tell the forms apart: a raw envelope is published as the line's own
    // bytes, so only the other forms need the lossless (and much slower) parse.
    shape = JSON.parse(text);
  } catch (error) {
    throw new BadInputError('not_json', `not JSON: ${(error as Error).message}`, error);
  }
  if (!isRecord(shape)) throw new BadInputError('bad_line', 'expected a JSON object');
  if (!('envelope' in shape) && 'oslo.message' in shape) return envelopeMessage(shape, text, exchange);
  const value = parsePyJson(text) as Rec;
  if ('envelope' in value) return corpusMessage(value);
  if ('event_type' in value && 'payload' in value) return senderMessage(value, exchange, now);
  throw new BadInputError(
    'bad_line',
    'expected {exchange, routing_key, envelope}, {ctxt, event_type, payload, priority, publisher_id} or an oslo envelope',
  );
}

function stringField(rec: Rec, key: string, fallback?: string): string {
  const value = rec[key] ?? fallback;
  if (typeof value !== 'string' || value === '')
    throw new BadInputError('bad_line', `${key} must be a non-empty string`);
  return value;
}

function envelopeBody(envelope: PyJson | undefined): Buffer {
  if (typeof envelope === 'string') return Buffer.from(envelope, 'utf8');
  if (!isRecord(envelope) || typeof envelope['oslo.message'] !== 'string') {
    throw new BadInputError('bad_line', 'envelope must be an oslo envelope ({"oslo.version", "oslo.message"})');
  }
  return Buffer.from(dumpsPyJson(envelope), 'utf8');
}

function corpusMessage(rec: Rec): EmitMessage {
  return {
    exchange: stringField(rec, 'exchange'),
    routingKey: stringField(rec, 'routing_key'),
    body: envelopeBody(rec.envelope),
  };
}

/** A raw envelope line: published byte for byte, routed by the priority inside. */
function envelopeMessage(rec: Rec, text: string, exchange: string): EmitMessage {
  if (typeof rec['oslo.message'] !== 'string') {
    throw new BadInputError('bad_line', 'envelope must be an oslo envelope ({"oslo.version", "oslo.message"})');
  }
  let inner: unknown;
  try {
    inner = JSON.parse(rec['oslo.message']);
  } catch (error) {
    throw new BadInputError('not_json', `oslo.message is not JSON: ${(error as Error).message}`, error);
  }
  if (!isRecord(inner)) throw new BadInputError('bad_line', 'oslo.message must encode an object');
  const priority = stringField(inner, 'priority');
  return {
    exchange,
    routingKey: notificationRoutingKey(NOTIFICATION_TOPIC, priority),
    body: Buffer.from(text.trim(), 'utf8'),
  };
}

function senderMessage(rec: Rec, exchange: string, now: number): EmitMessage {
  const ctxt = rec.ctxt ?? {};
  if (!isRecord(ctxt)) throw new BadInputError('bad_line', 'ctxt must be an object');
  const publisherId = rec.publisher_id;
  if (typeof publisherId !== 'string') throw new BadInputError('bad_line', 'publisher_id must be a string');
  return notificationMessage(stringField(rec, 'exchange', exchange), {
    publisherId,
    eventType: stringField(rec, 'event_type'),
    priority: stringField(rec, 'priority', 'info'),
    payload: rec.payload,
    timestamp: now,
    context: sanitizeContext(ctxt),
  });
}
