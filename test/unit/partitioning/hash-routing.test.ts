import t from 'tap';
import { partitionOf, stableHash } from '../../../src/partitioning/hash.js';
import { partitionQueue, route } from '../../../src/partitioning/router.js';
import type { Sample } from '../../../src/model/index.js';

t.test('stableHash: fixed vectors (first 4 bytes of MD5, big-endian; computed with Python hashlib)', async (t) => {
  const vectors: [(string | null)[], number][] = [
    [['test_resource'], 2196973324],
    [['a'], 214005177],
    [[''], 3558706393],
    [[null], 3558706393],
    [['8e156734-25e1-4dad-92f6-2f9d1b435fdc'], 1091060085],
    [['ab', 'c'], 733272413],
    [['a', 'bc'], 943545695],
    [['ünïcode'], 3440922829],
  ];
  for (const [values, hash] of vectors) t.equal(stableHash(values), hash, JSON.stringify(values));
  t.not(stableHash(['ab', 'c']), stableHash(['a', 'bc']), 'no concatenation collision (Ceilometer known problem 7)');
});

t.test('partitionOf', async (t) => {
  t.equal(partitionOf(['test_resource'], 10), 2196973324 % 10);
  t.equal(partitionOf(['x'], 1), 0);
  t.throws(() => partitionOf(['x'], 0), RangeError);
  t.throws(() => partitionOf(['x'], 2.5), RangeError);
});

t.test('route: grouping key values in key order; queue names', async (t) => {
  const sample = { name: 'cpu', resource_id: 'test_resource', project_id: null, volume: 1 } as unknown as Sample;
  t.equal(route(sample, ['resource_id'], 10), 2196973324 % 10);
  t.equal(route(sample, ['project_id', 'resource_id'], 10), partitionOf([null, 'test_resource'], 10));
  const spread = new Set(
    Array.from({ length: 200 }, (_, i) => route({ ...sample, resource_id: `r${i}` }, ['resource_id'], 10)),
  );
  t.equal(spread.size, 10, '200 resources use all 10 partitions');
  t.equal(partitionQueue('ceilometer', 'cpu_source:cpu_sink', 3), 'ceilometer-pipe-cpu_source:cpu_sink-3');
});
