import { MeterflowError } from '../errors.js';

/** AMQP `shortstr` (exchange names, routing keys, header names): at most 255 bytes of UTF-8. */
export const SHORTSTR_MAX = 255;

/**
 * amqplib encodes the headers table into a 64 KiB scratch buffer, and it does not always throw
 * when they do not fit: a long string last in the table is cut short without an error, and the
 * broker closes the whole connection over the malformed frame.
 */
export const HEADERS_MAX = 65_536;

/**
 * Refuse, before anything is sent, a publish the broker or amqplib could never take: trying again
 * cannot help, so the error is not retriable (`amqp_publish_invalid`).
 */
export function checkPublishable(exchange: string, routingKey: string, headers: Record<string, unknown> = {}): void {
  for (const [what, value] of [
    ['exchange', exchange],
    ['routing key', routingKey],
  ] as const) {
    const bytes = Buffer.byteLength(value);
    if (bytes > SHORTSTR_MAX) throw invalid(`the ${what} is ${bytes} bytes long (AMQP allows ${SHORTSTR_MAX})`);
  }
  const size = tableSize(headers);
  if (size > HEADERS_MAX) throw invalid(`its headers take up to ${size} bytes (amqplib encodes ${HEADERS_MAX})`);
}

function invalid(why: string): MeterflowError {
  return new MeterflowError('amqp_publish_invalid', `publish refused: ${why}`);
}

/**
 * An upper bound of the encoded size of an AMQP field table as amqplib writes it (every number
 * counted as 8 bytes). Values amqplib cannot encode are left for it to reject.
 */
function tableSize(table: Record<string, unknown>): number {
  let size = 4;
  for (const key in table) {
    if (table[key] !== undefined) size += 1 + Buffer.byteLength(key) + valueSize(table[key]);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return 5 + Buffer.byteLength(value);
  if (typeof value !== 'object' || value === null) return 9;
  if (Buffer.isBuffer(value)) return 5 + value.length;
  if (Array.isArray(value)) return value.reduce((n: number, v: unknown) => n + valueSize(v), 5);
  // amqplib's `{ '!': type, value }` escape gives a value its AMQP type.
  if (Object.hasOwn(value, '!')) return valueSize((value as { value?: unknown }).value);
  return 1 + tableSize(value as Record<string, unknown>);
}
