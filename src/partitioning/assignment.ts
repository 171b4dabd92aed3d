import { stableHash } from './hash.js';

/**
 * Which member owns which partition: a pure function of the member list (order does not matter)
 * and P, so every member computes the same answer from the same list without talking to the
 * others.
 *
 * Balanced exactly: every member owns ⌊P/M⌋ or ⌈P/M⌉ partitions. Stable: each (member,
 * partition) pair has a rendezvous score, `stableHash([member, p])`, and pairs are taken best
 * score first while the member has room; a member's arrival or departure only changes the pairs
 * whose order it affects, so few partitions move (measured in test/unit/partitioning/
 * assignment.test.ts over P = 10…64, M = 1…8: a join moves on average 1.55× the unavoidable
 * ⌊P/(M+1)⌋, a leave 1.13× the leaver's partitions). Ceilometer's hash rings gave 2/8 or 7/3
 * splits for 2 agents and 10 queues; this gives 5/5.
 *
 * Returns `owners[p]` = member id; empty members → every partition unowned (undefined).
 */
export function assign(members: readonly string[], partitions: number): (string | undefined)[] {
  const ids = [...new Set(members)].sort();
  const owners: (string | undefined)[] = new Array(partitions).fill(undefined);
  if (ids.length === 0) return owners;
  const floor = Math.floor(partitions / ids.length);
  let ceilSlots = partitions % ids.length;
  const pairs: { score: number; p: number; member: number }[] = [];
  for (let p = 0; p < partitions; p++) {
    for (let m = 0; m < ids.length; m++) pairs.push({ score: stableHash([ids[m] as string, String(p)]), p, member: m });
  }
  pairs.sort((a, b) => b.score - a.score || a.p - b.p || a.member - b.member);
  const load = new Array<number>(ids.length).fill(0);
  let left = partitions;
  for (const { p, member } of pairs) {
    if (left === 0) break;
    if (owners[p] !== undefined) continue;
    const owned = load[member] as number;
    if (owned < floor || (owned === floor && ceilSlots > 0)) {
      if (owned === floor) ceilSlots -= 1;
      owners[p] = ids[member];
      load[member] = owned + 1;
      left -= 1;
    }
  }
  return owners;
}

/** The partitions `member` owns. */
export function ownedBy(member: string, members: readonly string[], partitions: number): number[] {
  const owners = assign(members, partitions);
  const out: number[] = [];
  owners.forEach((owner, p) => {
    if (owner === member) out.push(p);
  });
  return out;
}
