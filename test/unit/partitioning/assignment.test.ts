import t from 'tap';
import { assign, ownedBy } from '../../../src/partitioning/assignment.js';

const members = (n: number, tag = 'w') => Array.from({ length: n }, (_, i) => `${tag}-${i}`);
const loads = (owners: (string | undefined)[]) => {
  const out = new Map<string, number>();
  for (const o of owners) if (o) out.set(o, (out.get(o) ?? 0) + 1);
  return out;
};
const moved = (a: (string | undefined)[], b: (string | undefined)[]) => a.filter((o, p) => o !== b[p]).length;

t.test('fixed vectors', async (t) => {
  t.same(assign(['b', 'a'], 4), assign(['a', 'b'], 4), 'member order does not matter');
  t.same(assign([], 3), [undefined, undefined, undefined]);
  t.same(assign(['only'], 3), ['only', 'only', 'only']);
  t.same(ownedBy('x', ['x', 'y'], 10).length, 5);
  // Pinned so a change of the function (a migration) cannot go unnoticed.
  t.same(assign(['agent-1', 'agent-2', 'agent-3'], 10), assign(['agent-3', 'agent-1', 'agent-2', 'agent-1'], 10));
  t.same(assign(['agent-1', 'agent-2', 'agent-3'], 10), [
    'agent-2',
    'agent-2',
    'agent-3',
    'agent-3',
    'agent-1',
    'agent-1',
    'agent-3',
    'agent-2',
    'agent-1',
    'agent-1',
  ]);
  t.same(assign(['agent-1', 'agent-2'], 10), [
    'agent-2',
    'agent-2',
    'agent-2',
    'agent-2',
    'agent-1',
    'agent-1',
    'agent-1',
    'agent-2',
    'agent-1',
    'agent-1',
  ]);
});

t.test('property: balanced exactly, every partition owned', async (t) => {
  for (const P of [1, 4, 10, 16, 32, 100]) {
    for (let M = 1; M <= 12; M++) {
      const owners = assign(members(M, `p${P}`), P);
      t.ok(
        owners.every((o) => o !== undefined),
        `P=${P} M=${M}: all owned`,
      );
      const l = [...loads(owners).values()];
      t.ok(
        Math.max(...l) <= Math.ceil(P / M) && (P < M || Math.min(...l) >= Math.floor(P / M)),
        `P=${P} M=${M}: ${l.join('/')}`,
      );
    }
  }
});

t.test('property: few partitions move when a member joins or leaves', async (t) => {
  let joinRatio = 0;
  let leaveRatio = 0;
  let n = 0;
  for (const P of [10, 16, 32, 64]) {
    for (let M = 1; M <= 8; M++) {
      for (let trial = 0; trial < 10; trial++) {
        const ms = members(M, `t${trial}`);
        const before = assign(ms, P);
        const joined = assign([...ms, `new-${trial}`], P);
        const minimumJoin = Math.floor(P / (M + 1));
        joinRatio += moved(before, joined) / Math.max(1, minimumJoin);
        t.ok(moved(before, joined) <= 5 * Math.ceil(P / (M + 1)), `join P=${P} M=${M}`);
        if (M > 1) {
          const left = assign(ms.slice(1), P);
          const owned = before.filter((o) => o === ms[0]).length;
          leaveRatio += moved(before, left) / owned;
          t.ok(moved(before, left) <= 5 * owned, `leave P=${P} M=${M}`);
        }
        n += 1;
      }
    }
  }
  t.ok(joinRatio / n <= 1.6, `a join moves ${(joinRatio / n).toFixed(2)}× the minimum on average`);
  t.ok(leaveRatio / n <= 1.6, `a leave moves ${(leaveRatio / n).toFixed(2)}× the leaver's partitions on average`);
});
