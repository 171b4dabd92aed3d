/** The cluster proof's pure checks, on hand-made logs and points (no services). */
import t from 'tap';
import {
  balanced,
  comparePoints,
  currentOwners,
  epochRegressions,
  type Interval,
  intervalsOf,
  overlaps,
  type PartitionEvent,
  type Point,
  pointKey,
  pointOf,
  settleTimes,
} from '../../helpers/cluster-checks.js';

const ev = (
  worker: string,
  kind: PartitionEvent['kind'],
  partition: number,
  time: number,
  epoch = 1,
  reason?: string,
): PartitionEvent => ({
  worker,
  kind,
  pipeline: 'cpu',
  partition,
  epoch,
  time,
  ...(reason ? { reason } : {}),
});

const iv = (worker: string, partition: number, start: number, end: number, epoch = 1): Interval => ({
  worker,
  pipeline: 'cpu',
  partition,
  epoch,
  start,
  end,
  reason: 'moved',
});

t.test('intervalsOf pairs consuming with stopped and closes open intervals at the end', async (t) => {
  const { intervals, problems } = intervalsOf(
    'a',
    [ev('a', 'stopped', 0, 50, 1, 'moved'), ev('a', 'consuming', 0, 10), ev('a', 'consuming', 1, 20, 4)],
    100,
    'killed',
  );
  t.same(problems, []);
  t.same(intervals, [
    { worker: 'a', pipeline: 'cpu', partition: 0, epoch: 1, start: 10, end: 50, reason: 'moved' },
    { worker: 'a', pipeline: 'cpu', partition: 1, epoch: 4, start: 20, end: 100, reason: 'killed' },
  ]);
});

t.test('intervalsOf reports inconsistent logs', async (t) => {
  const { problems } = intervalsOf(
    'a',
    [
      ev('a', 'consuming', 0, 10),
      ev('a', 'consuming', 0, 20, 2),
      ev('a', 'stopped', 0, 30, 3, 'moved'),
      ev('a', 'stopped', 1, 40, 1, 'moved'),
    ],
    100,
    'exited',
  );
  t.equal(problems.length, 3);
  t.match(problems[0], /already consuming/);
  t.match(problems[1], /epoch 2 but stopped with epoch 3/);
  t.match(problems[2], /without consuming/);
});

t.test('overlaps: touching intervals are fine, overlapping ones of one partition are not', async (t) => {
  t.same(overlaps([iv('a', 0, 0, 10), iv('b', 0, 10, 20), iv('c', 1, 5, 15)]), []);
  const found = overlaps([iv('a', 0, 0, 10), iv('b', 0, 9, 20), iv('c', 0, 30, 40), iv('d', 0, 0, 5)]);
  t.equal(found.length, 2, found.join('\n')); // d–a and a–b; d ends before b starts
  t.match(found.join('\n'), /a \[0, 10\].*overlaps b \[9, 20\].* by 1 ms/);
});

t.test('epochRegressions: each new owner needs a higher epoch', async (t) => {
  t.same(epochRegressions([iv('a', 0, 0, 10, 1), iv('b', 0, 10, 20, 2), iv('a', 1, 0, 5, 1)]), []);
  t.equal(epochRegressions([iv('a', 0, 0, 10, 2), iv('b', 0, 10, 20, 2)]).length, 1);
});

t.test('settleTimes: time until every partition has the owner it keeps until the next change', async (t) => {
  const refs = ['cpu#0', 'cpu#1', 'cpu#2'];
  const intervals = [
    iv('a', 0, 0, 5000), // unchanged owner through the join at 1000
    iv('a', 1, 0, 1200),
    iv('b', 1, 1300, 2100), // moved twice: settles at 2150
    iv('a', 1, 2150, 5000),
    iv('b', 2, 1400, 3000), // b is killed at 3000; a takes 2 over at 3900
    iv('a', 2, 3900, 5000),
  ];
  const [join, kill] = settleTimes(
    intervals,
    refs,
    [
      { label: 'join', at: 1000 },
      { label: 'kill', at: 3000 },
    ],
    5000,
  );
  t.match(join, { ms: 1150, last: 'cpu#1 by a', unowned: [], until: 3000 });
  t.match(kill, { ms: 900, last: 'cpu#2 by a', unowned: [], until: 5000 });
  const [gap] = settleTimes([iv('a', 0, 0, 100)], ['cpu#0', 'cpu#1'], [{ label: 'x', at: 50 }], 200);
  t.same(gap?.unowned, ['cpu#0', 'cpu#1']);
});

t.test('currentOwners and balanced', async (t) => {
  const owners = currentOwners([
    ev('a', 'consuming', 0, 1),
    ev('a', 'consuming', 1, 2),
    ev('b', 'consuming', 2, 3),
    ev('a', 'stopped', 1, 4, 1, 'moved'),
    ev('b', 'consuming', 1, 5, 2),
  ]);
  t.same([...(owners.get('cpu#1') ?? [])], ['b']);
  t.notOk(balanced(owners, ['cpu'], 3, ['a', 'b', 'c']), 'c owns nothing');
  t.ok(balanced(owners, ['cpu'], 3, ['a', 'b']));
  t.notOk(balanced(owners, ['cpu'], 4, ['a', 'b']), 'partition 3 unowned');
  t.notOk(balanced(owners, ['cpu'], 3, ['a']), 'b is not a member');
  t.notOk(balanced(currentOwners([ev('a', 'consuming', 0, 1), ev('b', 'consuming', 0, 2)]), ['cpu'], 1, ['a', 'b']));
});

t.test('comparePoints: identical repeats are one point; missing, extra and differing ones are listed', async (t) => {
  const p = (name: string, resource: string, timestamp: string, value: string): Point => ({
    name,
    resource,
    timestamp,
    value,
  });
  const expected = new Map([
    [pointKey(p('cpu_util', 'r1', 't1', '')), '1.5 % gauge'],
    [pointKey(p('cpu_util', 'r1', 't2', '')), '2.5 % gauge'],
    [pointKey(p('cpu_util', 'r2', 't1', '')), '3 % gauge'],
    [pointKey(p('cpu_util', 'r3', 't1', '')), '4 % gauge'],
  ]);
  const cmp = comparePoints(expected, [
    p('cpu_util', 'r1', 't1', '1.5 % gauge'),
    p('cpu_util', 'r1', 't1', '1.5 % gauge'),
    p('cpu_util', 'r1', 't2', '2.5 % gauge'),
    p('cpu_util', 'r2', 't1', '3 % gauge'),
    p('cpu_util', 'r2', 't1', '7 % gauge'),
    p('cpu_util', 'r9', 't1', '1 % gauge'),
  ]);
  t.equal(cmp.matched, 2);
  t.equal(cmp.duplicates, 1);
  t.same(cmp.missing, [pointKey(p('cpu_util', 'r3', 't1', ''))]);
  t.same(cmp.extra, [pointKey(p('cpu_util', 'r9', 't1', ''))]);
  t.same(cmp.differing, [
    { key: pointKey(p('cpu_util', 'r2', 't1', '')), expected: '3 % gauge', got: ['3 % gauge', '7 % gauge'] },
  ]);
});

t.test('pointOf reads a metering message', async (t) => {
  t.same(
    pointOf({
      counter_name: 'cpu_util',
      counter_type: 'gauge',
      counter_unit: '%',
      counter_volume: 0.25,
      resource_id: 'r',
      timestamp: '2026-01-01T00:01:00+00:00',
    }),
    { name: 'cpu_util', resource: 'r', timestamp: '2026-01-01T00:01:00+00:00', value: '0.25 % gauge' },
  );
});
