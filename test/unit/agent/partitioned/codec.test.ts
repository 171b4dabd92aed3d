import t, { type Test } from 'tap';
import {
  BAD_SIGNATURE,
  decodeSamples,
  encodeSamples,
  INVALID_PARTITION_MESSAGE,
} from '../../../../src/agent/partitioned/codec.js';
import { BadInputError } from '../../../../src/errors.js';
import {
  computeSignature,
  dumpsPyJson,
  isPyFloat,
  PyFloat,
  type Sample,
  sampleToMeteringMessage,
} from '../../../../src/model/index.js';

const SECRET = 'partition-secret';

function sample(overrides: Partial<Sample> = {}): Sample {
  return {
    name: 'cpu',
    type: 'cumulative',
    unit: 'ns',
    volume: 120,
    user_id: 'u',
    project_id: 'p',
    resource_id: 'r1',
    timestamp: '2026-11-22T09:25:41.310093+00:00',
    resource_metadata: { flavor: { vcpus: 2 }, ratio: new PyFloat(1) },
    source: 'openstack',
    id: 'id-1',
    monotonic_time: null,
    ...overrides,
  };
}

/** A partition message body made of these records, as stage 1 would never write them. */
const body = (records: unknown[]) => Buffer.from(dumpsPyJson(records), 'utf8');

/** The metering message of `s` with `change` applied, then signed (a valid signature on bad data). */
function signedRecord(s: Sample, change: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = { ...sampleToMeteringMessage(s, SECRET), ...change };
  delete record.message_signature;
  record.message_signature = computeSignature(record as never, SECRET);
  return record;
}

function refusal(t: Test, fn: () => unknown, reason: string, message: RegExp): void {
  try {
    fn();
    t.fail(`expected BadInputError ${reason}`);
  } catch (err) {
    t.type(err, BadInputError);
    t.equal((err as BadInputError).reason, reason);
    t.match((err as Error).message, message);
  }
}

t.test('round trip: the samples come back equal, floats stay floats and ints stay ints', async (t) => {
  const samples = [
    sample(),
    sample({ id: 'id-2', volume: new PyFloat(80), type: 'gauge', unit: '%', monotonic_time: 12.5 }),
    sample({ id: 'id-3', volume: 0.25, user_id: null, project_id: null, resource_metadata: {} }),
    sample({ id: 'id-4', volume: 2n ** 64n, resource_id: 'r2', source: 'elsewhere' }),
  ];
  const encoded = encodeSamples(samples, SECRET);
  t.match(encoded.toString('utf8'), /"counter_volume": 80\.0/, 'a float written with its .0');
  const decoded = decodeSamples(encoded, SECRET);
  t.strictSame(decoded, samples);
  t.notOk(isPyFloat(decoded[0]?.volume), 'int 120 stays an int');
  t.equal(decoded[0]?.volume, 120);
  t.ok(isPyFloat(decoded[1]?.volume), '80.0 stays a float');
  t.equal(decoded[3]?.volume, 2n ** 64n, 'a big int survives');
  t.ok(isPyFloat(decoded[0]?.resource_metadata.ratio), 'metadata floats survive too');
  t.same(decodeSamples(encodeSamples([], SECRET), SECRET), [], 'an empty message is an empty list');
});

t.test('signatures: unsigned and forged samples are refused as bad_signature', async (t) => {
  const good = sampleToMeteringMessage(sample(), SECRET);
  const { message_signature: _, ...unsigned } = good;
  refusal(t, () => decodeSamples(body([unsigned]), SECRET), BAD_SIGNATURE, /sample 0: message_signature is missing/);

  const forged = { ...good, counter_volume: 999 };
  refusal(
    t,
    () => decodeSamples(body([good, forged]), SECRET),
    BAD_SIGNATURE,
    /sample 1: message_signature does not match/,
  );

  const otherSecret = encodeSamples([sample()], 'another-secret');
  refusal(t, () => decodeSamples(otherSecret, SECRET), BAD_SIGNATURE, /sample 0: .*does not match/);
});

t.test('an empty secret disables verification', async (t) => {
  const { message_signature: _, ...unsigned } = sampleToMeteringMessage(sample(), SECRET);
  const forged = { ...sampleToMeteringMessage(sample({ id: 'id-2' }), SECRET), counter_volume: 7 };
  const decoded = decodeSamples(body([unsigned, forged]), '');
  t.same(
    decoded.map((s) => [s.id, s.volume]),
    [
      ['id-1', 120],
      ['id-2', 7],
    ],
  );
  t.same(decodeSamples(encodeSamples([sample()], ''), ''), [sample()], 'written and read without a secret');
});

t.test('JSON lines: one metering message per line, each parsed on its own', async (t) => {
  const samples = [sample({ volume: new PyFloat(1) }), sample({ volume: 2.5 }), sample()];
  const body = encodeSamples(samples, SECRET);
  t.equal(body.toString('utf8').split('\n').length, 3, 'three lines');
  t.notOk(body.toString('utf8').startsWith('['), 'not an array');
  t.same(decodeSamples(body, SECRET), samples, 'an integral float on one line keeps its type; the others too');
  t.same(decodeSamples(Buffer.from(`\n${body.toString('utf8')}\n\n`), SECRET), samples, 'blank lines ignored');
  const one = dumpsPyJson(sampleToMeteringMessage(sample(), SECRET));
  t.equal(decodeSamples(Buffer.from(one), SECRET).length, 1, 'a single message is a one-line body');
});

t.test('not JSON, not an array, a non-object element: invalid_partition_message', async (t) => {
  refusal(t, () => decodeSamples(Buffer.from('{not json'), SECRET), INVALID_PARTITION_MESSAGE, /line 1 is not JSON/);
  refusal(t, () => decodeSamples(Buffer.from('[{not json'), SECRET), INVALID_PARTITION_MESSAGE, /message is not JSON/);
  t.same(decodeSamples(Buffer.from('  \n'), SECRET), [], 'an empty body holds no sample');
  refusal(
    t,
    () => decodeSamples(Buffer.from('"text"'), SECRET),
    INVALID_PARTITION_MESSAGE,
    /sample 0: expected an object/,
  );
  const good = sampleToMeteringMessage(sample(), SECRET);
  for (const [element, i] of [
    [null, 1],
    [[good], 1],
    ['cpu', 1],
    [3, 1],
  ] as const) {
    refusal(
      t,
      () => decodeSamples(body([good, element]), SECRET),
      INVALID_PARTITION_MESSAGE,
      new RegExp(`sample ${i}: expected an object`),
    );
  }
});

t.test('an invalid sample field: invalid_sample naming the sample index and the field', async (t) => {
  const good = sampleToMeteringMessage(sample(), SECRET);
  refusal(
    t,
    () => decodeSamples(body([good, good, signedRecord(sample(), { counter_type: 'rate' })]), SECRET),
    'invalid_sample',
    /^sample 2: .*counter_type/,
  );
  refusal(
    t,
    () => decodeSamples(body([signedRecord(sample(), { counter_volume: null })]), SECRET),
    'invalid_sample',
    /^sample 0: .*counter_volume/,
  );
  refusal(
    t,
    () => decodeSamples(body([good, signedRecord(sample(), { timestamp: 'yesterday' })]), SECRET),
    'invalid_sample',
    /^sample 1: .*timestamp/,
  );
  const { message_id: _, ...noId } = signedRecord(sample(), {});
  refusal(
    t,
    () => decodeSamples(body([{ ...noId, message_signature: computeSignature(noId as never, SECRET) }]), SECRET),
    'invalid_sample',
    /^sample 0: message_id is missing/,
  );
  refusal(
    t,
    () => decodeSamples(body([good, signedRecord(sample(), { counter_name: '' })]), ''),
    'invalid_sample',
    /^sample 1: .*counter_name/,
  );
});

t.test('one bad sample refuses the whole message', async (t) => {
  const good = sampleToMeteringMessage(sample(), SECRET);
  const later = sampleToMeteringMessage(sample({ id: 'id-9' }), SECRET);
  for (const bad of [{ ...good, counter_volume: 1 }, signedRecord(sample(), { counter_type: 'x' }), 7]) {
    let decoded: Sample[] | undefined;
    try {
      decoded = decodeSamples(body([good, bad, later]), SECRET);
    } catch (err) {
      t.type(err, BadInputError);
    }
    t.equal(decoded, undefined, 'nothing of the message is returned');
  }
});
