import { dirname, resolve } from 'node:path';
import type { core } from 'zod';
import type { ConfigIssue } from '../errors.js';
import { type EnvOverride, readEnvOverrides, sectionOptions } from './agent-env.js';
import { type AgentOptions, agentOptionsSchema, FILE_OPTIONS, type SectionName } from './agent-options-schema.js';
import { isMapping, type Mapping, typeName } from './issue-list.js';
import { loadYaml, type PathSegment, pathToString } from './yaml-source.js';

export interface LoadAgentOptionsInput {
  /** The options file; without it every option is its default (plus the environment). */
  file?: string;
  /** Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Where the raw options came from, to put each schema issue at the right place. */
interface RawOptions {
  value: Mapping;
  locate(path: readonly PathSegment[]): number;
  file: string;
  /** `section.option` → environment variable that set it. */
  fromEnv: Map<string, string>;
}

/**
 * Reads the options file (YAML 1.2: no `yes`/`no` booleans in a file meterflow introduced),
 * applies `METERFLOW_<SECTION>__<OPTION>`, `AMQP_URL` and `REDIS_URL`, validates the whole and
 * resolves relative file options against the file's directory (cwd without a file).
 * Precedence: `METERFLOW_*` > shortcut variables > file > defaults.
 */
export function loadAgentOptions(input: LoadAgentOptionsInput = {}): { options?: AgentOptions; issues: ConfigIssue[] } {
  const loaded = readRaw(input.file);
  if (loaded.issues.length > 0) return { issues: loaded.issues };
  const raw = loaded.raw;
  const env = readEnvOverrides(input.env ?? process.env);
  applyOverrides(raw, env.overrides);
  const parsed = agentOptionsSchema.safeParse(raw.value);
  const schemaIssues = parsed.success ? [] : parsed.error.issues.flatMap((i) => toIssues(raw, i));
  // zod reports in schema order; operators read the file top to bottom.
  const issues = [...env.issues, ...schemaIssues.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)];
  if (!parsed.success || issues.length > 0) return { issues };
  const baseDir = input.file === undefined ? process.cwd() : dirname(resolve(input.file));
  return { options: resolveFiles(parsed.data, baseDir), issues: [] };
}

function readRaw(file: string | undefined): { raw: RawOptions; issues: ConfigIssue[] } {
  const empty: RawOptions = { value: {}, locate: () => 0, file: file ?? '<defaults>', fromEnv: new Map() };
  if (file === undefined) return { raw: empty, issues: [] };
  const source = loadYaml(file, { version: '1.2' });
  if (source.issues.length > 0) return { raw: empty, issues: source.issues };
  if (source.value === null) return { raw: empty, issues: [] };
  if (!isMapping(source.value)) {
    const message = `must be a mapping of sections, not ${typeName(source.value)}`;
    return { raw: empty, issues: [{ file, line: source.locate([]), path: '', message }] };
  }
  // A section written with nothing under it (`notification:`) means all its defaults.
  const value: Mapping = {};
  for (const [key, section] of Object.entries(source.value)) value[key] = section === null ? {} : section;
  return { raw: { ...empty, value, locate: source.locate }, issues: [] };
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
  return [{ file: raw.file, line: raw.locate(path), path: pathToString(path), message: issue.message }];
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
