import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  decodeNotification,
  loadEventDefinitions,
  loadMeterDefinitions,
  NotificationConverter,
} from '../../../src/definitions/index.js';
import { parsePyJson, verifySignature } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';
import { runCli, tempDir } from '../../helpers/cli.js';
import { CEILOMETER_19, GOLDEN } from '../../helpers/paths.js';

type Obj = { [key: string]: PyJson };
const SECRET = 'change this for valid signing';
const readJsonl = (file: string): Obj[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => parsePyJson(l) as Obj);

function writePipelines(dir: string, sinkYaml = '') {
  const pipeline = join(dir, 'pipeline.yaml');
  writeFileSync(
    pipeline,
    `sources:\n  - name: all\n    meters: ['*']\n    sinks: [all]\nsinks:\n  - name: all\n${sinkYaml}    publishers: ['test://ignored']\n`,
  );
  const eventPipeline = join(dir, 'event_pipeline.yaml');
  writeFileSync(
    eventPipeline,
    `sources:\n  - name: ev\n    events: ['*']\n    sinks: [ev]\nsinks:\n  - name: ev\n    publishers: ['test://ignored']\n`,
  );
  return ['--pipeline', pipeline, '--event-pipeline', eventPipeline];
}

const defs = [
  '--meters',
  `${CEILOMETER_19}meters.yaml`,
  '--event-definitions',
  `${CEILOMETER_19}event_definitions.yaml`,
];

t.test('the golden corpus, wire envelopes in, signed metering messages out', async (t) => {
  const dir = tempDir(t);
  const corpus = readJsonl(`${GOLDEN}corpus.jsonl`);
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${corpus.map((c) => JSON.stringify(c.envelope)).join('\n')}\n`);
  const out = join(dir, 'samples.jsonl');
  const evOut = join(dir, 'events.jsonl');
  const r = await runCli([
    'replay',
    ...writePipelines(dir),
    ...defs,
    '--input',
    input,
    '--output',
    out,
    '--events-output',
    evOut,
  ]);
  t.equal(r.code, 0, r.stderr);

  // The same conversion in-process gives the count to expect.
  const meters = loadMeterDefinitions([`${CEILOMETER_19}meters.yaml`]);
  const events = loadEventDefinitions(`${CEILOMETER_19}event_definitions.yaml`);
  const converter = new NotificationConverter(meters.converter!, events.converter!, {
    sampleSource: 'openstack',
    newId: () => 'x',
  });
  let samples = 0;
  let evs = 0;
  for (const c of corpus) {
    const conv = converter.convert(decodeNotification(c.envelope));
    samples += conv.samples.length;
    evs += conv.event ? 1 : 0;
  }
  const lines = readJsonl(out);
  t.equal(lines.length, samples, 'one line per published sample');
  t.ok(samples > 200, `${samples} samples`);
  t.ok(
    lines.every((m) => typeof m.counter_name === 'string' && verifySignature(m, SECRET)),
    'signed metering messages',
  );
  t.equal(readJsonl(evOut).length, evs, 'one line per event');
  t.match(r.stderr, new RegExp(`replay: ${corpus.length} lines \\(0 skipped\\), ${corpus.length} notifications`));
});

t.test('batch forms, stdin, malformed lines', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'samples.jsonl');
  const sample = (name: string, volume: number, ts: string) => ({
    counter_name: name,
    counter_type: 'gauge',
    counter_unit: 'B',
    counter_volume: volume,
    user_id: 'u',
    project_id: 'p',
    resource_id: 'r',
    timestamp: ts,
    resource_metadata: {},
    message_id: `${name}-${volume}`,
    source: 'openstack',
  });
  const internal = {
    name: 'internal',
    type: 'delta',
    unit: 'x',
    volume: '7',
    user_id: null,
    project_id: null,
    resource_id: 'r',
    timestamp: '2026-11-22T10:00:00Z',
    resource_metadata: null,
  };
  const input = [
    JSON.stringify(sample('a', 1, '2026-11-22T10:00:00+00:00')),
    '{not json',
    JSON.stringify([sample('b', 2, '2026-11-22T10:00:01+00:00'), sample('c', 3, '2026-11-22T10:00:02+00:00')]),
    '',
    JSON.stringify({ batch: [internal], now: '2026-11-22T10:05:00Z', flush: false }),
    JSON.stringify({ batch: [{ counter_name: 'bad' }] }),
    JSON.stringify({ batch: [], bogus: 1 }),
  ].join('\n');
  const r = await runCli(['replay', ...writePipelines(dir), ...defs, '--input', '-', '--output', out], { input });
  t.equal(r.code, 2, 'exit 2 when lines were skipped');
  t.match(r.stderr, /^line 2: not JSON/m);
  t.match(r.stderr, /^line 6: .*counter_type/m);
  t.match(r.stderr, /^line 7: unknown batch keys: bogus/m);
  const lines = readJsonl(out);
  t.same(
    lines.map((m) => [m.counter_name, m.counter_volume]),
    [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['internal', 7],
    ],
    'published in order; a numeric string volume became a number',
  );
  t.equal(lines[0]?.message_id, 'a-1', 'sample ids kept');
});
