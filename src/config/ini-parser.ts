/**
 * The INI dialect of oslo.config (`oslo_config/iniparser.py`), line for line:
 *
 * - a line is right-trimmed only; a blank line ends a multi-line value;
 * - a line starting with a space or tab continues the previous value (left-trimmed, joined with
 *   `\n`); without a previous value it is an error;
 * - `[name]` opens a section (the whole right-trimmed line must end with `]`, so a trailing
 *   comment is an error, as in oslo); names are kept as written;
 * - `#` or `;` at the very start of a line is a comment (never after a value: `a = b # c` is the
 *   value `b # c`);
 * - `key = value` or `key: value`, split at whichever of `=` and `:` comes first; key and value
 *   trimmed; a value wrapped in one pair of matching `"` or `'` loses them;
 * - an assignment before any section is an error.
 *
 * oslo stops at the first syntax error; this parser reports every one and keeps going, so a file
 * with problems yields all of them at once.
 */

/** One `key = value` occurrence, in file order (repeated keys are separate entries). */
export interface IniEntry {
  /** Section name as written. */
  section: string;
  key: string;
  value: string;
  /** 1-based line of the key. */
  line: number;
}

export interface IniSectionHeader {
  name: string;
  line: number;
}

export interface IniSyntaxIssue {
  line: number;
  message: string;
}

export interface IniDocument {
  entries: IniEntry[];
  /** Every `[section]` header, in file order (a section may be opened more than once). */
  sections: IniSectionHeader[];
  issues: IniSyntaxIssue[];
}

interface Pending {
  key: string;
  lines: string[];
  line: number;
}

export function parseIni(text: string): IniDocument {
  const doc: IniDocument = { entries: [], sections: [], issues: [] };
  let section: string | undefined;
  let pending: Pending | undefined;
  const flush = (): void => {
    if (pending === undefined) return;
    if (section === undefined) {
      doc.issues.push({ line: pending.line, message: 'section must be started before assignment' });
    } else {
      doc.entries.push({ section, key: pending.key, value: pending.lines.join('\n'), line: pending.line });
    }
    pending = undefined;
  };
  const lines = text.split(/\r\n|\n|\r/);
  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    const line = raw.trimEnd();
    if (line === '') {
      flush();
    } else if (line.startsWith(' ') || line.startsWith('\t')) {
      if (pending === undefined) doc.issues.push({ line: lineNo, message: 'unexpected continuation line' });
      else pending.lines.push(line.trimStart());
    } else {
      flush();
      if (line.startsWith('[')) {
        const name = sectionName(line);
        if ('error' in name) doc.issues.push({ line: lineNo, message: name.error });
        else {
          section = name.name;
          doc.sections.push({ name: name.name, line: lineNo });
        }
      } else if (!line.startsWith('#') && !line.startsWith(';')) {
        const assignment = splitAssignment(line);
        if ('error' in assignment) doc.issues.push({ line: lineNo, message: assignment.error });
        else pending = { key: assignment.key, lines: [assignment.value], line: lineNo };
      }
    }
  }
  flush();
  return doc;
}

function sectionName(line: string): { name: string } | { error: string } {
  if (!line.endsWith(']')) return { error: 'invalid section header (must end with "]")' };
  if (line.length <= 2) return { error: 'empty section name' };
  return { name: line.slice(1, -1) };
}

function splitAssignment(line: string): { key: string; value: string } | { error: string } {
  const colon = line.indexOf(':');
  const equal = line.indexOf('=');
  if (colon < 0 && equal < 0) return { error: 'invalid assignment (expected "key = value" or "key: value")' };
  const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  const key = line.slice(0, at).trim();
  if (key === '') return { error: 'empty key' };
  return { key, value: unquote(line.slice(at + 1).trim()) };
}

/** oslo strips one pair of matching quotes; like Python's `value[1:-1]`, a lone `"` becomes empty. */
function unquote(value: string): string {
  const first = value[0];
  if ((first === '"' || first === "'") && value.endsWith(first)) return value.slice(1, -1);
  return value;
}
