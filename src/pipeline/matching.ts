import { compileGlob } from '../definitions/index.js';

/**
 * Ceilometer's `is_supported` for meter and event patterns (spec §2.4): a matching `!pattern`
 * denies, else a matching pattern allows, else only-exclusion lists allow everything.
 */
export class PatternMatcher {
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];
  private readonly allByDefault: boolean;
  private readonly cache = new Map<string, boolean>();

  constructor(readonly patterns: readonly string[]) {
    this.include = patterns.filter((p) => !p.startsWith('!')).map(compileGlob);
    this.exclude = patterns.filter((p) => p.startsWith('!')).map((p) => compileGlob(p.slice(1)));
    this.allByDefault = this.include.length === 0;
  }

  matches(name: string): boolean {
    const known = this.cache.get(name);
    if (known !== undefined) return known;
    const result = this.compute(name);
    // Meter names are a small set; the cache keeps regexes off the per-sample path.
    if (this.cache.size < 10_000) this.cache.set(name, result);
    return result;
  }

  private compute(name: string): boolean {
    if (this.exclude.some((re) => re.test(name))) return false;
    if (this.include.some((re) => re.test(name))) return true;
    return this.allByDefault;
  }
}
