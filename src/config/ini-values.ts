/**
 * oslo.config's value types and `$var` interpolation, as pure functions over the strings the INI
 * parser produced.
 */

const TRUE_VALUES = ['true', '1', 'on', 'yes'];
const FALSE_VALUES = ['false', '0', 'off', 'no'];

/** oslo `types.Boolean`: true/false, yes/no, on/off, 1/0, any case; anything else is invalid. */
export function parseBool(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  if (TRUE_VALUES.includes(lower)) return true;
  if (FALSE_VALUES.includes(lower)) return false;
  return undefined;
}

// Python's int() and float() literals: surrounding whitespace, a sign, `_` between digits.
const DIGITS = String.raw`\d+(?:_\d+)*`;
const INT = new RegExp(`^[+-]?${DIGITS}$`);
const FLOAT = new RegExp(String.raw`^[+-]?(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);

/** oslo `types.Integer` (Python `int()`); `undefined` when it is not an integer. */
export function parseInt10(text: string): number | undefined {
  const trimmed = text.trim();
  if (!INT.test(trimmed)) return undefined;
  const value = Number(trimmed.replaceAll('_', ''));
  return Number.isSafeInteger(value) ? value : undefined;
}

/** oslo `types.Float` (Python `float()`), without `inf`/`nan`, which no option here accepts. */
export function parseFloat10(text: string): number | undefined {
  const trimmed = text.trim();
  if (!FLOAT.test(trimmed)) return undefined;
  const value = Number(trimmed.replaceAll('_', ''));
  return Number.isFinite(value) ? value : undefined;
}

/**
 * oslo `types.List` of strings: trimmed, one trailing comma dropped, split at every comma, each
 * item trimmed (empty items are kept, as oslo keeps them). Empty text is an empty list.
 */
export function parseList(text: string): string[] {
  let s = text.trim();
  while (s.endsWith(',')) s = s.slice(0, -1);
  return s === '' ? [] : s.split(',').map((item) => item.trim());
}

/**
 * What Python's `'%s' % value` prints, which is what a reference to a typed option interpolates
 * (`$workers` → `4`, a bool → `True`, a float → `5.0`, a list → `['a', 'b']`, unset → empty).
 */
export function pythonStr(value: unknown, float = false): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return float && Number.isInteger(value) ? `${value}.0` : String(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  return String(value);
}

function pythonRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return pythonStr(value);
}

/** A reference's value, or why it has none. */
export type Lookup = { value: string } | { error: string };

// string.Template with oslo's idpattern (dots allowed, for `$group.option`), case-insensitive.
const ID = '[_a-z][._a-z0-9]*';
const PLACEHOLDER = new RegExp(String.raw`\$(?:(\$)|(${ID})|\{(${ID})\}|)`, 'gi');

/**
 * oslo's interpolation (`string.Template.safe_substitute`): `$name` and `${name}` are replaced by
 * `lookup(name)`, `$$` (and `\$`, which oslo rewrites to `$$`) is a literal `$`, a `$` that starts
 * no name stays as it is. A failed lookup is an error, as oslo raises on an unknown option.
 */
export function interpolate(text: string, lookup: (name: string) => Lookup): Lookup {
  let failure: string | undefined;
  const out = text.replaceAll('\\$', '$$$$').replace(PLACEHOLDER, (whole, escaped, named, braced) => {
    if (escaped !== undefined) return '$';
    const name = (named ?? braced) as string | undefined;
    if (name === undefined) return whole;
    const found = lookup(name);
    if ('error' in found) {
      failure ??= found.error;
      return whole;
    }
    return found.value;
  });
  return failure === undefined ? { value: out } : { error: failure };
}
