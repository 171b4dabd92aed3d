import { pyFloat } from '../model/py-float.js';
import type { PyJson } from '../model/sample.js';
import { epochMicros, parseIsoTime } from '../model/time.js';
import { pyStr } from '../model/py-str.js';

/** A (path, value) pair as Ceilometer's trait plugins receive them. */
export type PluginMatch = readonly [path: string, value: PyJson];

export interface PluginContext {
  /** Reports a problem with one evaluation (logged and counted by the caller). */
  warn(message: string): void;
}

export interface Plugin {
  readonly name: string;
  /** Values for the matches; null entries mean "no value". */
  values(matches: readonly PluginMatch[], context: PluginContext): PyJson[];
  /** Whether it yields one value per match, so it may be used with `lookup`. */
  readonly perMatch: boolean;
}

type PluginFactory = (parameters: Record<string, unknown>) => Plugin;

function intParam(parameters: Record<string, unknown>, key: string, fallback: number | null): number | null {
  const raw = parameters[key];
  if (raw === undefined || raw === null) return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n)) throw new Error(`parameter ${key} must be an integer`);
  return n;
}

/** `split`: one segment of `str(value).split(separator, max_split)`. */
const split: PluginFactory = (parameters) => {
  const separator = parameters.separator ?? '.';
  if (typeof separator !== 'string' || separator === '')
    throw new Error('parameter separator must be a non-empty string');
  const segment = intParam(parameters, 'segment', 0) ?? 0;
  const maxSplit = intParam(parameters, 'max_split', null);
  return {
    name: 'split',
    perMatch: true,
    values: (matches) => matches.map(([, value]) => pySplit(pyStr(value), separator, maxSplit, segment)),
  };
};

/** Python `s.split(sep, maxsplit)[index]` (negative index from the end), null when out of range. */
export function pySplit(text: string, separator: string, maxSplit: number | null, index: number): string | null {
  const parts: string[] = [];
  let rest = text;
  let remaining = maxSplit === null || maxSplit < 0 ? Number.POSITIVE_INFINITY : maxSplit;
  while (remaining > 0) {
    const at = rest.indexOf(separator);
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + separator.length);
    remaining -= 1;
  }
  parts.push(rest);
  const i = index < 0 ? parts.length + index : index;
  return parts[i] ?? null;
}

/** `bitfield`: sets `2**bit` for each flag whose path matched (and whose value equals, if given). */
const bitfield: PluginFactory = (parameters) => {
  const initial = intParam(parameters, 'initial_bitfield', 0) ?? 0;
  const rawFlags = parameters.flags ?? [];
  if (!Array.isArray(rawFlags)) throw new Error('parameter flags must be a list');
  const flags = rawFlags.map((flag, i) => {
    if (typeof flag !== 'object' || flag === null) throw new Error(`flags[${i}] must be a mapping`);
    const { path, bit } = flag as Record<string, unknown>;
    if (typeof path !== 'string') throw new Error(`flags[${i}].path must be a string`);
    if (typeof bit !== 'number' || !Number.isInteger(bit) || bit < 0)
      throw new Error(`flags[${i}].bit must be a non-negative integer`);
    const hasValue = 'value' in flag;
    return { path, bit: 2 ** bit, hasValue, value: (flag as Record<string, unknown>).value };
  });
  return {
    name: 'bitfield',
    perMatch: false,
    values: (matches) => {
      const byPath = new Map(matches);
      let field = initial;
      for (const flag of flags) {
        if (!byPath.has(flag.path)) continue;
        if (!flag.hasValue || byPath.get(flag.path) === flag.value) field |= flag.bit;
      }
      return [field];
    },
  };
};

/** `timedelta`: |end − start| in seconds (a float) from exactly two ISO 8601 matches. */
const timedelta: PluginFactory = () => ({
  name: 'timedelta',
  perMatch: false,
  values: (matches, context) => {
    if (matches.length !== 2) {
      context.warn('Timedelta plugin is required two timestamp fields to create timedelta value.');
      return [null];
    }
    const [start, end] = matches as [PluginMatch, PluginMatch];
    try {
      if (typeof start[1] !== 'string' || typeof end[1] !== 'string') throw new Error('not a string');
      const micros = epochMicros(parseIsoTime(end[1])) - epochMicros(parseIsoTime(start[1]));
      return [pyFloat(Math.abs(micros) / 1e6)];
    } catch (err) {
      context.warn(
        `Failed to parse date from set fields, both fields ${start[0]} and ${end[0]} must be datetime: ${(err as Error).message}`,
      );
      return [null];
    }
  },
});

/** Plugins by the name written in definitions (`plugin: timedelta` or `{name, parameters}`). */
export const pluginRegistry: ReadonlyMap<string, PluginFactory> = new Map([
  ['split', split],
  ['bitfield', bitfield],
  ['timedelta', timedelta],
]);
