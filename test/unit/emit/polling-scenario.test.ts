import t from 'tap';
import { PollingScenario, type ScenarioNotification, SeededRandom } from '../../../src/emit/index.js';
import { decodeNotification } from '../../../src/definitions/index.js';
import { encodeNotification } from '../../../src/messaging/oslo-envelope.js';
import { parsePyJson, sampleFromRecord, verifySignature } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';

type Rec = { [key: string]: PyJson };
const METERS = ['cpu', 'disk.read.bytes', 'disk.write.bytes', 'network.incoming.bytes', 'network.outgoing.bytes'];

function take(scenario: PollingScenario, n: number): ScenarioNotification[] {
  const out: ScenarioNotification[] = [];
  for (const item of scenario.notifications()) {
    if (out.length === n) break;
    out.push(item);
  }
  return out;
}

const samplesOf = (item: ScenarioNotification) => (item.notification.payload as { samples: Rec[] }).samples;

t.test('the same seed gives the same bytes; another seed does not', async (t) => {
  const a = take(new PollingScenario({ instances: 5, seed: 's1' }), 20).map((i) => encodeNotification(i.notification));
  const b = take(new PollingScenario({ instances: 5, seed: 's1' }), 20).map((i) => encodeNotification(i.notification));
  const c = take(new PollingScenario({ instances: 5, seed: 's2' }), 20).map((i) => encodeNotification(i.notification));
  t.same(a, b);
  t.not(a[0]?.toString(), c[0]?.toString());
  t.equal(new SeededRandom('x').uuid4(), new SeededRandom('x').uuid4());
  t.match(new SeededRandom('x').uuid4(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

t.test('one telemetry.polling notification per instance and poll, as the polling agent sends it', async (t) => {
  const items = take(new PollingScenario({ instances: 3, intervalSeconds: 30 }), 6);
  t.same(
    items.map((i) => [i.poll, i.instance]),
    [
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ],
  );
  const first = items[0] as ScenarioNotification;
  t.match(first.notification, {
    publisherId: 'ceilometer.polling',
    eventType: 'telemetry.polling',
    priority: 'SAMPLE',
    context: {},
  });
  t.match(first.notification.timestamp, /^2026-01-01 00:00:0\d\.\d{6}$/);
  const samples = samplesOf(first);
  t.same(
    samples.map((s) => [s.counter_name, s.counter_type, s.counter_unit]),
    METERS.map((m) => [m, 'cumulative', m === 'cpu' ? 'ns' : 'B']),
  );
  for (const s of samples) t.ok(verifySignature(s, 'change this for valid signing'), `${s.counter_name} signed`);
  t.equal((samples[0]?.resource_metadata as Rec).cpu_number, (samples[0]?.resource_metadata as Rec).vcpus);
  t.match(samples[3]?.resource_id, /^instance-00000001-[0-9a-f-]{36}-tap[0-9a-f-]{11}$/);
  // What the agent reads back: a valid notification whose samples are valid records.
  const decoded = decodeNotification(parsePyJson(encodeNotification(first.notification).toString()));
  t.equal(decoded.priority, 'sample');
  for (const s of samples) t.ok(sampleFromRecord(s, { source: 'x', newId: () => 'n' }));
});

t.test('timestamps advance by the interval from --start; monotonic_time increases', async (t) => {
  const startMs = Date.parse('2026-03-01T12:00:00Z');
  const items = take(new PollingScenario({ instances: 4, intervalSeconds: 10, startMs }), 4 * 5);
  for (let i = 0; i < 4; i++) {
    const mine = items.filter((x) => x.instance === i).map((x) => samplesOf(x)[0] as Rec);
    const times = mine.map((s) => Date.parse(s.timestamp as string));
    t.ok(times[0] !== undefined && times[0] >= startMs && times[0] < startMs + 5000, 'first poll at the start');
    for (let k = 1; k < times.length; k++) t.equal((times[k] as number) - (times[k - 1] as number), 10_000);
    const mono = mine.map((s) => s.monotonic_time as number);
    for (let k = 1; k < mono.length; k++)
      t.equal(Math.round(((mono[k] as number) - (mono[k - 1] as number)) * 1e6), 10_000_000);
    t.ok(
      mono.every((m) => !Number.isInteger(m)),
      'monotonic_time is a float',
    );
  }
});

t.test('counters grow realistically without resets', async (t) => {
  const items = take(new PollingScenario({ instances: 20, resetProbability: 0 }), 20 * 4);
  for (let i = 0; i < 20; i++) {
    const series = items.filter((x) => x.instance === i).map((x) => samplesOf(x));
    for (const [m, meter] of METERS.entries()) {
      const volumes = series.map((s) => s[m]?.counter_volume as number);
      for (let k = 1; k < volumes.length; k++) {
        t.ok((volumes[k] as number) > (volumes[k - 1] as number), `${meter} of ${i} grows`);
        t.ok(Number.isSafeInteger(volumes[k]), 'integer volumes');
      }
      if (meter === 'cpu') {
        const cpus = series[0]?.[0]?.resource_metadata as Rec;
        const perSecond = ((volumes[3] as number) - (volumes[2] as number)) / 60;
        t.ok(perSecond <= (cpus.cpu_number as number) * 1.1e9, 'cpu grows no faster than its vCPUs allow');
      }
    }
  }
  t.notOk(items.some((x) => x.reset));
});

t.test('resets restart every counter of the instance near 0', async (t) => {
  const items = take(new PollingScenario({ instances: 10, resetProbability: 0.2, seed: 'resets' }), 10 * 30);
  const resets = items.filter((x) => x.reset);
  t.ok(resets.length > 20 && resets.length < 100, `about 20% of later polls reset (${resets.length})`);
  t.notOk(
    items.some((x) => x.poll === 0 && x.reset),
    'never on the first poll',
  );
  for (const r of resets) {
    const before = items.find((x) => x.instance === r.instance && x.poll === r.poll - 1) as ScenarioNotification;
    if (before.reset) continue; // two reboots in a row: both counters are near 0
    for (const [m, s] of samplesOf(r).entries()) {
      const previous = samplesOf(before)[m]?.counter_volume as number;
      t.ok((s.counter_volume as number) < previous, `${s.counter_name} drops`);
    }
    t.ok((samplesOf(r)[0]?.counter_volume as number) < 8 * 60e9, 'cpu restarts below one interval of time');
  }
  const none = take(new PollingScenario({ instances: 10, resetProbability: 1 }), 20);
  t.ok(
    none.slice(10).every((x) => x.reset),
    'probability 1 resets every later poll',
  );
});

t.test('SeededRandom helpers stay in range', async (t) => {
  const rng = new SeededRandom('r');
  for (let i = 0; i < 1000; i++) {
    const x = rng.next();
    t.ok(x >= 0 && x < 1);
    const n = rng.int(3, 5);
    t.ok(n >= 3 && n <= 5 && Number.isInteger(n));
  }
  t.equal(rng.hex(4).length, 8);
});
