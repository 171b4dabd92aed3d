import t from 'tap';
import { decodeSamples, encodeSamples } from '../../../../src/agent/partitioned/codec.js';
import { MAX_CACHED_TEXT, MetadataCache, splitLine } from '../../../../src/agent/partitioned/metadata-cache.js';
import type { BadInputError } from '../../../../src/errors.js';
import {
  computeSignature,
  dumpsPyJson,
  meteringMessageLine,
  PyFloat,
  renderingsOf,
  type Sample,
  sampleToMeteringMessage,
} from '../../../../src/model/index.js';
import { sample as baseSample, SECRET } from './fixtures.js';

/** A cpu sample of `resource` with nested metadata of its own (int, float, list). */
const sample = (resource: string, overrides: Partial<Sample> = {}): Sample =>
  baseSample({
    resource_id: resource,
    resource_metadata: { host: `h-${resource}`, flavor: { vcpus: 2, ram: new PyFloat(2048) }, tags: ['x'] },
    monotonic_time: 12.5,
    ...overrides,
  });

/** Each line on its own through the JSON-array form, which always parses whole. */
function decodedWhole(text: string, secret = SECRET): Sample[] {
  const lines = text.split('\n').filter((l) => l !== '');
  return lines.flatMap((line) => decodeSamples(Buffer.from(`[${line}]`), secret, new MetadataCache()));
}

t.test('stage-1 lines decode the same with the cache, sharing one dict per resource', async (t) => {
  const samples = [sample('a'), sample('b'), sample('a', { volume: 130 }), sample('a', { name: 'cpu.delta' })];
  const body = encodeSamples(samples, SECRET);
  const cache = new MetadataCache();
  const decoded = decodeSamples(body, SECRET, cache);
  t.same(decoded, samples);
  t.same(decoded, decodedWhole(body.toString()));
  t.equal(cache.size, 2);
  const [a1, b, a2, a3] = decoded as [Sample, Sample, Sample, Sample];
  t.equal(a1.resource_metadata, a2.resource_metadata, 'same text, same dict');
  t.equal(a1.resource_metadata, a3.resource_metadata);
  t.not(a1.resource_metadata, b.resource_metadata);
  t.ok(Object.isFrozen(a1.resource_metadata));
  t.ok(renderingsOf(a1.resource_metadata), 'a shared dict');
  const again = decodeSamples(encodeSamples([sample('a', { volume: 140 })], SECRET), SECRET, cache);
  t.equal(again[0]?.resource_metadata, a1.resource_metadata, 'a later message reuses it');
  // Output lines rendered from shared dicts are byte for byte what plain samples give.
  for (const [i, s] of decoded.entries())
    t.equal(meteringMessageLine(s, SECRET), meteringMessageLine(samples[i] as Sample, SECRET));
});

t.test('a forged or odd line is decoded exactly as a whole parse decodes it', async (t) => {
  const signed = (record: { [key: string]: unknown }) =>
    dumpsPyJson({ ...record, message_signature: computeSignature(record as never, SECRET) } as never);
  const base = sampleToMeteringMessage(sample('z'), SECRET) as unknown as { [key: string]: unknown };
  const { message_signature: _, ...unsigned } = base;
  const texts = [
    // Metadata holding the very separators the cut looks for.
    signed({ ...unsigned, resource_metadata: { note: '", "message_id": "x', k: { resource_metadata: 1 } } }),
    // A nested dict before the metadata: the cut is not trusted.
    signed({ source: 'openstack', extra: { resource_metadata: { a: 1 } }, ...unsigned }),
    // Text with a brace before the key.
    signed({ ...unsigned, user_id: 'u{1}' }),
    // Null and empty metadata.
    signed({ ...unsigned, resource_metadata: null }),
    signed({ ...unsigned, resource_metadata: {} }),
    // A list where the metadata should be: refused as a whole parse refuses it.
    signed({ ...unsigned, resource_metadata: [1, 2] }),
  ];
  for (const text of texts) {
    const cached = (() => {
      try {
        return decodeSamples(Buffer.from(text), SECRET, new MetadataCache());
      } catch (err) {
        return (err as BadInputError).reason;
      }
    })();
    const whole = (() => {
      try {
        return decodedWhole(text);
      } catch (err) {
        return (err as BadInputError).reason;
      }
    })();
    t.same(cached, whole, text.slice(0, 120));
  }
  // A duplicate key after the cut: JSON keeps the last one, and so does the decoder.
  const dup = `${texts[4]?.slice(0, -1)}, "resource_metadata": {"late": 1}}`;
  t.same(
    decodeSamples(Buffer.from(dup), '', new MetadataCache())[0]?.resource_metadata,
    { late: 1 },
    'duplicate metadata key',
  );
  // A forged signature is still refused with the cached metadata.
  const forged = Buffer.from(`${texts[4]?.replace(/"message_signature": "[0-9a-f]+"/, '"message_signature": "00"')}`);
  try {
    decodeSamples(forged, SECRET, new MetadataCache());
    t.fail('a forged line was accepted');
  } catch (err) {
    t.equal((err as BadInputError).reason, 'bad_signature');
  }
});

t.test('splitLine cuts after the first metadata key and before the last message_id', async (t) => {
  const line = meteringMessageLine(sample('q'), SECRET);
  const split = splitLine(line);
  t.ok(split);
  t.equal(`${split?.head}${split?.metadata}${split?.tail}`, line);
  t.equal(split?.metadata, dumpsPyJson(sample('q').resource_metadata));
  t.equal(splitLine('{"a": 1}'), null, 'no metadata');
  t.equal(splitLine('{"resource_metadata": {}}'), null, 'no message_id after it');
  t.equal(splitLine('{"message_id": "m", "resource_metadata": {}}'), null, 'message_id only before it');
});

t.test('unsigned hand-made lines: where the cut is not the top-level metadata, a whole parse decides', async (t) => {
  const rest =
    '"message_id": "m", "counter_name": "cpu", "counter_type": "gauge", "counter_unit": "%", "counter_volume": 1, "timestamp": "2026-11-22T09:25:41+00:00"';
  const lines = [
    // An escaped quote makes the first match the tail of another key; the real one has no space.
    `{"resource_metadata":null, "x\\"resource_metadata": {"a": 1}, ${rest}}`,
    // A later duplicate written with an escape overrides the cut value.
    `{"resource_metadata": {"a": 1}, ${rest}, "resource_\\u006detadata": null}`,
    // Nested before the top-level key.
    `{"extra": {"resource_metadata": {"a": 1}, "message_id": "n"}, "resource_metadata": {"b": 2}, ${rest}}`,
    // A duplicate after the cut, written plainly.
    `{"resource_metadata": {"a": 1}, ${rest}, "resource_metadata": {"late": 1}}`,
    // The ordinary case.
    `{"resource_metadata": {"a": 1}, ${rest}}`,
  ];
  for (const line of lines) {
    const cached = decodeSamples(Buffer.from(line), '', new MetadataCache());
    t.same(cached, decodedWhole(line, ''), line.slice(0, 90));
  }
  t.same(decodeSamples(Buffer.from(lines[0] as string), '', new MetadataCache())[0]?.resource_metadata, {});
  t.same(decodeSamples(Buffer.from(lines[1] as string), '', new MetadataCache())[0]?.resource_metadata, {});
  t.same(decodeSamples(Buffer.from(lines[2] as string), '', new MetadataCache())[0]?.resource_metadata, { b: 2 });
  t.same(decodeSamples(Buffer.from(lines[3] as string), '', new MetadataCache())[0]?.resource_metadata, { late: 1 });
  const cache = new MetadataCache();
  t.same(decodeSamples(Buffer.from(lines[4] as string), '', cache)[0]?.resource_metadata, { a: 1 });
  t.equal(cache.size, 1, 'the ordinary line went through the cache');
});

t.test('the cache keeps two generations and parses only objects', async (t) => {
  const cache = new MetadataCache(2);
  const a = cache.lookup('{"a": 1}');
  t.same(a, { a: 1 });
  t.equal(cache.lookup('{"a": 1}'), a);
  cache.lookup('{"b": 1}');
  cache.lookup('{"c": 1}'); // current {a, b} becomes previous
  t.equal(cache.lookup('{"a": 1}'), a, 'found in the previous generation');
  cache.lookup('{"d": 1}');
  cache.lookup('{"e": 1}');
  cache.lookup('{"f": 1}');
  t.ok(cache.size <= 4);
  t.not(cache.lookup('{"b": 1}'), undefined);
  t.equal(cache.lookup('[1]'), undefined, 'a list');
  t.equal(cache.lookup('1.0'), undefined, 'a number');
  t.equal(cache.lookup('null'), undefined);
  t.equal(cache.lookup('{"a": '), undefined, 'not JSON');
  t.same(cache.lookup('{"f": 1.0}'), { f: new PyFloat(1) }, 'parsed losslessly');
});

t.test('the cache is bounded in characters too; a huge metadata text is not kept', async (t) => {
  const cache = new MetadataCache(100, 40);
  const a = cache.lookup('{"a": "0123456789012345"}'); // 25 characters
  t.equal(cache.lookup('{"a": "0123456789012345"}'), a);
  cache.lookup('{"b": "0123456789012345"}'); // 50 > 40: a new generation
  cache.lookup('{"c": "0123456789012345"}'); // and another: the first text is gone
  t.not(cache.lookup('{"a": "0123456789012345"}'), a, 'parsed again');
  const huge = JSON.stringify({ x: 'y'.repeat(MAX_CACHED_TEXT) });
  t.equal(new MetadataCache().lookup(huge), undefined);
  // A line with such metadata still decodes, parsed whole.
  const s = sample('h', { resource_metadata: { x: 'y'.repeat(MAX_CACHED_TEXT) } });
  const cacheOfLines = new MetadataCache();
  t.same(decodeSamples(encodeSamples([s], SECRET), SECRET, cacheOfLines), [s]);
  t.equal(cacheOfLines.size, 0);
});
