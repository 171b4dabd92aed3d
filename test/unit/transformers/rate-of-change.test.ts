import t from 'tap';
import { isPyFloat, PyFloat } from '../../../src/model/py-float.js';
import { at, create, harness, sample, volumes } from './fixtures.js';

const CPU_UTIL = {
  target: {
    name: 'cpu_util',
    unit: '%',
    type: 'gauge',
    scale: '100.0 / (10**9 * (resource_metadata.cpu_number or 1))',
  },
};

function cpu(volume: number, seconds: number, cpuNumber?: number, type: 'cumulative' | 'gauge' = 'cumulative') {
  return sample({
    volume,
    type,
    timestamp: at(seconds),
    resource_metadata: cpuNumber === undefined ? {} : { cpu_number: cpuNumber },
  });
}

t.test('cpu_util: 120e9 → 180e9 ns over 60 s', async (t) => {
  for (const [cpuNumber, expected] of [
    [4, 25],
    [2, 50],
    [undefined, 100],
  ] as const) {
    const h = harness();
    const tr = create('rate_of_change', CPU_UTIL, h.context);
    t.equal(tr.handle(cpu(120e9, 0, cpuNumber)), null, 'no predecessor: dropped');
    const out = tr.handle(cpu(180e9, 60, cpuNumber));
    t.ok(out);
    t.same(out?.volume, new PyFloat(expected), `cpu_number ${cpuNumber} → ${expected}.0`);
    t.match(out, {
      name: 'cpu_util',
      unit: '%',
      type: 'gauge',
      timestamp: at(60),
      resource_id: 'r1',
      source: 'openstack',
      id: 'out-1',
      monotonic_time: null,
    });
  }
});

t.test('reversed cumulative is a reset: Δv = current value', async (t) => {
  const tr = create('rate_of_change', CPU_UTIL, harness().context);
  tr.handle(cpu(180e9, 0, 2));
  t.same(volumes([tr.handle(cpu(120e9, 60, 2))]), [100], '120e9 / 60 s / 2 cpus');
  const h = harness();
  const four = create('rate_of_change', CPU_UTIL, h.context);
  four.handle(cpu(180e9, 0, 4));
  t.same(volumes([four.handle(cpu(120e9, 60, 4))]), [50], 'reset → 50.0 with 4 cpus');
});

t.test('reversed gauge gives a negative rate', async (t) => {
  const tr = create('rate_of_change', CPU_UTIL, harness().context);
  tr.handle(cpu(180e9, 0, 4, 'gauge'));
  t.same(volumes([tr.handle(cpu(120e9, 60, 4, 'gauge'))]), [-25]);
});

t.test('equal timestamps: rate 0.0, still emitted', async (t) => {
  const tr = create('rate_of_change', CPU_UTIL, harness().context);
  tr.handle(cpu(120e9, 0, 4));
  const out = tr.handle(cpu(180e9, 0, 4));
  t.ok(out);
  t.same(out?.volume, new PyFloat(0));
  t.ok(isPyFloat(out?.volume));
});

t.test('out-of-order sample is dropped and the newer point kept', async (t) => {
  const h = harness();
  const tr = create('rate_of_change', CPU_UTIL, h.context);
  tr.handle(cpu(100e9, 60, 4));
  t.equal(tr.handle(cpu(50e9, 0, 4)), null, 'older sample dropped');
  t.ok(h.logger.records.some((r) => r.msg === 'dropping out of time order sample'));
  t.same(volumes([tr.handle(cpu(160e9, 120, 4))]), [25], 'rate against the newer (kept) point');
});

t.test('max caps the rate and returns max itself', async (t) => {
  const tr = create('rate_of_change', { target: { ...CPU_UTIL.target, max: 100 } }, harness().context);
  tr.handle(cpu(0, 0, 1));
  const out = tr.handle(cpu(120e9, 60, 1));
  t.equal(out?.volume, 100, 'min(200.0, 100) is the int 100, as Python');
  const zero = create('rate_of_change', { target: { ...CPU_UTIL.target, max: 0 } }, harness().context);
  zero.handle(cpu(0, 0, 1));
  t.same(volumes([zero.handle(cpu(120e9, 60, 1))]), [200], 'max: 0 disables the cap');
});

t.test('disk and network rates via map_from/map_to', async (t) => {
  const params = {
    source: { map_from: { name: '(disk\\.device|disk)\\.(read|write)\\.(bytes|requests)', unit: '(B|request)' } },
    target: { map_to: { name: '\\1.\\2.\\3.rate', unit: '\\1/s' }, type: 'gauge' },
  };
  const tr = create('rate_of_change', params, harness().context);
  const base = { name: 'disk.read.bytes', unit: 'B', type: 'cumulative' as const };
  tr.handle(sample({ ...base, volume: 1000, timestamp: at(0) }));
  const out = tr.handle(sample({ ...base, volume: 18640, timestamp: at(420) }));
  t.match(out, { name: 'disk.read.bytes.rate', unit: 'B/s', type: 'gauge' });
  t.same(out?.volume, new PyFloat(42));

  const net = create(
    'rate_of_change',
    {
      source: { map_from: { name: 'network\\.(incoming|outgoing)\\.(bytes|packets)', unit: '(B|packet)' } },
      target: { map_to: { name: 'network.\\1.\\2.rate', unit: '\\1/s' }, type: 'gauge' },
    },
    harness().context,
  );
  const n = { name: 'network.outgoing.packets', unit: 'packet' };
  net.handle(sample({ ...n, volume: 10, timestamp: at(0) }));
  t.match(net.handle(sample({ ...n, volume: 30, timestamp: at(10) })), {
    name: 'network.outgoing.packets.rate',
    unit: 'packet/s',
    volume: 2,
  });
});

t.test('without target the type stays cumulative and scale defaults to 1', async (t) => {
  const tr = create('rate_of_change', {}, harness().context);
  tr.handle(sample({ volume: 10, timestamp: at(0) }));
  const out = tr.handle(sample({ volume: 30, timestamp: at(10) }));
  t.match(out, { name: 'cpu', unit: 'ns', type: 'cumulative' });
  t.same(out?.volume, new PyFloat(2));
});

t.test('a numeric scale multiplies volume × scale × rate, as Ceilometer', async (t) => {
  const tr = create('rate_of_change', { target: { scale: 2 } }, harness().context);
  tr.handle(sample({ volume: 10, timestamp: at(0) }));
  t.same(volumes([tr.handle(sample({ volume: 30, timestamp: at(10) }))]), [120]);
});

t.test('scale is evaluated on the current sample', async (t) => {
  const tr = create('rate_of_change', CPU_UTIL, harness().context);
  tr.handle(cpu(120e9, 0, 1));
  t.same(volumes([tr.handle(cpu(180e9, 60, 4))]), [25], 'cpu_number of the newer sample');
});

t.test('monotonic_time wins when both samples have it', async (t) => {
  const tr = create('rate_of_change', {}, harness().context);
  tr.handle(sample({ volume: 0, timestamp: at(0), monotonic_time: 1000 }));
  t.same(volumes([tr.handle(sample({ volume: 100, timestamp: at(60), monotonic_time: 1050 }))]), [2]);
  t.same(volumes([tr.handle(sample({ volume: 220, timestamp: at(120) }))]), [2], 'one without: wall clock');
  t.same(
    volumes([tr.handle(sample({ volume: 300, timestamp: at(200), monotonic_time: 5 }))]),
    [1],
    'predecessor without monotonic time: wall clock',
  );
});

t.test('separate caches per meter and resource, no key collision', async (t) => {
  const tr = create('rate_of_change', {}, harness().context);
  tr.handle(sample({ name: 'cpu', resource_id: 'x1', volume: 0, timestamp: at(0) }));
  t.equal(tr.handle(sample({ name: 'cpux', resource_id: '1', volume: 50, timestamp: at(10) })), null);
  t.equal(tr.handle(sample({ name: 'cpu', resource_id: 'x2', volume: 50, timestamp: at(10) })), null);
  t.same(volumes([tr.handle(sample({ name: 'cpu', resource_id: 'x1', volume: 50, timestamp: at(10) }))]), [5]);
});

t.test('an expression failing for a sample drops it with a warning', async (t) => {
  const h = harness();
  const tr = create('rate_of_change', { target: { scale: 'resource_metadata.missing * 2' } }, h.context);
  tr.handle(sample({ volume: 0, timestamp: at(0) }));
  t.equal(tr.handle(sample({ volume: 10, timestamp: at(10) })), null);
  t.ok(h.logger.records.some((r) => r.level === 'warn' && r.msg === 'cannot convert sample'));
});

t.test('an invalid timestamp drops the sample', async (t) => {
  const tr = create('rate_of_change', {}, harness().context);
  t.equal(tr.handle(sample({ timestamp: 'yesterday' })), null);
});

t.test('validation', async (t) => {
  const h = harness();
  t.throws(() => create('rate_of_change', { target: { scale: '1 +' } }, h.context), /cannot parse expression/);
});
