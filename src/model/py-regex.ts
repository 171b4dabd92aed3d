/**
 * Python `re.sub(pattern, repl, string)` on JavaScript's engine, for `map_from`/`map_to`.
 * The pattern is translated where the dialects differ (named groups, `\A`, `\Z`, `$` before a
 * final newline, leading inline flags); the replacement template is parsed the way Python parses
 * it (`\1`, `\g<name>`, escapes) and applied by a function, so `$` in it is never special.
 */

/** A pattern or template Python would reject, or a Python feature JavaScript lacks. */
export class PyRegexError extends Error {
  override readonly name = 'PyRegexError';
}

type Part = string | { group: number | string };

export interface PySub {
  /** Replace every non-overlapping match, like `re.sub` with `count=0`. */
  apply(input: string): string;
}

const FLAG_MAP: Record<string, string> = { i: 'i', m: 'm', s: 's' };

/** Translate a Python pattern; returns the JS source and flags. */
export function translatePattern(pattern: string): { source: string; flags: string } {
  let flags = 'g';
  let body = pattern;
  const inline = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (inline) {
    for (const flag of inline[1] ?? '') {
      const js = FLAG_MAP[flag];
      if (flag === 'x' || flag === 'L') throw new PyRegexError(`inline flag '${flag}' is not supported`);
      if (js && !flags.includes(js)) flags += js;
    }
    body = body.slice(inline[0].length);
  }
  const multiline = flags.includes('m');
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i += 1) {
    const ch = body.charAt(i);
    if (ch === '\\') {
      const next = body.charAt(i + 1);
      i += 1;
      if (next === 'A' && !inClass) out += '(?<![\\s\\S])';
      else if (next === 'Z' && !inClass) out += '(?![\\s\\S])';
      else if (next === 'U' || next === 'N') throw new PyRegexError(`escape '\\${next}' is not supported`);
      else out += `\\${next}`;
    } else if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
      // A `]` right after `[` or `[^` is a literal in Python.
      if (body.charAt(i + 1) === '^') out += body.charAt(++i);
      if (body.charAt(i + 1) === ']') out += `\\${body.charAt(++i)}`;
    } else if (ch === '$' && !multiline) {
      out += '(?=\\n?(?![\\s\\S]))';
    } else if (body.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (body.startsWith('(?P=', i)) {
      const end = body.indexOf(')', i);
      out += `\\k<${body.slice(i + 4, end)}>`;
      i = end;
    } else if (body.startsWith('(?#', i)) {
      i = body.indexOf(')', i);
    } else if (body.startsWith('(?(', i)) {
      throw new PyRegexError('conditional groups are not supported');
    } else {
      out += ch;
    }
  }
  return { source: out, flags };
}

const TEMPLATE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  f: '\f',
  v: '\v',
  a: '\x07',
  b: '\b',
  '\\': '\\',
};

/** Parse a Python replacement template against a pattern with `groups` groups and `names`. */
export function parseTemplate(template: string, groups: number, names: ReadonlySet<string>): Part[] {
  const parts: Part[] = [];
  let literal = '';
  const pushGroup = (group: number | string): void => {
    if (typeof group === 'number' && group > groups) throw new PyRegexError(`invalid group reference ${group}`);
    if (typeof group === 'string' && !names.has(group)) throw new PyRegexError(`unknown group name '${group}'`);
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ group });
  };
  for (let i = 0; i < template.length; i += 1) {
    const ch = template.charAt(i);
    if (ch !== '\\') {
      literal += ch;
      continue;
    }
    const next = template.charAt(i + 1);
    const octal = /^(?:0[0-7]{0,2}|[0-7]{3})/.exec(template.slice(i + 1));
    const digits = /^[1-9]\d?/.exec(template.slice(i + 1));
    if (octal) {
      literal += String.fromCharCode(Number.parseInt(octal[0], 8));
      i += octal[0].length;
    } else if (digits) {
      pushGroup(Number(digits[0]));
      i += digits[0].length;
    } else if (next === 'g') {
      const named = /^g<([^>]*)>/.exec(template.slice(i + 1));
      if (!named) throw new PyRegexError('missing group name after \\g');
      const ref = named[1] ?? '';
      pushGroup(/^\d+$/.test(ref) ? Number(ref) : ref);
      i += named[0].length;
    } else if (next in TEMPLATE_ESCAPES) {
      literal += TEMPLATE_ESCAPES[next];
      i += 1;
    } else if (/[A-Za-z]/.test(next)) {
      throw new PyRegexError(`bad escape \\${next}`);
    } else {
      // Python keeps other unknown escapes as they are, backslash included.
      literal += next ? `\\${next}` : '\\';
      i += 1;
    }
  }
  if (literal) parts.push(literal);
  return parts;
}

function groupInfo(regex: RegExp): { groups: number; names: Set<string> } {
  const match = new RegExp(`${regex.source}|`, regex.flags.replace('g', '')).exec('');
  return { groups: (match?.length ?? 1) - 1, names: new Set(Object.keys(match?.groups ?? {})) };
}

/** Compile `re.sub(pattern, template, ·)`; throws {@link PyRegexError} or `SyntaxError`. */
export function compilePySub(pattern: string, template: string): PySub {
  const { source, flags } = translatePattern(pattern);
  const regex = new RegExp(source, flags);
  const { groups, names } = groupInfo(regex);
  const parts = parseTemplate(template, groups, names);
  const replacer = (...args: unknown[]): string => {
    const last = args[args.length - 1];
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : {};
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else if (typeof part.group === 'number') out += (args[part.group] as string | undefined) ?? '';
      else out += named[part.group] ?? '';
    }
    return out;
  };
  return { apply: (input) => input.replace(regex, replacer) };
}
