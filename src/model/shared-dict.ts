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
 * Shared dicts remembered across messages under a caller's key (a polling agent sends the same
 * resource's metadata every interval): `share` hands back the remembered dict when the new one
 * is the same value written the same way (`samePyJson`), so its renderings are made once per
 * resource instead of once per notification. The key only decides which dict is compared; a
 * different value under the same key replaces it. Two generations of at most `limit` keys
 * each bound the memory: a key unused for a whole generation is forgotten.
 */
export class RecentSharedDicts {
  private current = new Map<string, Readonly<Dict>>();
  private previous = new Map<string, Readonly<Dict>>();

  constructor(private readonly limit = 8192) {}

  share(key: string, dict: Dict): Readonly<Dict> {
    let known = this.current.get(key);
    if (known === undefined) {
      known = this.previous.get(key);
      if (known !== undefined) this.remember(key, known);
    }
    if (known !== undefined && samePyJson(known, dict)) return known;
    const shared = shareDict(dict);
    this.remember(key, shared);
    return shared;
  }

  private remember(key: string, dict: Readonly<Dict>): void {
    if (this.current.size >= this.limit && !this.current.has(key)) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, dict);
  }
}
