import { WRITE_STATE_SCRIPT, type WriteOp } from '../../../src/partitioning/state-store-script.js';
import type { RedisLike } from '../../../src/partitioning/types.js';

/**
 * In-memory Redis for the lease and the state store: strings and hashes, and `eval` of
 * WRITE_STATE_SCRIPT through a JavaScript twin of the Lua (the integration tests run the real
 * script). Commands the two classes never call throw, so a new dependency shows up here.
 */
export class FakeLeaseRedis implements RedisLike {
  readonly strings = new Map<string, string>();
  readonly hashes = new Map<string, Map<string, string>>();
  /** Set to make every command reject, as with Redis down. */
  down = false;
  /** Errors for the next evals (ReplyErrors: see `replyError`). */
  readonly evalErrors: Error[] = [];

  private check(): void {
    if (this.down) throw new Error('connection is closed');
  }

  private hash(key: string): Map<string, string> {
    const hash = this.hashes.get(key) ?? new Map<string, string>();
    this.hashes.set(key, hash);
    return hash;
  }

  async get(key: string) {
    this.check();
    return this.strings.get(key) ?? null;
  }
  async set(key: string, value: string) {
    this.check();
    this.strings.set(key, value);
    return 'OK';
  }
  async del(...keys: string[]) {
    this.check();
    return keys.filter((k) => this.strings.delete(k) || this.hashes.delete(k)).length;
  }
  async incr(key: string) {
    this.check();
    const value = Number(this.strings.get(key) ?? '0') + 1;
    this.strings.set(key, String(value));
    return value;
  }
  async hset(key: string, ...args: string[]) {
    this.check();
    let added = 0;
    for (let i = 0; i < args.length; i += 2) {
      if (!this.hash(key).has(args[i] ?? '')) added += 1;
      this.hash(key).set(args[i] ?? '', args[i + 1] ?? '');
    }
    return added;
  }
  async hgetall(key: string) {
    this.check();
    return Object.fromEntries(this.hashes.get(key) ?? []);
  }
  async hdel(key: string, ...fields: string[]) {
    this.check();
    return fields.filter((f) => this.hashes.get(key)?.delete(f)).length;
  }
  async eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown> {
    this.check();
    if (script !== WRITE_STATE_SCRIPT) throw new Error('FakeLeaseRedis: unknown script');
    const error = this.evalErrors.shift();
    if (error) throw error;
    // cjson refuses a `\uD800`–`\uDFFF` escape (JSON.stringify writes one only for a lone surrogate).
    if (/(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F]/.test(String(args.at(-1)))) {
      throw replyError('ERR user_script:16: Expected value but found invalid unicode escape code at character 1');
    }
    return this.writeState(args.slice(0, numKeys).map(String), args.slice(numKeys).map(String));
  }
  async pexpire(): Promise<number> {
    throw new Error('not used');
  }
  async sadd(): Promise<number> {
    throw new Error('not used');
  }
  async srem(): Promise<number> {
    throw new Error('not used');
  }
  async smembers(): Promise<string[]> {
    throw new Error('not used');
  }
  async mget(): Promise<(string | null)[]> {
    throw new Error('not used');
  }
  async publish(): Promise<number> {
    throw new Error('not used');
  }

  /** Same steps as the Lua in state-store-script.ts. */
  private writeState(keys: string[], argv: string[]): number[] {
    const current = Number(this.strings.get(keys[0] ?? '') ?? '0');
    if (current > Number(argv[0])) return [-1, current, 0, 0];
    const meta = this.hash(keys[1] ?? '');
    let bytes = Number(meta.get('bytes') ?? 0);
    let entries = Number(meta.get('entries') ?? 0);
    if (argv[1] !== '' && meta.get('batch') === argv[1]) return [0, current, bytes, entries];
    // Lua's # counts bytes.
    const len = (s: string) => Buffer.byteLength(s);
    const size = (h: Map<string, string>, f: string) => (h.has(f) ? len(f) + len(h.get(f) ?? '') : 0);
    const ops = JSON.parse(argv[2] ?? '[]') as WriteOp[];
    ops.forEach((op, n) => {
      const i = String(op.i);
      const key = this.hash(keys[2 + 2 * n] ?? '');
      const gkey = this.hash(keys[3 + 2 * n] ?? '');
      let b = Number(meta.get(`b:${i}`) ?? 0);
      let c = Number(meta.get(`n:${i}`) ?? 0);
      bytes -= b;
      entries -= c;
      if (op.full) {
        key.clear();
        gkey.clear();
        [b, c] = [0, 0];
      }
      for (const f of op.del) {
        const old = size(key, f);
        if (key.delete(f)) [b, c] = [b - old, c - 1];
      }
      for (let j = 0; j < op.set.length; j += 2) {
        const [f, v] = [op.set[j] ?? '', op.set[j + 1] ?? ''];
        const old = size(key, f);
        if (!key.has(f)) c += 1;
        key.set(f, v);
        b += len(f) + len(v) - old;
      }
      if (op.g[0] === '=') {
        for (const f of gkey.keys()) b -= size(gkey, f);
        gkey.clear();
      } else if (op.g.length > 0) {
        b -= size(gkey, '=');
        gkey.delete('=');
      }
      for (let j = 0; j < op.g.length; j += 2) {
        const [f, v] = [op.g[j] ?? '', op.g[j + 1] ?? ''];
        b += len(f) + len(v) - size(gkey, f);
        gkey.set(f, v);
      }
      meta.set(`k:${i}`, op.k).set(`b:${i}`, String(b)).set(`n:${i}`, String(c));
      [bytes, entries] = [bytes + b, entries + c];
    });
    meta
      .set('epoch', argv[0] ?? '')
      .set('bytes', String(bytes))
      .set('entries', String(entries));
    if (argv[1] !== '') meta.set('batch', argv[1] ?? '');
    return [1, current, bytes, entries];
  }
}

/** An error as ioredis gives for an error reply. */
export function replyError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ReplyError' });
}
