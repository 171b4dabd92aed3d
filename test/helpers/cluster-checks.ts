/**
 * The pure part of the cluster proof: partition ownership intervals rebuilt from the workers'
 * log lines, the "at most one consumer" and "owned again within N s" checks over them, and the
 * point-for-point comparison of published series. No processes, no services: unit-tested in
 * `test/cluster/checks.test.ts`.
 */

/** One `partition consuming` / `partition stopped` log line of a worker. */
export interface PartitionEvent {
  worker: string;
  kind: 'consuming' | 'stopped';
  pipeline: string;
  partition: number;
  epoch: number;
  /** `moved | lost | redis-down | stopping` for `stopped`. */
  reason?: string;
  time: number;
}

/**
 * A worker consuming one partition: from the log line written just before basic.consume to the
 * one written after the consumer was cancelled and its batch settled, so it covers every moment
 * the worker could have been processing that partition.
 */
export interface Interval {
  worker: string;
  pipeline: string;
  partition: number;
  epoch: number;
  start: number;
  end: number;
  /** The `stopped` reason, or how an interval without one ended (`killed`, `exited`, `open`). */
  reason: string;
}

/** A membership change the test caused, and when. */
export interface Change {
  label: string;
  at: number;
}

export const refKey = (pipeline: string, partition: number): string => `${pipeline}#${partition}`;

/**
 * The intervals of one worker. Intervals still open when the worker's log ends are closed at
 * `endAt` with `endReason` (a SIGKILLed worker's at its death). Returns the log's own
 * inconsistencies as problems: a second `consuming` for a partition it already consumes, a
 * `stopped` for one it does not consume, or a `stopped` whose epoch differs from its `consuming`.
 */
export function intervalsOf(
  worker: string,
  events: readonly PartitionEvent[],
  endAt: number,
  endReason: string,
): { intervals: Interval[]; problems: string[] } {
  const open = new Map<string, PartitionEvent>();
  const intervals: Interval[] = [];
  const problems: string[] = [];
  for (const e of [...events].sort((a, b) => a.time - b.time)) {
    const key = refKey(e.pipeline, e.partition);
    const current = open.get(key);
    if (e.kind === 'consuming') {
      if (current) problems.push(`${worker}: consuming ${key} (epoch ${e.epoch}) while already consuming it`);
      open.set(key, e);
      continue;
    }
    if (!current) {
      problems.push(`${worker}: stopped ${key} at ${e.time} without consuming it`);
      continue;
    }
    if (current.epoch !== e.epoch) {
      problems.push(`${worker}: ${key} consumed with epoch ${current.epoch} but stopped with epoch ${e.epoch}`);
    }
    intervals.push(interval(current, e.time, e.reason ?? 'unknown'));
    open.delete(key);
  }
  for (const e of open.values()) intervals.push(interval(e, Math.max(endAt, e.time), endReason));
  return { intervals, problems };
}

function interval(e: PartitionEvent, end: number, reason: string): Interval {
  return {
    worker: e.worker,
    pipeline: e.pipeline,
    partition: e.partition,
    epoch: e.epoch,
    start: e.time,
    end,
    reason,
  };
}

function byRef(intervals: readonly Interval[]): Map<string, Interval[]> {
  const out = new Map<string, Interval[]>();
  for (const i of intervals) {
    const key = refKey(i.pipeline, i.partition);
    const list = out.get(key) ?? [];
    list.push(i);
    out.set(key, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.start - b.start || a.end - b.end);
  return out;
}

const describe = (i: Interval): string => `${i.worker} [${i.start}, ${i.end}] epoch ${i.epoch} (${i.reason})`;

/**
 * Every pair of intervals of the same partition that overlap in time (touching ends are fine:
 * the next owner may log `consuming` in the millisecond the previous one logged `stopped`).
 */
export function overlaps(intervals: readonly Interval[]): string[] {
  const out: string[] = [];
  for (const [key, list] of byRef(intervals)) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i] as Interval;
        const b = list[j] as Interval;
        if (b.start >= a.end) break;
        out.push(`${key}: ${describe(a)} overlaps ${describe(b)} by ${Math.min(a.end, b.end) - b.start} ms`);
      }
    }
  }
  return out;
}

/** Partitions whose successive owners did not get strictly increasing epochs (fencing). */
export function epochRegressions(intervals: readonly Interval[]): string[] {
  const out: string[] = [];
  for (const [key, list] of byRef(intervals)) {
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1] as Interval;
      const b = list[i] as Interval;
      if (b.epoch <= a.epoch) out.push(`${key}: ${describe(b)} after ${describe(a)}`);
    }
  }
  return out;
}

export interface Settling {
  change: Change;
  /** ms from the change until every partition was owned by the consumer it kept until `until`. */
  ms: number;
  /** The partition that took longest, and by whom. */
  last: string;
  /** Partitions nobody consumed at `until` (the end of this change's window). */
  unowned: string[];
  until: number;
}

/**
 * For each change, how long until every partition in `refs` was owned again for good: the
 * window of a change runs to the next change (or `endOfRun`); a partition is settled from the
 * start of the interval that covers the end of the window (or from the change itself, when its
 * owner did not change), so a partition that moved twice counts until its second move and one
 * that ends the window unowned is reported.
 */
export function settleTimes(
  intervals: readonly Interval[],
  refs: readonly string[],
  changes: readonly Change[],
  endOfRun: number,
): Settling[] {
  const lists = byRef(intervals);
  const sorted = [...changes].sort((a, b) => a.at - b.at);
  return sorted.map((change, index) => {
    const until = sorted[index + 1]?.at ?? endOfRun;
    let ms = 0;
    let last = '';
    const unowned: string[] = [];
    for (const key of refs) {
      const covering = (lists.get(key) ?? []).filter((i) => i.start < until && i.end >= until);
      const owner = covering.sort((a, b) => b.start - a.start)[0];
      if (!owner) {
        unowned.push(key);
        continue;
      }
      const settled = Math.max(0, owner.start - change.at);
      if (settled >= ms) {
        ms = settled;
        last = `${key} by ${owner.worker}`;
      }
    }
    return { change, ms, last, unowned, until };
  });
}

/** Who consumes what right now, from the events seen so far (for the test's waits). */
export function currentOwners(events: readonly PartitionEvent[]): Map<string, Set<string>> {
  const owners = new Map<string, Set<string>>();
  for (const e of [...events].sort((a, b) => a.time - b.time)) {
    const key = refKey(e.pipeline, e.partition);
    const set = owners.get(key) ?? new Set<string>();
    if (e.kind === 'consuming') set.add(e.worker);
    else set.delete(e.worker);
    owners.set(key, set);
  }
  return owners;
}

/**
 * Whether `workers` together own every partition of `pipelines` (P each), each exactly once, in
 * the balanced split (⌊P/M⌋ or ⌈P/M⌉ per worker and pipeline), and nobody else owns any.
 */
export function balanced(
  owners: Map<string, Set<string>>,
  pipelines: readonly string[],
  partitions: number,
  workers: readonly string[],
): boolean {
  const low = Math.floor(partitions / workers.length);
  const high = Math.ceil(partitions / workers.length);
  for (const pipeline of pipelines) {
    const counts = new Map(workers.map((w) => [w, 0]));
    for (let p = 0; p < partitions; p++) {
      const set = owners.get(refKey(pipeline, p));
      if (!set || set.size !== 1) return false;
      const [worker] = [...set] as [string];
      const count = counts.get(worker);
      if (count === undefined) return false;
      counts.set(worker, count + 1);
    }
    for (const count of counts.values()) if (count < low || count > high) return false;
  }
  return true;
}

/** One published sample, reduced to what a series comparison needs. */
export interface Point {
  name: string;
  resource: string;
  timestamp: string;
  /** `counter_volume` as printed, with unit and type: two points are the same iff these are. */
  value: string;
}

export const pointKey = (p: Pick<Point, 'name' | 'resource' | 'timestamp'>): string =>
  `${p.name}\u001f${p.resource}\u001f${p.timestamp}`;

/** A metering message line (Ceilometer's `counter_*` form) as a point. */
export function pointOf(message: Record<string, unknown>): Point {
  return {
    name: String(message.counter_name),
    resource: String(message.resource_id),
    timestamp: String(message.timestamp),
    value: `${JSON.stringify(message.counter_volume)} ${String(message.counter_unit)} ${String(message.counter_type)}`,
  };
}

export interface Comparison {
  /** Expected points never published. */
  missing: string[];
  /** Published points the single-node replay does not have. */
  extra: string[];
  /** Points published with another value than the replay's (or with several values). */
  differing: { key: string; expected: string; got: string[] }[];
  /** Publications beyond the first of an identical point (at-least-once delivery). */
  duplicates: number;
  matched: number;
}

/**
 * Compare published points (possibly repeated: delivery is at-least-once) with the expected
 * ones, keyed by meter, resource and timestamp; identical repeats are one point.
 */
export function comparePoints(expected: ReadonlyMap<string, string>, published: Iterable<Point>): Comparison {
  const got = new Map<string, Map<string, number>>();
  let duplicates = 0;
  for (const p of published) {
    const key = pointKey(p);
    const values = got.get(key) ?? new Map<string, number>();
    const seen = values.get(p.value) ?? 0;
    if (seen > 0) duplicates++;
    values.set(p.value, seen + 1);
    got.set(key, values);
  }
  const out: Comparison = { missing: [], extra: [], differing: [], duplicates, matched: 0 };
  for (const [key, value] of expected) {
    const values = got.get(key);
    if (!values) out.missing.push(key);
    else if (values.size === 1 && values.has(value)) out.matched++;
    else out.differing.push({ key, expected: value, got: [...values.keys()] });
  }
  for (const key of got.keys()) if (!expected.has(key)) out.extra.push(key);
  return out;
}
