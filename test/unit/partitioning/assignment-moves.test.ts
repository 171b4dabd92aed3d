/**
 * How many partitions assign() moves on a membership change, against the lower bound: the
 * partitions that must move are the leaver's plus what balance forces (every member ends with
 * ⌊P/M⌋ or ⌈P/M⌉, so a member above its share gives the excess up; the ⌈P/M⌉ slots best go to
 * members that already hold that many). The capped rendezvous greedy is not minimal: it can move
 * partitions between two members that both stay, because a change of who gets the extra ⌈P/M⌉
 * slots cascades. Pure alternatives measured against it (fixed ceil slots, plain rendezvous plus
 * rebalancing, floor-then-extra rounds, per-partition greedy) moved more on average; so this
 * pins what the current function achieves, and a change of it must not do worse.
 */
import t from 'tap';
import { assign } from '../../../src/partitioning/assignment.js';

type Owners = (string | undefined)[];

const moved = (before: Owners, after: Owners) => before.filter((o, p) => o !== after[p]).length;

/** Fewest moves from `before` to any exactly balanced assignment over `after`. */
function lowerBound(before: Owners, after: readonly string[], partitions: number): number {
  const floor = Math.floor(partitions / after.length);
  const extra = partitions % after.length;
  const held = after.map((m) => before.filter((o) => o === m).length);
  const kept =
    held.reduce((sum, n) => sum + Math.min(n, floor), 0) + Math.min(extra, held.filter((n) => n > floor).length);
  return partitions - kept;
}

t.test('vectors: moves where fewer suffice', async (t) => {
  const three = ['w-0', 'w-1', 'w-2'];
  const before = assign(three, 4);
  const joined = assign([...three, 'new'], 4);
  // 1 would do (w-0 gives one to the newcomer); w-1 and w-2 swap theirs too.
  t.same(
    [before, joined],
    [
      ['w-1', 'w-0', 'w-0', 'w-2'],
      ['new', 'w-0', 'w-2', 'w-1'],
    ],
  );
  t.same([moved(before, joined), lowerBound(before, [...three, 'new'], 4)], [3, 1], 'P=4, 3 → 4 members');

  const six = ['w-0', 'w-1', 'w-2', 'w-3', 'w-4', 'w-5'];
  const full = assign(six, 6);
  const left = assign(six.slice(1), 6);
  // 1 would do (w-0's partition to anyone); w-2 and w-3 move theirs too.
  t.same(
    [full, left],
    [
      ['w-4', 'w-0', 'w-2', 'w-3', 'w-1', 'w-5'],
      ['w-4', 'w-3', 'w-5', 'w-2', 'w-1', 'w-5'],
    ],
  );
  t.same([moved(full, left), lowerBound(full, six.slice(1), 6)], [3, 1], 'P=6, w-0 of 6 members leaves');
});

t.test('property: moves on a join or a leave, against the lower bound', async (t) => {
  const total = { join: { moves: 0, bound: 0 }, leave: { moves: 0, bound: 0 } };
  const worst = { join: 0, leave: 0 };
  for (const P of [4, 8, 16, 32, 64]) {
    for (let M = 1; M <= 12; M++) {
      for (let trial = 0; trial < 10; trial++) {
        const members = Array.from({ length: M }, (_, i) => `w${trial}-${i}`);
        const before = assign(members, P);
        const changes: ['join' | 'leave', string[]][] = [['join', [...members, `new-${trial}`]]];
        if (M > 1) changes.push(['leave', members.filter((_, i) => i !== trial % M)]);
        for (const [kind, after] of changes) {
          const moves = moved(before, assign(after, P));
          const bound = lowerBound(before, after, P);
          if (moves < bound) t.fail(`P=${P} M=${M} ${kind}: below the lower bound`);
          total[kind].moves += moves;
          total[kind].bound += bound;
          // In units of the new share: how many members' worth of partitions moved needlessly.
          worst[kind] = Math.max(worst[kind], (moves - bound) / Math.ceil(P / after.length));
        }
      }
    }
  }
  const join = total.join.moves / total.join.bound;
  const leave = total.leave.moves / total.leave.bound;
  t.ok(join <= 1.45, `a join moves ${join.toFixed(3)}× the lower bound on average`);
  t.ok(leave <= 1.25, `a leave moves ${leave.toFixed(3)}× the lower bound on average`);
  t.ok(worst.join <= 3, `a join moves at most 3 shares more than needed (${worst.join})`);
  t.ok(worst.leave <= 2, `a leave moves at most 2 shares more than needed (${worst.leave})`);
});
