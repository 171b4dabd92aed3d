import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parsePyJson } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';
import { runCli, tempDir } from '../../helpers/cli.js';
import { GOLDEN } from '../../helpers/paths.js';

type Rec = { [key: string]: PyJson };
const inner = (line: string) => parsePyJson((parsePyJson(line) as Rec)['oslo.message'] as string) as Rec;

t.test('--dry-run writes one envelope per instance and poll, reproducibly', async (t) => {
  const args = ['emit', '--scenario', 'polling', '--instances', '3', '--polls', '2', '--dry-run', '--seed', 'cli'];
  const a = await runCli(args);
  const b = await runCli(args);
  t.equal(a.code, 0, a.stderr);
  t.equal(a.stdout, b.stdout, 'same seed, same bytes');
  const lines = a.stdout.split('\n').filter(Boolean);
  t.equal(lines.length, 6);
  t.match(inner(lines[0] as string), {
    event_type: 'telemetry.polling',
    priority: 'SAMPLE',
    publisher_id: 'ceilometer.polling',
  });
  t.match(a.stderr, /emit: done: 6 sent in [\d.]+ s \(\d+\/s\), 0 failed/);
  const other = await runCli([...args.slice(0, -1), 'other', '--start', '2027-05-01T00:00:00Z', '--interval', '300']);
  t.not(other.stdout, a.stdout);
  const second = inner(other.stdout.split('\n')[3] as string);
  t.match(((second.payload as Rec).samples as Rec[])[0]?.timestamp, /^2027-05-01T00:05:0\d/);
});

t.test('--count limits the scenario; emit --dry-run | replay --input - reads every line', async (t) => {
  const dir = tempDir(t);
  const emitted = await runCli(['emit', '--scenario', 'polling', '--instances', '4', '--count', '7', '--dry-run']);
  t.equal(emitted.stdout.split('\n').filter(Boolean).length, 7);
  const out = join(dir, 'samples.jsonl');
  const replayed = await runCli(['replay', '--input', '-', '--output', out], { input: emitted.stdout, cwd: dir });
  t.equal(replayed.code, 0, replayed.stderr);
  t.match(replayed.stderr, /7 lines \(0 skipped\), 7 notifications, 35 samples in/);
});

t.test('--input: golden corpus lines, repeated to --count, bad lines reported', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'in.jsonl');
  const corpus = (await import('node:fs')).readFileSync(`${GOLDEN}corpus.jsonl`, 'utf8').split('\n').slice(0, 3);
  writeFileSync(file, `${corpus.join('\n')}\nnot json\n\n`);
  const r = await runCli(['emit', '--input', file, '--count', '7', '--dry-run']);
  t.equal(r.code, 2, 'bad input lines give status 2');
  t.equal(r.stdout.split('\n').filter(Boolean).length, 7);
  t.match(r.stderr, /emit: line 4: not JSON/);
  t.equal(r.stderr.match(/line 4/g)?.length, 1, 'reported once, not on every pass');
  t.match(r.stderr, /7 sent .*, 0 failed, 1 input lines skipped/);
  const stdin = await runCli(['emit', '--input', '-', '--dry-run'], { input: `${corpus[0]}\n` });
  t.equal(stdin.code, 0);
  t.equal(stdin.stdout.split('\n').filter(Boolean).length, 1);
});

t.test('usage errors', async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /--input FILE\|- or --scenario polling is required/],
    [['--scenario', 'storm'], /unknown scenario 'storm'/],
    [['--scenario', 'polling', '--polls', '1', '--count', '2'], /--polls or --count, not both/],
    [['--scenario', 'polling', '--input', 'x'], /--input or --scenario, not both/],
    [['--input', 'x', '--polls', '2'], /--polls applies to --scenario only/],
    [['--scenario', 'polling', '--rate', '0'], /--rate must be a positive number/],
    [['--scenario', 'polling', '--instances=-1'], /--instances must be a non-negative integer/],
    [['--scenario', 'polling', '--reset-probability', '2'], /between 0 and 1/],
    [['--scenario', 'polling', '--start', 'yesterday'], /--start must be an ISO 8601 time/],
    [['--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['emit', ...args, '--dry-run']);
    t.equal(r.code, 64, args.join(' '));
    t.match(r.stderr, message);
  }
  const help = await runCli(['emit', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Usage: meterflow emit/);
  t.match((await runCli(['--help'])).stdout, /emit {7}publish oslo notifications/);
});

t.test('an unreachable broker fails fast with a redacted URL', async (t) => {
  const r = await runCli([
    'emit',
    '--scenario',
    'polling',
    '--count',
    '1',
    '--url',
    'amqp://user:hunter2@127.0.0.1:1',
    '--connect-timeout',
    '0.3',
  ]);
  t.equal(r.code, 1);
  t.match(r.stderr, /emit: cannot connect to amqp:\/\/\*\*\*@127\.0\.0\.1:1 within 0.3 s/);
  t.notMatch(r.stderr, /hunter2/);
});
