/**
 * Values computed for the last few objects, found by identity. Used for renderings of frozen
 * dicts (the `resource_metadata` shared by the samples of one notification, which are
 * published one after another). A WeakMap would keep every entry until a full collection:
 * its values survive young-generation collections and get promoted, which made the file
 * publisher's renderings the largest cost of the garbage collector. This holds `size` objects
 * at most, strongly.
 */
export class RecentByIdentity<V> {
  private readonly keys: (object | undefined)[];
  private readonly values: (V | undefined)[];
  private next = 0;

  constructor(readonly size: number) {
    this.keys = new Array<object | undefined>(size).fill(undefined);
    this.values = new Array<V | undefined>(size).fill(undefined);
  }

  get(key: object): V | undefined {
    for (let i = 0; i < this.size; i++) if (this.keys[i] === key) return this.values[i];
    return undefined;
  }

  /** Remembers `value` for `key`, forgetting the oldest entry. */
  set(key: object, value: V): void {
    this.keys[this.next] = key;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.size;
  }
}
