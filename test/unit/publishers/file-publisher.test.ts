import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { PublishError } from '../../../src/errors.js';
import { ManualClock } from '../../../src/model/clock.js';
import type { Event } from '../../../src/model/event.js';
import { dumpsPyJson, eventToMessage, PyFloat, sampleToMeteringMessage } from '../../../src/model/index.js';
import type { Sample } from '../../../src/model/sample.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createPublisher, type PublisherContext, validatePublisherUrl } from '../../../src/publishers/index.js';

const SECRET = 'change this for valid signing';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meterflow-file-publisher-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function contextFor(baseDir: string): PublisherContext {
  return { telemetrySecret: SECRET, logger: silentLogger, clock: new ManualClock(0), baseDir };
}

/** Samples differ only in a fixed-width id, so every line has the same length. */
function sample(n: number): Sample {
  return {
    name: 'disk.ephemeral.size',
    type: 'gauge',
    unit: 'GB',
    volume: new PyFloat(25),
    user_id: '8d7248e2951f48d09e84f058d5a804eb',
    project_id: '451b4cf361234df7b656af7229d4beef',
    resource_id: 'b3f731b7-1375-4f4a-b243-3e5365410267',
    timestamp: '2026-11-22T09:25:41.310093+00:00',
    resource_metadata: { host: 'compute-030', flavor_name: 'm1.medium' },
    source: 'openstack',
    id: `c3b3e0ae-e656-11f1-bb84-${String(n).padStart(12, '0')}`,
    monotonic_time: null,
  };
}

const event: Event = {
  message_id: '5f1ad4a7-0e6c-4bf4-9e2a-1f1a5b6f3c11',
  event_type: 'compute.instance.create.end',
  generated: '2026-11-22T12:18:10.632511',
  traits: [{ name: 'memory_mb', dtype: 2, value: 512 }],
  raw: {},
};

const sampleLine = (n: number): string => dumpsPyJson(sampleToMeteringMessage(sample(n), SECRET));

/** The file's lines; every line, the last included, must end with a newline. */
async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  if (!text.endsWith('\n')) throw new Error(`${path} does not end with a newline`);
  return text.slice(0, -1).split('\n');
}

t.test('writes one signed metering message per sample and one message per event', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'out.jsonl');
  const publisher = createPublisher(`file://${path}`, contextFor('/nonexistent'));
  t.equal(publisher.target, `file://${path}`);
  await publisher.publishSamples([sample(1), sample(2)]);
  await publisher.publishEvents([event]);
  await publisher.publishSamples([]);
  await publisher.close();
  const lines = await readLines(path);
  t.same(lines, [sampleLine(1), sampleLine(2), dumpsPyJson(eventToMessage(event, SECRET))]);
  t.match(lines[0], /"counter_volume": 25\.0, /, 'floats keep Python formatting');
  t.match(lines[0], /"message_signature": "[0-9a-f]{64}"/);
  t.same(JSON.parse(lines[0] ?? ''), JSON.parse(JSON.stringify(sampleToMeteringMessage(sample(1), SECRET))));
});

t.test('lines longer than the batch buffer expected', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'big.jsonl');
  const publisher = createPublisher(`file://${path}`, contextFor('/nonexistent'));
  const big = (n: number): Sample => ({ ...sample(n), resource_metadata: { blob: 'ü'.repeat(3000), n } });
  await publisher.publishSamples([big(1), sample(2), big(3)]);
  await publisher.close();
  const expected = [big(1), sample(2), big(3)].map((s) => dumpsPyJson(sampleToMeteringMessage(s, SECRET)));
  t.same(await readLines(path), expected);
});

t.test('relative and absolute paths', async (t) => {
  const dir = await tempDir(t);
  const context = contextFor(dir);
  const cases: [string, string][] = [
    ['file://out/Samples.jsonl', join(dir, 'out', 'Samples.jsonl')],
    ['file://Logs_Dir/x.jsonl', join(dir, 'Logs_Dir', 'x.jsonl')],
    ['file:plain.jsonl', join(dir, 'plain.jsonl')],
    ['file:my%20dir/x.jsonl?json', join(dir, 'my dir', 'x.jsonl')],
    [`file://${join(dir, 'abs', 'a.jsonl')}`, join(dir, 'abs', 'a.jsonl')],
    [`file:${join(dir, 'abs2.jsonl')}`, join(dir, 'abs2.jsonl')],
  ];
  for (const [url, expected] of cases) {
    const publisher = createPublisher(url, context);
    await publisher.publishSamples([sample(7)]);
    await publisher.close();
    t.same(await readLines(expected), [sampleLine(7)], url);
  }
});

t.test('an empty batch does not create the file', async (t) => {
  const dir = await tempDir(t);
  const publisher = createPublisher('file://empty.jsonl', contextFor(dir));
  await publisher.publishSamples([]);
  await publisher.publishEvents([]);
  await publisher.close();
  t.notOk(existsSync(join(dir, 'empty.jsonl')));
});

t.test('rotation keeps backup_count files, newest first, oldest dropped', async (t) => {
  const size = Buffer.byteLength(`${sampleLine(0)}\n`);
  for (const batched of [true, false]) {
    const dir = await tempDir(t);
    const path = join(dir, 'rot.jsonl');
    // Two lines fit (2 × size < max_bytes), a third would reach max_bytes: rotate.
    const publisher = createPublisher(`file://rot.jsonl?max_bytes=${2 * size + 1}&backup_count=2`, contextFor(dir));
    const ids = [1, 2, 3, 4, 5, 6, 7];
    if (batched) await publisher.publishSamples(ids.map(sample));
    else for (const n of ids) await publisher.publishSamples([sample(n)]);
    await publisher.close();
    const label = batched ? 'one batch' : 'one call per sample';
    t.same(await readLines(path), [sampleLine(7)], `${label}: current file`);
    t.same(await readLines(`${path}.1`), [sampleLine(5), sampleLine(6)], `${label}: .1`);
    t.same(await readLines(`${path}.2`), [sampleLine(3), sampleLine(4)], `${label}: .2`);
    t.notOk(existsSync(`${path}.3`), `${label}: oldest dropped`);
  }
});

t.test('rotation happens when a line would reach max_bytes exactly (Python >=)', async (t) => {
  const size = Buffer.byteLength(`${sampleLine(0)}\n`);
  const dir = await tempDir(t);
  const path = join(dir, 'edge.jsonl');
  const publisher = createPublisher(`file://edge.jsonl?max_bytes=${2 * size}&backup_count=5`, contextFor(dir));
  await publisher.publishSamples([sample(1), sample(2)]);
  await publisher.close();
  t.same(await readLines(path), [sampleLine(2)]);
  t.same(await readLines(`${path}.1`), [sampleLine(1)]);
});

t.test('rotation counts what the file already held; a long line still gets written', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'existing.jsonl');
  await writeFile(path, 'old line\n');
  const publisher = createPublisher('file://existing.jsonl?max_bytes=20&backup_count=1', contextFor(dir));
  await publisher.publishSamples([sample(1), sample(2)]);
  await publisher.close();
  t.same(await readLines(path), [sampleLine(2)]);
  t.same(await readLines(`${path}.1`), [sampleLine(1)], 'the old content was dropped with backup_count=1');
});

t.test('backup_count=0 or max_bytes=0 disables rotation', async (t) => {
  for (const query of ['max_bytes=10&backup_count=0', 'max_bytes=0&backup_count=3']) {
    const dir = await tempDir(t);
    const publisher = createPublisher(`file://f.jsonl?${query}`, contextFor(dir));
    await publisher.publishSamples([sample(1), sample(2), sample(3)]);
    await publisher.close();
    t.same(await readLines(join(dir, 'f.jsonl')), [1, 2, 3].map(sampleLine), query);
    t.notOk(existsSync(join(dir, 'f.jsonl.1')), query);
  }
});

t.test('concurrent publish calls land in call order, each resolving after its own write', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'order.jsonl');
  const publisher = createPublisher('file://order.jsonl', contextFor(dir));
  const ids = Array.from({ length: 60 }, (_, i) => i);
  const written = await Promise.all(
    ids.map((n) =>
      (n % 3 === 0 ? publisher.publishEvents([event]) : publisher.publishSamples([sample(n)])).then(
        async () => (await readFile(path, 'utf8')).split('\n').length - 1,
      ),
    ),
  );
  t.ok(
    written.every((count, i) => count >= i + 1),
    'every call saw its line in the file when it resolved',
  );
  await publisher.close();
  const eventLine = dumpsPyJson(eventToMessage(event, SECRET));
  t.same(
    await readLines(path),
    ids.map((n) => (n % 3 === 0 ? eventLine : sampleLine(n))),
  );
});

t.test('close waits for pending writes; publishing after close is refused', async (t) => {
  const dir = await tempDir(t);
  const publisher = createPublisher('file://closing.jsonl', contextFor(dir));
  const pending = publisher.publishSamples([sample(1)]);
  await publisher.close();
  await pending;
  t.same(await readLines(join(dir, 'closing.jsonl')), [sampleLine(1)]);
  const error = await publisher.publishSamples([sample(2)]).catch((e: unknown) => e);
  t.type(error, PublishError);
  t.equal((error as PublishError).retriable, false);
  await publisher.close();
});

t.test('a path that is a directory fails with a non-retriable PublishError, then recovers', async (t) => {
  const dir = await tempDir(t);
  const blocked = join(dir, 'blocked');
  await mkdir(blocked);
  const publisher = createPublisher('file://blocked', contextFor(dir));
  const error = await publisher.publishSamples([sample(1)]).catch((e: unknown) => e);
  t.type(error, PublishError);
  t.match(error, { code: 'publish_failed', retriable: false, publisher: 'file://blocked' });
  t.equal(((error as PublishError).cause as NodeJS.ErrnoException).code, 'EISDIR');
  await rmdir(blocked);
  await publisher.publishSamples([sample(2)]);
  await publisher.close();
  t.same(await readLines(blocked), [sampleLine(2)], 'the next call reopened the file');
});

t.test('a full disk is a retriable PublishError', { skip: !existsSync('/dev/full') && 'no /dev/full' }, async (t) => {
  const publisher = createPublisher('file:///dev/full', contextFor('/'));
  const error = await publisher.publishSamples([sample(1)]).catch((e: unknown) => e);
  t.type(error, PublishError);
  t.equal((error as PublishError).retriable, true);
  t.equal(((error as PublishError).cause as NodeJS.ErrnoException).code, 'ENOSPC');
  await publisher.close();
});

t.test('URL validation', async (t) => {
  t.same(validatePublisherUrl('file:///tmp/x.jsonl?json&max_bytes=10&backup_count=2'), []);
  t.same(validatePublisherUrl('file://'), [
    { message: 'missing file path (file:///absolute/path or file://relative/path)' },
  ]);
  t.same(validatePublisherUrl('file:?json'), [
    { message: 'missing file path (file:///absolute/path or file://relative/path)' },
  ]);
  t.same(validatePublisherUrl('file:///x?max_bytes=10'), [
    { message: 'max_bytes and backup_count must be given together' },
  ]);
  t.same(validatePublisherUrl('file:///x?max_bytes=1k&backup_count=-1'), [
    { message: "max_bytes must be a non-negative integer, got '1k'" },
    { message: "backup_count must be a non-negative integer, got '-1'" },
  ]);
  t.same(validatePublisherUrl('file:///x?maxbytes=10'), [
    { message: "unknown option 'maxbytes' (known options: max_bytes, backup_count, json)" },
  ]);
  t.throws(() => createPublisher('file://', contextFor('/')), {
    code: 'config_invalid',
    message: /^file:\/\/: missing file path/,
  });
});
