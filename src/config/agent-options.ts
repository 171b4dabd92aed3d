import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { core } from 'zod';
import type { ConfigIssue } from '../errors.js';
import { type EnvOverride, readEnvOverrides, sectionOptions } from './agent-env.js';
import { type AgentOptions, agentOptionsSchema, FILE_OPTIONS, type SectionName } from './agent-options-schema.js';
import { isIniOptionsFile, readCeilometerConf } from './ceilometer-conf.js';
import { isMapping, type Mapping, typeName } from './issue-list.js';
import { type PathSegment, parseYamlText, pathToString } from './yaml-source.js';

export interface LoadAgentOptionsInput {
  /**
   * The options file: meterflow YAML, or Ceilometer's INI `ceilometer.conf` (a `.conf`/`.ini`
   * name or a first `[section]` line). Without it every option is its default (plus the environment).
   */
  file?: string;
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Where the raw options came from, to put each schema issue at the right place. */
interface RawOptions {
  value: Mapping;
  locate(path: readonly PathSegment[]): number;
  /** How an issue names a path (INI: the `section.option` written, maybe a deprecated name). */
  printPath(path: readonly PathSegment[]): string;
  file: string;
  /** `section.option` → environment variable that set it. */
  fromEnv: Map<string, string>;
}

export interface LoadAgentOptionsResult {
  /** Absent when there is any issue. */
  options?: AgentOptions;
  issues: ConfigIssue[];
  /** Problems that do not stop the agent: INI options and sections meterflow does not use, deprecated names. */
  warnings: ConfigIssue[];
}

/**
 * Reads the options file (YAML 1.2: no `yes`/`no` booleans in a file meterflow introduced; or
 * an oslo.config INI file, see `readCeilometerConf`), applies `METERFLOW_<SECTION>__<OPTION>`,
 * `AMQP_URL` and `REDIS_URL`, validates the whole and resolves relative file options against
 * the file's directory (cwd without a file), as Ceilometer looks next to its config file first.
 * Precedence: `METERFLOW_*` > shortcut variables > file > defaults.
 */
export function loadAgentOptions(input: LoadAgentOptionsInput = {}): LoadAgentOptionsResult {
  const loaded = readRaw(input.file);
  const warnings = loaded.warnings;
  // A file that failed leaves no value (or, in INI, leaves out the invalid options), so the
  // schema still checks the rest and the environment: every problem is reported at once.
  const raw = loaded.raw;
  const env = readEnvOverrides(input.env ?? process.env);
  applyOverrides(raw, env.overrides);
  const parsed = agentOptionsSchema.safeParse(raw.value);
  const schemaIssues = parsed.success ? [] : parsed.error.issues.flatMap((i) => toIssues(raw, i));
  // zod reports in schema order; operators read the file top to bottom.
  const fileIssues = [...loaded.issues, ...schemaIssues].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line,
  );
  const issues = [...env.issues, ...fileIssues];
  if (!parsed.success || issues.length > 0) return { issues, warnings };
  const baseDir = input.file === undefined ? process.cwd() : dirname(resolve(input.file));
  return { options: resolveFiles(parsed.data, baseDir), issues: [], warnings };
}

interface ReadResult {
  raw: RawOptions;
  issues: ConfigIssue[];
  warnings: ConfigIssue[];
}

function readRaw(file: string | undefined): ReadResult {
  const empty: RawOptions = {
    value: {},
    locate: () => 0,
    printPath: pathToString,
    file: file ?? '<defaults>',
    fromEnv: new Map(),
  };
  if (file === undefined) return { raw: empty, issues: [], warnings: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const message = `cannot read file: ${err instanceof Error ? err.message : String(err)}`;
    return { raw: empty, issues: [{ file, line: 0, path: '', message }], warnings: [] };
  }
  if (isIniOptionsFile(file, text)) {
    const conf = readCeilometerConf(file, text);
    const raw = { ...empty, value: conf.value, locate: conf.locate, printPath: conf.printPath };
    return { raw, issues: conf.issues, warnings: conf.warnings };
  }
  return readYaml(file, text, empty);
}

function readYaml(file: string, text: string, empty: RawOptions): ReadResult {
  const source = parseYamlText(file, text, { version: '1.2' });
  if (source.issues.length > 0) return { raw: empty, issues: source.issues, warnings: [] };
  if (source.value === null) return { raw: empty, issues: [], warnings: [] };
  if (!isMapping(source.value)) {
    const message = `must be a mapping of sections, not ${typeName(source.value)}`;
    return { raw: empty, issues: [{ file, line: source.locate([]), path: '', message }], warnings: [] };
  }
  // A section written with nothing under it (`notification:`) means all its defaults.
  const value: Mapping = {};
  for (const [key, section] of Object.entries(source.value)) value[key] = section === null ? {} : section;
  return { raw: { ...empty, value, locate: source.locate }, issues: [], warnings: [] };
}

function applyOverrides(raw: RawOptions, overrides: readonly EnvOverride[]): void {
  for (const { section, option, value, variable } of overrides) {
    const current = raw.value[section] ?? {};
    if (!isMapping(current)) continue; // the file's own type error is reported instead
    raw.value[section] = { ...current, [option]: value };
    raw.fromEnv.set(`${section}.${option}`, variable);
  }
}

function toIssues(raw: RawOptions, issue: core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const at = [...path, key];
      return { file: raw.file, line: raw.locate(at), path: pathToString(at), message: unknownKeyMessage(path, key) };
    });
  }
  const variable = path.length >= 2 ? raw.fromEnv.get(`${path[0]}.${path[1]}`) : undefined;
  if (variable !== undefined) return [{ file: variable, line: 0, path: pathToString(path), message: issue.message }];
  return [{ file: raw.file, line: raw.locate(path), path: raw.printPath(path), message: issue.message }];
}

function unknownKeyMessage(path: readonly PathSegment[], key: string): string {
  if (path.length === 0) return `unknown section '${key}' (known: ${Object.keys(agentOptionsSchema.shape).join(', ')})`;
  const section = String(path[0]) as SectionName;
  return `unknown option '${key}' in ${section} (known: ${sectionOptions(section).join(', ')})`;
}

function resolveFiles(options: AgentOptions, baseDir: string): AgentOptions {
  const out = structuredClone(options);
  for (const [section, option] of FILE_OPTIONS) {
    const group = out[section] as Record<string, unknown>;
    const value = group[option];
    group[option] = Array.isArray(value)
      ? value.map((p: string) => resolve(baseDir, p))
      : resolve(baseDir, String(value));
  }
  return out;
}
