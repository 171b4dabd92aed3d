/**
 * Python `re.sub(pattern, repl, s)` in JavaScript: the pattern spellings that differ are
 * translated once at compile time, and `repl` (`\1`, `\g<name>`) becomes a replacer function.
 */

type ReplPart = string | { readonly group: number | string };

/** The compiled form of one `sub(/pattern/, repl)`. */
export interface PythonSub {
  readonly regex: RegExp;
  readonly replace: (match: string, ...rest: unknown[]) => string;
}

const INLINE_FLAGS = /^\(\?([aiLmsux]+)\)/;
const CONTROL: Readonly<Record<string, string>> = {
  '0': '\0',
  n: '\n',
  t: '\t',
  r: '\r',
  f: '\f',
  v: '\v',
  a: '\x07',
  b: '\b',
};

/** Throws Error with a readable message when the pattern or the replacement is invalid. */
export function compilePythonSub(pattern: string, repl: string): PythonSub {
  const { source, flags } = translatePattern(pattern);
  const regex = new RegExp(source, `g${flags}`);
  // An empty alternative always matches, which reveals the group count and names.
  const probe = new RegExp(`${source}|`, flags).exec('') as RegExpExecArray;
  const parts = parseReplacement(repl);
  for (const part of parts) {
    if (typeof part === 'string') continue;
    const known = typeof part.group === 'number' ? part.group < probe.length : part.group in (probe.groups ?? {});
    if (!known) throw new Error(`invalid group reference ${part.group} in replacement ${JSON.stringify(repl)}`);
  }
  return { regex, replace: replacer(parts) };
}

function translatePattern(pattern: string): { source: string; flags: string } {
  let flags = '';
  const inline = INLINE_FLAGS.exec(pattern);
  if (inline) {
    for (const f of inline[1] as string) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
    pattern = pattern.slice(inline[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[++i] ?? '';
      out += next === 'A' ? '(?<![\\s\\S])' : next === 'Z' ? '(?![\\s\\S])' : `\\${next}`;
    } else if (inClass) {
      if (c === ']') inClass = false;
      out += c;
    } else if (c === '[') {
      inClass = true;
      out += c;
    } else if (pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (pattern.startsWith('(?P=', i)) {
      const end = pattern.indexOf(')', i);
      out += `\\k<${pattern.slice(i + 4, end)}>`;
      i = end;
    } else out += c;
  }
  return { source: out, flags };
}

function parseReplacement(repl: string): ReplPart[] {
  const parts: ReplPart[] = [];
  let text = '';
  for (let i = 0; i < repl.length; i++) {
    const c = repl[i] as string;
    if (c !== '\\' || i + 1 >= repl.length) {
      text += c;
      continue;
    }
    const next = repl[++i] as string;
    const group = readGroup(repl, i);
    if (group) {
      if (text) parts.push(text);
      text = '';
      parts.push({ group: group.ref });
      i = group.end;
    } else if (next in CONTROL) text += CONTROL[next];
    else if (next === '\\') text += '\\';
    else if (/[A-Za-z]/.test(next)) throw new Error(`bad escape \\${next} in replacement ${JSON.stringify(repl)}`);
    else text += `\\${next}`;
  }
  if (text) parts.push(text);
  return parts;
}

/** `\12` (at most two digits) or `\g<name>` / `\g<3>` starting at the character after `\`. */
function readGroup(repl: string, i: number): { ref: number | string; end: number } | null {
  const c = repl[i] as string;
  if (c >= '1' && c <= '9') {
    const two = /[0-9]/.test(repl[i + 1] ?? '');
    return { ref: Number(repl.slice(i, two ? i + 2 : i + 1)), end: two ? i + 1 : i };
  }
  if (c !== 'g' || repl[i + 1] !== '<') return null;
  const close = repl.indexOf('>', i);
  if (close < 0) throw new Error(`missing > in replacement ${JSON.stringify(repl)}`);
  const name = repl.slice(i + 2, close);
  return { ref: /^\d+$/.test(name) ? Number(name) : name, end: close };
}

function replacer(parts: readonly ReplPart[]): (match: string, ...rest: unknown[]) => string {
  return (match, ...rest) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else if (part.group === 0) out += match;
      else if (typeof part.group === 'number') out += (rest[part.group - 1] as string | undefined) ?? '';
      else out += (rest[rest.length - 1] as Record<string, string | undefined>)[part.group] ?? '';
    }
    return out;
  };
}
