import { EventConverter, compileEventDefinition } from './events.js';
import type { EventConverterOptions, EventDefinition } from './events.js';
import type { FieldIssue } from './field.js';
import { MeterConverter } from './meter-converter.js';
import type { MeterConverterOptions } from './meter-converter.js';
import { compileMeterDefinition } from './meters.js';
import type { MeterDefinition } from './meters.js';
import { loadEventDefinitionsFile, loadMeterDefinitionFiles, pathToString } from '../config/index.js';
import type { ConfigIssue } from '../errors.js';

interface Located {
  file: string;
  index: number;
  value: unknown;
  locate(path: readonly (string | number)[]): number;
}

function toConfigIssues(raw: Located, top: (string | number)[], issues: FieldIssue[]): ConfigIssue[] {
  return issues.map((issue) => ({
    file: raw.file,
    line: raw.locate(issue.path),
    path: pathToString([...top, ...issue.path]),
    message: issue.message,
  }));
}

/** Load and compile meter definition files/dirs; every problem of every file at once. */
export function loadMeterDefinitions(
  paths: readonly string[],
  options: MeterConverterOptions = {},
): { converter?: MeterConverter; definitions: MeterDefinition[]; issues: ConfigIssue[] } {
  const loaded = loadMeterDefinitionFiles(paths);
  const issues: ConfigIssue[] = [...loaded.issues];
  const definitions: MeterDefinition[] = [];
  for (const raw of loaded.definitions) {
    const found: FieldIssue[] = [];
    const value = raw.value;
    const isMapping = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!isMapping) found.push({ path: [], message: 'definition must be a mapping' });
    const definition = isMapping ? compileMeterDefinition(value as Record<string, unknown>, found) : null;
    issues.push(...toConfigIssues(raw, ['metric', raw.index], found));
    if (definition) definitions.push(definition);
  }
  return issues.length > 0
    ? { definitions, issues }
    : { converter: new MeterConverter(definitions, options), definitions, issues };
}

/** Load and compile `event_definitions.yaml`. */
export function loadEventDefinitions(
  path: string,
  options: EventConverterOptions = {},
): { converter?: EventConverter; definitions: EventDefinition[]; issues: ConfigIssue[] } {
  const loaded = loadEventDefinitionsFile(path);
  const issues: ConfigIssue[] = [...loaded.issues];
  const definitions: EventDefinition[] = [];
  for (const raw of loaded.definitions) {
    const found: FieldIssue[] = [];
    const definition = compileEventDefinition(raw.value, raw.index, found);
    issues.push(...toConfigIssues(raw, [raw.index], found));
    if (definition) definitions.push(definition);
  }
  return issues.length > 0
    ? { definitions, issues }
    : { converter: new EventConverter(definitions, options), definitions, issues };
}
