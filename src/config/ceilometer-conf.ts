import { readFileSync } from 'node:fs';
import type { ConfigIssue } from '../errors.js';
import { agentOptionsSchema } from './agent-options-schema.js';
import { CONF_OPTIONS, type ConfOption, normalizeGroup, optionNames } from './ceilometer-conf-options.js';
import { type IniEntry, parseIni } from './ini-parser.js';
import { interpolate, type Lookup, parseBool, parseFloat10, parseInt10, parseList, pythonStr } from './ini-values.js';
import type { Mapping } from './issue-list.js';
import { type PathSegment, pathToString } from './yaml-source.js';

/**
 * A Ceilometer INI file read with oslo.config's semantics into the shape of the agent options
 * schema. Only options the file sets are present; the schema adds the defaults and checks ranges.
 */
export interface CeilometerConf {
  /** `{ section: { option: typed value } }` for every option the file sets. */
  value: Mapping;
  /** 1-based line that set the option at a schema path (`['notification', 'workers']`), else 0. */
  locate(path: readonly PathSegment[]): number;
  /** The path as the file wrote it: `DEFAULT.notification_workers` for a deprecated name. */
  printPath(path: readonly PathSegment[]): string;
  /** Syntax errors, invalid values, failed interpolation: the options must not be used. */
  issues: ConfigIssue[];
  /** Unused sections and options (each once), deprecated names, overridden duplicates. */
  warnings: ConfigIssue[];
}

/** Reads and converts one file; never throws (an unreadable file is an issue). */
export function loadCeilometerConf(file: string): CeilometerConf {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const message = `cannot read file: ${err instanceof Error ? err.message : String(err)}`;
    return { ...emptyConf(), issues: [{ file, line: 0, path: '', message }] };
  }
  return readCeilometerConf(file, text);
}

/** Same as `loadCeilometerConf` for text already in memory (`file` only names it in issues). */
export function readCeilometerConf(file: string, text: string): CeilometerConf {
  const doc = parseIni(text);
  if (doc.issues.length > 0) {
    return { ...emptyConf(), issues: doc.issues.map(({ line, message }) => ({ file, line, path: '', message })) };
  }
  return new ConfReader(file, doc.entries).read(doc.sections);
}

function emptyConf(): CeilometerConf {
  return { value: {}, locate: () => 0, printPath: pathToString, issues: [], warnings: [] };
}

const KNOWN_GROUPS = new Set(CONF_OPTIONS.flatMap((o) => optionNames(o).map(([group]) => group)));
const BY_NAME = new Map(CONF_OPTIONS.map((o) => [key(normalizeGroup(o.group), o.name), o]));
const UNUSED = 'option not used by meterflow: ignored';

function key(group: string, name: string): string {
  return `${group}.${name}`;
}

type Resolved = { value: unknown } | { error: string; entry: IniEntry };

class ConfReader {
  private readonly index = new Map<string, Map<string, IniEntry[]>>();
  private readonly memo = new Map<string, Resolved>();
  /** Options and references being interpolated, to report a cycle instead of looping. */
  private readonly stack: string[] = [];
  private readonly origins = new Map<string, IniEntry[]>();
  /** Options meterflow does not implement whose text another value interpolates: used, not unused. */
  private readonly referenced = new Set<string>();
  private readonly issues: ConfigIssue[] = [];
  private readonly warnings: ConfigIssue[] = [];
  private defaults: Mapping | undefined;

  constructor(
    private readonly file: string,
    private readonly entries: readonly IniEntry[],
  ) {
    for (const entry of entries) {
      const group = normalizeGroup(entry.section);
      const names = this.index.get(group) ?? new Map<string, IniEntry[]>();
      this.index.set(group, names);
      names.set(entry.key, [...(names.get(entry.key) ?? []), entry]);
    }
  }

  read(sections: readonly { name: string; line: number }[]): CeilometerConf {
    const value: Record<string, Mapping> = {};
    const consumed = new Set<string>();
    for (const option of CONF_OPTIONS) {
      for (const [group, name] of optionNames(option)) consumed.add(key(group, name));
      const used = this.occurrences(option);
      if (used.length === 0) continue;
      this.warnNames(option, used);
      const result = this.resolve(option);
      if ('error' in result) {
        this.issue(result.entry, result.error);
        continue;
      }
      value[option.group] = { ...value[option.group], [option.name]: result.value };
      this.origins.set(key(option.group, option.name), used);
    }
    this.warnUnused(sections, consumed);
    const byLine = (a: ConfigIssue, b: ConfigIssue) => a.line - b.line;
    return {
      value,
      locate: (path) => this.origin(path)?.line ?? 0,
      printPath: (path) => this.printPath(path),
      issues: this.issues.sort(byLine),
      warnings: this.warnings.sort(byLine),
    };
  }

  /**
   * The entries that give an option its value, as oslo picks them: the last occurrence of the
   * first name found (current name first), or for a multi-valued option every occurrence of
   * every name, deprecated ones first.
   */
  private occurrences(option: ConfOption): IniEntry[] {
    const names = optionNames(option);
    if (option.kind === 'multi') {
      // oslo prepends each name's values (`rvalue = val + rvalue`).
      return names.toReversed().flatMap(([group, name]) => this.find(group, name));
    }
    for (const [group, name] of names) {
      const found = this.find(group, name);
      const last = found[found.length - 1];
      if (last !== undefined) return [last];
    }
    return [];
  }

  private find(group: string, name: string): IniEntry[] {
    return this.index.get(group)?.get(name) ?? [];
  }

  /** oslo warns about deprecated names it reads; the others it passes over are warned here too. */
  private warnNames(option: ConfOption, used: readonly IniEntry[]): void {
    const current = `[${option.group}] ${option.name}`;
    const chosen = used[used.length - 1] as IniEntry;
    const sameName = (entry: IniEntry) =>
      entry.key === chosen.key && normalizeGroup(entry.section) === normalizeGroup(chosen.section);
    for (const [index, [group, name]] of optionNames(option).entries()) {
      const deprecated = index > 0 ? ' (deprecated name)' : '';
      for (const entry of this.find(group, name)) {
        if (used.includes(entry)) {
          if (index > 0) this.warn(entry, `deprecated name: use ${current}`);
        } else if (sameName(entry)) {
          this.warn(entry, `set again at line ${chosen.line}: this value is ignored (oslo keeps the last)`);
        } else {
          this.warn(entry, `ignored${deprecated}: line ${chosen.line} sets ${current}`);
        }
      }
    }
  }

  private warnUnused(sections: readonly { name: string; line: number }[], consumed: ReadonlySet<string>): void {
    const warned = new Set<string>();
    for (const section of sections) {
      const group = normalizeGroup(section.name);
      if (KNOWN_GROUPS.has(group) || warned.has(group)) continue;
      warned.add(group);
      const hint = group === 'default' ? ' (options of [DEFAULT] must be under "[DEFAULT]", upper-case)' : '';
      this.warnings.push({
        file: this.file,
        line: section.line,
        path: section.name,
        message: `section not used by meterflow: ignored${hint}`,
      });
    }
    for (const entry of this.entries) {
      const group = normalizeGroup(entry.section);
      const id = key(group, entry.key);
      if (!KNOWN_GROUPS.has(group) || consumed.has(id) || this.referenced.has(id) || warned.has(id)) continue;
      warned.add(id);
      const elsewhere = CONF_OPTIONS.find((o) => o.name === entry.key);
      const hint = elsewhere === undefined ? '' : ` (meterflow reads ${entry.key} from [${elsewhere.group}])`;
      this.warn(entry, `${UNUSED}${hint}`);
    }
  }

  /** The typed value of a known option (its default when the file does not set it). */
  private resolve(option: ConfOption): Resolved {
    const id = key(normalizeGroup(option.group), option.name);
    const cached = this.memo.get(id);
    if (cached !== undefined) return cached;
    const used = this.occurrences(option);
    const result = used.length === 0 ? { value: this.defaultOf(option) } : this.convert(option, used);
    this.memo.set(id, result);
    return result;
  }

  private convert(option: ConfOption, used: readonly IniEntry[]): Resolved {
    const texts: string[] = [];
    for (const entry of used) {
      const text = this.substitute(key(option.group, option.name), normalizeGroup(option.group), entry.value);
      if ('error' in text) return { error: this.interpolationError(option, text.error), entry };
      texts.push(text.value);
    }
    const last = used[used.length - 1] as IniEntry;
    const text = texts[texts.length - 1] as string;
    // The text as written: interpolation may have pulled a secret (`$transport_url`) into it.
    const invalid = (what: string): Resolved => ({
      error: `must be ${what}, not ${JSON.stringify(last.value)}`,
      entry: last,
    });
    switch (option.kind) {
      case 'multi':
        return { value: texts };
      case 'list':
        return { value: parseList(text) };
      case 'nullable-str':
        return { value: text === '' ? null : text };
      case 'str':
        return { value: text };
      case 'bool': {
        const value = parseBool(text);
        return value === undefined ? invalid('a boolean (true/false, yes/no, on/off, 1/0)') : { value };
      }
      case 'int': {
        const value = parseInt10(text);
        return value === undefined ? invalid('an integer') : { value };
      }
      case 'float': {
        const value = parseFloat10(text);
        return value === undefined ? invalid('a number') : { value };
      }
    }
  }

  /** A secret's reference names may be pieces of a password (`pa$word`): never show them. */
  private interpolationError(option: ConfOption, error: string): string {
    if (!option.secret || error.startsWith('interpolation cycle')) return error;
    return 'cannot interpolate a "$" reference (secret option, value not shown; write "$$" for a literal "$")';
  }

  /** Interpolates `text`, which belongs to `id` (`group.name`) in `group`, guarding against cycles. */
  private substitute(id: string, group: string, text: string): Lookup {
    if (!text.includes('$')) return { value: text };
    const at = this.stack.indexOf(id);
    if (at >= 0) return { error: `interpolation cycle: ${[...this.stack.slice(at), id].join(' -> ')}` };
    this.stack.push(id);
    try {
      return interpolate(text, (name) => this.lookup(name, group));
    } finally {
      this.stack.pop();
    }
  }

  /**
   * oslo's `StrSubWrapper`: `$group.option` names another group; a bare name is looked up in
   * the value's own group, then in DEFAULT; either way a failed lookup retries the whole name in
   * DEFAULT. Options meterflow does not implement resolve to their (interpolated) text when the
   * file sets them (Ceilometer registers them; meterflow knows no type or default for them).
   */
  private lookup(name: string, group: string): Lookup {
    const dot = name.indexOf('.');
    const candidates: [string, string][] =
      dot >= 0 ? [[normalizeGroup(name.slice(0, dot)), name.slice(dot + 1)]] : [[group, name]];
    candidates.push(['DEFAULT', name]);
    for (const [g, n] of candidates) {
      const found = this.reference(g, n);
      if (found === undefined) continue;
      if ('error' in found && !found.error.startsWith('interpolation cycle')) {
        return { error: `$${name}: ${found.error}` };
      }
      return found;
    }
    const where = dot >= 0 ? `[${name.slice(0, dot)}]` : group === 'DEFAULT' ? '[DEFAULT]' : `[${group}] or [DEFAULT]`;
    return { error: `$${name}: no such option in ${where}` };
  }

  private reference(group: string, name: string): Lookup | undefined {
    const id = key(group, name);
    const option = BY_NAME.get(id);
    if (option !== undefined) {
      if (this.stack.includes(id)) return { error: `interpolation cycle: ${[...this.stack, id].join(' -> ')}` };
      const result = this.resolve(option);
      return 'error' in result ? { error: result.error } : { value: pythonStr(result.value, option.kind === 'float') };
    }
    const last = this.find(group, name).at(-1);
    if (last === undefined) return undefined;
    this.referenced.add(id);
    return this.substitute(id, group, last.value);
  }

  private defaultOf(option: ConfOption): unknown {
    this.defaults ??= agentOptionsSchema.parse({}) as Mapping;
    return (this.defaults[option.group] as Mapping)[option.name];
  }

  private origin(path: readonly PathSegment[]): IniEntry | undefined {
    const [section, option, index] = path;
    const used = this.origins.get(key(String(section), String(option)));
    if (used === undefined) return undefined;
    return (typeof index === 'number' ? used[index] : undefined) ?? used[used.length - 1];
  }

  private printPath(path: readonly PathSegment[]): string {
    const entry = this.origin(path);
    if (entry === undefined) return pathToString(path);
    const multi = BY_NAME.get(key(normalizeGroup(String(path[0])), String(path[1])))?.kind === 'multi';
    // A multi-valued option's items are separate lines; the line already says which one.
    const rest = multi ? path.slice(3) : path.slice(2);
    const tail = pathToString(rest);
    return `${entry.section}.${entry.key}${tail === '' || tail.startsWith('[') ? tail : `.${tail}`}`;
  }

  private issue(entry: IniEntry, message: string): void {
    this.issues.push({ file: this.file, line: entry.line, path: `${entry.section}.${entry.key}`, message });
  }

  private warn(entry: IniEntry, message: string): void {
    this.warnings.push({ file: this.file, line: entry.line, path: `${entry.section}.${entry.key}`, message });
  }
}

/**
 * Whether an options file is an oslo INI file rather than meterflow YAML: by its name
 * (`.conf`, `.ini`) or, whatever its name, by a first non-comment line that is a `[section]`
 * header (which YAML would read as a list, never as the mapping an options file must be). A
 * name with a comma or a space is taken for a YAML flow list (`[a, b]`): no real group has one.
 */
export function isIniOptionsFile(file: string, text: string): boolean {
  if (/\.(conf|ini)$/i.test(file)) return true;
  for (const line of text.split(/\r\n|\n|\r/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    return /^\[[^[\],\s]+\]$/.test(line.trimEnd());
  }
  return false;
}
