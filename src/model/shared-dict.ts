/**
 * Shared dicts: a `resource_metadata` that several samples hold (the samples of one notification,
 * or every sample of one resource a partition message carries) is frozen once, and its two
 * renderings — `json.dumps` text and the signed `key:child…` stream — are kept on the object
 * itself, made when first asked for. The file publisher, the partition encoder and the stage-2
 * signature check then render a resource's metadata once, however many samples and stages use it.
 *
 * The renderings ride on a non-enumerable symbol property: `for…in`, `Object.keys`, spread and
 * `JSON.stringify` do not see it, so the dict still reads and dumps as the plain dict it is.
 * Safe because a shared dict is never mutated, nested values included (the contract every
 * frozen `resource_metadata` in meterflow already keeps).
 */
import { PyFloat } from './py-float.js';
import type { PyJson } from './sample.js';

type Dict = { [key: string]: PyJson };

/** What has been rendered of a shared dict so far. */
export interface DictRenderings {
  /** `dumpsPyJson(dict)` in the default style (`, `/`: `, ensure_ascii). */
  json: string | undefined;
  /** The signed stream of the dict nested under `signedPrefix` (see model/signature.ts). */
  signed: string | undefined;
  signedPrefix: string | undefined;
}

const RENDERINGS = Symbol('meterflow.renderings');

/**
 * Freezes `dict` (shallowly, like every shared metadata dict) with room for its renderings and
 * returns it; a dict that is frozen already is returned as it is, with whatever it carries.
 */
export function shareDict<T extends Dict>(dict: T): Readonly<T> {
  if (Object.isFrozen(dict)) return dict;
  const renderings: DictRenderings = { json: undefined, signed: undefined, signedPrefix: undefined };
  Object.defineProperty(dict, RENDERINGS, { value: renderings, enumerable: false });
  return Object.freeze(dict);
}

/** The renderings slot of a dict made by `shareDict`; undefined for any other value. */
export function renderingsOf(value: object): DictRenderings | undefined {
  return (value as { [RENDERINGS]?: DictRenderings })[RENDERINGS];
}

/**
 * True when `a` and `b` are the same Python value written the same way: equal scalars of the same
 * Python type (`1` and `1.0` differ), lists item by item, dicts with the same keys in the same
 * order (their dumps differ otherwise). Lets consecutive samples share one metadata dict.
 */
export function samePyJson(a: PyJson | undefined, b: PyJson | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof PyFloat || b instanceof PyFloat) {
    return a instanceof PyFloat && b instanceof PyFloat && Object.is(a.value, b.value);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePyJson(a[i], b[i])) return false;
    return true;
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i++) {
    const key = keysA[i] as string;
    if (key !== keysB[i] || !samePyJson(a[key], b[key])) return false;
  }
  return true;
}

/**
 * About how many characters `value` dumps to, counted until `cap` is passed (then some number
 * above `cap`): strings by length, other scalars as 8, plus quotes and separators.
 */
export function approxChars(value: PyJson | undefined, cap: number): number {
  let total = 0;
  const pending: (PyJson | undefined)[] = [value];
  while (pending.length > 0 && total <= cap) {
    const next = pending.pop();
    if (typeof next === 'string') total += next.length + 2;
    else if (typeof next !== 'object' || next === null || next instanceof PyFloat) total += 8;
    else if (Array.isArray(next)) {
      total += 2 + 2 * next.length;
      for (let i = 0; i < next.length && total <= cap; i++) pending.push(next[i]);
    } else {
      total += 2;
      for (const key in next) {
        total += key.length + 6;
        if (total > cap) break;
        pending.push(next[key]);
      }
    }
  }
  return total;
}

interface Remembered {
  dict: Readonly<Dict>;
  chars: number;
}

/** Defaults of RecentSharedDicts: per generation, dicts and their characters; per dict, characters. */
export const RECENT_DICTS_LIMIT = 8192;
export const RECENT_DICTS_MAX_CHARS = 8 * 1024 * 1024;
export const RECENT_DICT_MAX_CHARS = 16 * 1024;

/**
 * Shared dicts remembered across messages under a caller's key (a polling agent sends the same
 * resource's metadata every interval): `share` hands back the remembered dict when the new one
 * is the same value written the same way (`samePyJson`), so its renderings are made once per
 * resource instead of once per notification. The key only decides which dict is compared; a
 * different value under the same key replaces it. Two generations bound the memory, each of at
 * most `limit` dicts and `maxChars` characters (as dumped, approximately; renderings made later
 * take about twice that again): a key unused for a whole generation is forgotten, and a dict
 * over `maxDictChars` is not remembered at all.
 */
export class RecentSharedDicts {
  private current = new Map<string, Remembered>();
  private previous = new Map<string, Remembered>();
  private currentChars = 0;
  private previousChars = 0;

  constructor(
    private readonly limit = RECENT_DICTS_LIMIT,
    private readonly maxChars = RECENT_DICTS_MAX_CHARS,
    private readonly maxDictChars = RECENT_DICT_MAX_CHARS,
  ) {}

  /** Dicts remembered now (a key used in both generations counts twice) and their characters. */
  get size(): { dicts: number; chars: number } {
    return { dicts: this.current.size + this.previous.size, chars: this.currentChars + this.previousChars };
  }

  share(key: string, dict: Dict): Readonly<Dict> {
    let known = this.current.get(key);
    if (known === undefined) {
      known = this.previous.get(key);
      if (known !== undefined) this.remember(key, known);
    }
    if (known !== undefined && samePyJson(known.dict, dict)) return known.dict;
    const shared = shareDict(dict);
    const chars = approxChars(dict, this.maxDictChars);
    if (chars > this.maxDictChars) this.forget(key);
    else this.remember(key, { dict: shared, chars });
    return shared;
  }

  private remember(key: string, entry: Remembered): void {
    const replaced = this.current.get(key)?.chars;
    const full =
      replaced === undefined
        ? this.current.size >= this.limit || this.currentChars + entry.chars > this.maxChars
        : this.currentChars - replaced + entry.chars > this.maxChars;
    if (full) {
      this.previous = this.current;
      this.previousChars = this.currentChars;
      this.current = new Map();
      this.currentChars = 0;
    }
    // A rotation left the replaced entry in the previous generation.
    this.currentChars += entry.chars - (full ? 0 : (replaced ?? 0));
    this.current.set(key, entry);
  }

  private forget(key: string): void {
    this.currentChars -= this.current.get(key)?.chars ?? 0;
    this.previousChars -= this.previous.get(key)?.chars ?? 0;
    this.current.delete(key);
    this.previous.delete(key);
  }
}
