/**
 * The body of a partition-queue message: Ceilometer metering messages (the same signed form
 * `notifier://` publishes), one JSON document per line, so stage 2 can verify every sample it
 * applies to state — and parse each line on its own, which keeps most lines on the native JSON
 * parser (one integral float anywhere would send a whole array through the lossless one). A
 * JSON array of metering messages is accepted too.
 */
import { BadInputError } from '../../errors.js';
import {
  keepMeteringMessageLine,
  parsePyJson,
  type Sample,
  type SignableMessage,
  sampleFromRecord,
  verifySignature,
} from '../../model/index.js';
import { MetadataCache, recordWithSharedMetadata } from './metadata-cache.js';

export const PARTITION_CONTENT_TYPE = 'application/x-ndjson';

/** Why a partition message was refused (dead-letter reasons). */
export const BAD_SIGNATURE = 'bad_signature';
export const INVALID_PARTITION_MESSAGE = 'invalid_partition_message';

/**
 * `dumpsPyJson` of the samples' signed metering messages. Each line is kept on its sample
 * (model/metering-line.ts): a sample routed to several pipelines, or also published in place by
 * a pipeline without transformers, is signed and rendered once.
 */
export function encodeSamples(samples: readonly Sample[], secret: string): Buffer {
  return Buffer.from(samples.map((sample) => keepMeteringMessageLine(sample, secret)).join('\n'), 'utf8');
}

/**
 * The samples of a partition message, every one validated and — when `secret` is not empty —
 * its signature verified. Throws BadInputError (reason `invalid_partition_message`,
 * `invalid_sample` or `bad_signature`) naming the first offending sample; a message with one bad
 * sample is refused whole, so nothing of it reaches transformer state.
 */
export function decodeSamples(body: Buffer, secret: string, metadata: MetadataCache = METADATA): Sample[] {
  const samples: Sample[] = [];
  records(body.toString('utf8'), metadata).forEach((record: unknown, i) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new BadInputError(INVALID_PARTITION_MESSAGE, `sample ${i}: expected an object`);
    }
    if (!verifySignature(record as SignableMessage, secret)) {
      const signature = (record as { message_signature?: unknown }).message_signature;
      const what =
        signature === undefined || signature === null
          ? 'is missing'
          : typeof signature === 'string'
            ? 'does not match'
            : 'is not a string';
      throw new BadInputError(BAD_SIGNATURE, `sample ${i}: message_signature ${what}`);
    }
    try {
      samples.push(
        sampleFromRecord(record, {
          source: 'openstack',
          newId: () => {
            throw new Error('message_id is missing');
          },
        }),
      );
    } catch (err) {
      const reason = err instanceof BadInputError ? err.reason : 'invalid_sample';
      throw new BadInputError(reason, `sample ${i}: ${(err as Error).message}`);
    }
  });
  return samples;
}

/** This process's metadata texts (one stage 2 per process). */
const METADATA = new MetadataCache();

/** The records of a body: JSON lines, or one JSON array. */
function records(text: string, metadata: MetadataCache): unknown[] {
  const parse = (json: string, what: string): unknown => {
    try {
      return parsePyJson(json);
    } catch (err) {
      throw new BadInputError(INVALID_PARTITION_MESSAGE, `${what} is not JSON: ${(err as Error).message}`);
    }
  };
  if (text.trimStart().startsWith('[')) {
    const parsed = parse(text, 'partition message');
    if (!Array.isArray(parsed)) throw new BadInputError(INVALID_PARTITION_MESSAGE, 'partition message is not an array');
    return parsed;
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.map((line, i) => recordWithSharedMetadata(line, metadata) ?? parse(line, `line ${i + 1}`));
}
