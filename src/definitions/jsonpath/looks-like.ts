const ARITHMETIC = /[-+*/]/;

/**
 * Whether a meter's `name`/`unit`/`type` string is meant as a jsonpath. Ceilometer compiles
 * every such string as one, so `B` silently becomes a path and `%` or `B/s` fail to load;
 * meterflow keeps plain words as literals. True when the string starts with `$` or `@`,
 * contains `[`, a backtick or `|`, or is arithmetic involving a `$` path
 * (`"profiler-" + $.payload.base_id`). `B`, `instance`, `B/s`, `image.size` are literals.
 */
export function looksLikeJsonPath(s: string): boolean {
  const text = s.trim();
  if (text.startsWith('$') || text.startsWith('@')) return true;
  if (text.includes('[') || text.includes('`') || text.includes('|')) return true;
  return text.includes('$') && ARITHMETIC.test(text);
}
