import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Event } from '../../../src/model/event.js';
import { eventToMessage, sampleToMeteringMessage } from '../../../src/model/metering.js';
import { PyFloat } from '../../../src/model/py-float.js';
import { parsePyJson } from '../../../src/model/py-json.js';
import type { PyJson, Sample } from '../../../src/model/sample.js';
import { computeSignature, signedPairs, verifySignature } from '../../../src/model/signature.js';

const SECRET = 'change this for valid signing';
const fixture = (path: string): string =>
  readFileSync(new URL(`../../../../shared/fixtures/${path}`, import.meta.url), 'utf8');

type Rec = { [key: string]: PyJson };
interface FixedSig {
  message_id: string;
  message_signature: string;
  signed_pairs: [string, string][];
}

const cases = fixture('golden/expected.jsonl')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => parsePyJson(line) as Rec);

/** The Python type name of a parsed volume, to check parsePyJson kept what JSON.parse loses. */
function pyType(v: PyJson): string {
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))) return 'float';
  return 'int';
}

t.test('every golden sample signs exactly like Ceilometer 19', async (t) => {
  let matched = 0;
  let total = 0;
  for (const c of cases) {
    const samples = c.samples as Rec[];
    const fixed = c.fixed_id_signatures as unknown as FixedSig[];
    const types = c.sample_volume_types as string[];
    samples.forEach((raw, n) => {
      total++;
      const want = fixed[n] as FixedSig;
      t.equal(pyType(raw.volume as PyJson), types[n], `${c.id}[${n}] volume type`);
      // Golden volumes may be strings (oddity 5): signing must still reproduce Ceilometer.
      const sample = { ...raw, id: want.message_id } as unknown as Sample;
      const msg = sampleToMeteringMessage(sample, SECRET);
      const pairsOk = t.same(signedPairs(msg), want.signed_pairs, `${c.id}[${n}] signed pairs`);
      const sigOk = t.equal(msg.message_signature, want.message_signature, `${c.id}[${n}] signature`);
      if (pairsOk && sigOk) matched++;
      t.ok(verifySignature(msg, SECRET));
    });
  }
  t.equal(matched, total);
  t.ok(total >= 200, `${matched}/${total} golden sample signatures matched`);
});

t.test('every golden event signs exactly like Ceilometer 19', async (t) => {
  let matched = 0;
  let total = 0;
  for (const c of cases) {
    const events = c.events as Rec[];
    const pairs = c.event_signed_pairs as unknown as [string, string][][];
    events.forEach((raw, i) => {
      total++;
      const traits = (raw.traits as [string, number, PyJson][]).map(([name, dtype, value]) => ({ name, dtype, value }));
      const event = { ...raw, traits } as unknown as Event;
      const msg = eventToMessage(event, SECRET);
      const pairsOk = t.same(signedPairs(msg), pairs[i], `${c.id} event pairs`);
      const sigOk = t.equal(msg.message_signature, raw.message_signature, `${c.id} event signature`);
      if (pairsOk && sigOk) matched++;
      // The published form verifies as received, too.
      t.ok(verifySignature(raw, SECRET), `${c.id} event verifies as published`);
    });
  }
  t.equal(matched, total);
  t.ok(total >= 100, `${matched}/${total} golden event signatures matched`);
});

t.test('golden metering messages verify as published', async (t) => {
  for (const c of cases) {
    for (const msg of c.metering_messages as Rec[]) {
      t.ok(verifySignature(msg, SECRET), `${c.id} ${String(msg.counter_name)}`);
    }
  }
});

t.test('captured notifier:// payloads verify', async (t) => {
  const captures = JSON.parse(fixture('wire/metering-sample.json')) as { body_raw: string }[];
  let verified = 0;
  for (const capture of captures) {
    const envelope = parsePyJson(capture.body_raw) as Rec;
    const inner = parsePyJson(envelope['oslo.message'] as string) as Rec;
    for (const element of inner.payload as Rec[]) {
      t.ok(verifySignature(element, SECRET), String(element.message_id));
      t.notOk(verifySignature({ ...element, counter_volume: 'tampered' }, SECRET));
      verified++;
    }
  }
  t.equal(verified, 52);
});

t.test('empty secret: no signature, everything verifies', async (t) => {
  t.equal(computeSignature({ a: 1 }, ''), '');
  t.ok(verifySignature({ a: 1, message_signature: 'junk' }, ''));
  t.notOk(verifySignature({ a: 1 }, SECRET));
  t.notOk(verifySignature({ a: 1, message_signature: 'short' }, SECRET));
});
