import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { checkKeys, isMapping, IssueList, type Mapping, typeName } from './issue-list.js';
import { loadYaml, type PathSegment, type YamlSource } from './yaml-source.js';

/** One definition as written, not yet compiled; `locate` takes a path inside the definition. */
export interface RawDefinition {
  file: string;
  /** Position in the file's list (`metric[index]`, or `[index]` for event definitions). */
  index: number;
  value: Record<string, unknown>;
  /** 1-based line of `relPath` inside this definition (nearest existing ancestor otherwise). */
  locate(relPath: readonly PathSegment[]): number;
}

export type RawMeterDefinition = RawDefinition;
export type RawEventDefinition = RawDefinition;

export interface DefinitionLoadResult<T> {
  definitions: T[];
  issues: ConfigIssue[];
}

/**
 * Loads meters.yaml-style files. Each path is a file, or a directory whose `*.yaml`/`*.yml`
 * files are read sorted by name.
 *
 * Order and precedence:
 * - Definitions come back in evaluation order: each file's `metric:` list walked in reverse, as
 *   Ceilometer does (this is the order in which samples of one notification are emitted).
 * - A name defined twice in one file: the LAST one in the file is kept (Ceilometer's rule).
 * - A name defined in several files: the LATER file wins. Ceilometer let the first file win;
 *   meterflow chooses the opposite so an operator's override directory, listed last, replaces a
 *   shipped definition instead of being silently ignored.
 * A definition whose `name` is not a string never takes part in this and is returned as is:
 * the compiler reports it.
 */
export function loadMeterDefinitionFiles(paths: readonly string[]): DefinitionLoadResult<RawMeterDefinition> {
  const issues: ConfigIssue[] = [];
  const perFile: RawMeterDefinition[][] = [];
  for (const file of expandPaths(paths, issues)) {
    perFile.push(dedupeWithinFile(meterFileDefinitions(file, issues)));
  }
  return { definitions: applyCrossFileOverrides(perFile), issues };
}

/** Loads event_definitions.yaml: a top-level list, returned in file order. */
export function loadEventDefinitionsFile(file: string): DefinitionLoadResult<RawEventDefinition> {
  const source = loadYaml(file);
  if (source.issues.length > 0) return { definitions: [], issues: source.issues };
  const issues = new IssueList(file, source.locate);
  // An empty file has no definitions; the compiler then adds Ceilometer's catch-all.
  if (source.value === null) return { definitions: [], issues: [] };
  if (!Array.isArray(source.value)) {
    issues.add([], `must be a list of event definitions, not ${typeName(source.value)}`);
    return { definitions: [], issues: issues.issues };
  }
  return { definitions: rawDefinitions(source, issues, source.value, []), issues: issues.issues };
}

function expandPaths(paths: readonly string[], issues: ConfigIssue[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!isDirectory(path)) {
      files.push(path); // loadYaml reports it if it cannot be read
      continue;
    }
    try {
      const names = readdirSync(path).filter((name) => /\.ya?ml$/.test(name));
      // Code-point order, not locale order: the same on every host.
      for (const name of names.sort()) files.push(join(path, name));
    } catch (err) {
      issues.push({ file: path, line: 0, path: '', message: `cannot list directory: ${(err as Error).message}` });
    }
  }
  return files;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The definitions of one file in file order; every problem of its shape goes to `issues`. */
function meterFileDefinitions(file: string, out: ConfigIssue[]): RawMeterDefinition[] {
  const source = loadYaml(file);
  if (source.issues.length > 0) {
    out.push(...source.issues);
    return [];
  }
  const issues = new IssueList(file, source.locate);
  const definitions = meterFileBody(source, issues);
  out.push(...issues.issues);
  return definitions;
}

function meterFileBody(source: YamlSource, issues: IssueList): RawMeterDefinition[] {
  const root = source.value;
  if (root === null) return []; // an empty drop-in file is harmless
  if (!isMapping(root)) {
    issues.add([], `must be a mapping with a 'metric' list, not ${typeName(root)}`);
    return [];
  }
  checkKeys(issues, root, [], ['metric']);
  if (root.metric === null || root.metric === undefined) return [];
  if (!Array.isArray(root.metric)) {
    issues.add(['metric'], `must be a list of meter definitions, not ${typeName(root.metric)}`);
    return [];
  }
  return rawDefinitions(source, issues, root.metric, ['metric']);
}

function rawDefinitions(source: YamlSource, issues: IssueList, list: unknown[], base: PathSegment[]): RawDefinition[] {
  const out: RawDefinition[] = [];
  list.forEach((value, index) => {
    if (!isMapping(value)) {
      issues.add([...base, index], `must be a mapping, not ${typeName(value)}`);
      return;
    }
    const locate = (relPath: readonly PathSegment[]) => source.locate([...base, index, ...relPath]);
    out.push({ file: issues.file, index, value: value as Mapping, locate });
  });
  return out;
}

/** Reverse walk; the first time a name is seen wins, so the last duplicate in the file is kept. */
function dedupeWithinFile(definitions: RawMeterDefinition[]): RawMeterDefinition[] {
  const seen = new Set<string>();
  const out: RawMeterDefinition[] = [];
  for (const definition of [...definitions].reverse()) {
    const name = definition.value.name;
    if (typeof name === 'string') {
      if (seen.has(name)) continue;
      seen.add(name);
    }
    out.push(definition);
  }
  return out;
}

/** Drops a definition when a later file defines the same name again. */
function applyCrossFileOverrides(perFile: RawMeterDefinition[][]): RawMeterDefinition[] {
  const lastFileOf = new Map<string, number>();
  perFile.forEach((definitions, fileIndex) => {
    for (const { value } of definitions) if (typeof value.name === 'string') lastFileOf.set(value.name, fileIndex);
  });
  return perFile.flatMap((definitions, fileIndex) =>
    definitions.filter(({ value }) => typeof value.name !== 'string' || lastFileOf.get(value.name) === fileIndex),
  );
}
