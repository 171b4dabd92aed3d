/**
 * Ceilometer 19 matches meter `event_type` patterns with Python's `re.match`: anchored at the
 * start only. Translate the few Python-only spellings to JavaScript.
 */
export function compilePythonMatch(pattern: string): RegExp {
  const js = pattern
    .replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replace(/\\Z/g, '$');
  return new RegExp(`^(?:${js})`);
}

/** Shell-glob match with Python `fnmatch` semantics (`*`, `?`, `[seq]`, `[!seq]`, whole string). */
export function compileGlob(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      // As fnmatch: a `]` right after `[` or `[!` is a member, not the end of the set.
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      const end = pattern.indexOf(']', j);
      if (end < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      body = body.replace(/[\\\]^]/g, '\\$&');
      out += `[${negate ? '^' : ''}${body}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`, 's');
}
