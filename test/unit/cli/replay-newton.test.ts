/**
 * Ceilometer Newton's default pipeline.yaml (cpu_util via rate_of_change with a `scale`
 * expression, cpu.delta, disk and network rates via map_from/map_to) run through `meterflow
 * replay` on polling-agent notifications (`telemetry.polling`, priority `sample`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parsePyJson } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';
import { runCli, tempDir } from '../../helpers/cli.js';
import { CEILOMETER_NEWTON } from '../../helpers/paths.js';

type Obj = { [key: string]: PyJson };

const polled = (name: string, unit: string, volume: number, ts: string, monotonic: number | null, cpus = 2) => ({
  counter_name: name,
  counter_type: 'cumulative',
  counter_unit: unit,
  counter_volume: volume,
  user_id: 'u1',
  project_id: 'p1',
  resource_id: 'vm-1',
  timestamp: ts,
  resource_metadata: { cpu_number: cpus, host: 'compute-1' },
  message_id: `${name}-${ts}`,
  monotonic_time: monotonic,
  source: 'openstack',
  message_signature: '',
});

const notification = (samples: object[], i: number) => ({
  event_type: 'telemetry.polling',
  publisher_id: 'ceilometer.polling',
  priority: 'SAMPLE',
  payload: { samples },
  timestamp: '2026-11-22 10:00:00.000000',
  message_id: `poll-${i}`,
});

t.test('cpu_util, cpu.delta, disk and network rates', async (t) => {
  const dir = tempDir(t);
  // Five polls one minute apart: cpu grows by 60e9 ns per minute on 2 vCPUs (50 %), then the
  // counter resets (VM rebooted) at poll 4. The polling agent's monotonic clock measured 60 s
  // except before poll 3 (48 s): meterflow keeps monotonic_time, so that rate uses 48 s.
  const cpu = [100e9, 160e9, 220e9, 10e9, 70e9];
  const disk = [1000, 19000, 19000, 25000, 31000];
  const net = [0, 600, 1200, 1800, 2400];
  const mono = [1000, 1060, 1108, 1168, 1228];
  const lines = cpu.map((c, i) => {
    const ts = `2026-11-22T10:0${i}:00+00:00`;
    return JSON.stringify({
      batch: [
        notification(
          [
            polled('cpu', 'ns', c, ts, mono[i] as number),
            polled('disk.read.bytes', 'B', disk[i] as number, ts, null),
            polled('network.incoming.bytes', 'B', net[i] as number, ts, null),
          ],
          i,
        ),
      ],
      now: ts,
    });
  });
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const out = join(dir, 'out.jsonl');
  const r = await runCli([
    'replay',
    '--pipeline',
    `${CEILOMETER_NEWTON}pipeline.yaml`,
    '--input',
    input,
    '--output',
    out,
  ]);
  t.equal(r.code, 0, r.stderr);
  const published = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => parsePyJson(l) as Obj);
  const series = (name: string) =>
    published.filter((m) => m.counter_name === name).map((m) => Number(m.counter_volume));
  t.same(series('cpu'), cpu, 'meter_sink passes every cpu sample through');
  t.same(
    series('cpu_util'),
    [50, 62.5, (10e9 / 60e9 / 2) * 100, 50],
    'rate of change ×100/(1e9×cpus); reset: the new value is the growth',
  );
  t.same(series('cpu.delta'), [60e9, 60e9, 60e9], 'growth_only drops the negative delta at the reset');
  t.same(series('disk.read.bytes.rate'), [300, 0, 100, 100], 'disk rate renamed by map_from/map_to');
  t.same(series('network.incoming.bytes.rate'), [10, 10, 10, 10], 'network rate');
  const util = published.find((m) => m.counter_name === 'cpu_util') as Obj;
  t.equal(util.counter_unit, '%');
  t.equal(util.counter_type, 'gauge');
  const rate = published.find((m) => m.counter_name === 'disk.read.bytes.rate') as Obj;
  t.equal(rate.counter_unit, 'B/s');
  t.match(r.stderr, /warning: unknown publisher scheme 'notifier'|replay: 5 lines/);
});
