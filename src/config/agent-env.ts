import { parse as parseYamlValue } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import { agentOptionsSchema, type SectionName } from './agent-options-schema.js';

/** One option set from the environment; `variable` names it in issues. */
export interface EnvOverride {
  section: SectionName;
  option: string;
  value: unknown;
  variable: string;
}

const PREFIX = 'METERFLOW_';

/**
 * Shortcuts common to container setups. A `METERFLOW_<SECTION>__<OPTION>` variable for the same
 * option is more specific and wins over them.
 */
const SHORTCUTS: readonly (readonly [string, SectionName, string])[] = [
  ['AMQP_URL', 'DEFAULT', 'transport_url'],
  ['REDIS_URL', 'coordination', 'backend_url'],
];

/**
 * `METERFLOW_<SECTION>__<OPTION>=value` (double underscore between section and option, both
 * case-insensitive). Only variables with `__` are overrides: `METERFLOW_LOG_LEVEL` and friends
 * belong to other parts of the agent.
 */
export function readEnvOverrides(env: NodeJS.ProcessEnv): { overrides: EnvOverride[]; issues: ConfigIssue[] } {
  const overrides: EnvOverride[] = [];
  const issues: ConfigIssue[] = [];
  for (const [variable, section, option] of SHORTCUTS) {
    const text = env[variable];
    if (text !== undefined && text !== '') overrides.push({ section, option, value: text, variable });
  }
  for (const variable of Object.keys(env).sort()) {
    const text = env[variable];
    if (!variable.startsWith(PREFIX) || !variable.includes('__') || text === undefined) continue;
    const target = resolveTarget(variable);
    if ('error' in target) issues.push({ file: variable, line: 0, path: '', message: target.error });
    else overrides.push({ ...target, value: envValue(target.section, target.option, text), variable });
  }
  return { overrides, issues };
}

function resolveTarget(variable: string): { section: SectionName; option: string } | { error: string } {
  const [sectionPart = '', optionPart = '', ...rest] = variable.slice(PREFIX.length).split('__');
  const sections = Object.keys(agentOptionsSchema.shape) as SectionName[];
  const section = sections.find((name) => name.toLowerCase() === sectionPart.toLowerCase());
  if (section === undefined || rest.length > 0) {
    return { error: `unknown section '${sectionPart}' (known: ${sections.join(', ')})` };
  }
  const options = sectionOptions(section);
  const option = options.find((name) => name.toLowerCase() === optionPart.toLowerCase());
  if (option === undefined)
    return { error: `unknown option '${optionPart}' in ${section} (known: ${options.join(', ')})` };
  return { section, option };
}

/** Option names of one section, read from the schema so env and file never disagree. */
export function sectionOptions(section: SectionName): string[] {
  const inner = unwrap(agentOptionsSchema.shape[section]) as { shape?: Record<string, unknown> };
  return Object.keys(inner.shape ?? {});
}

/**
 * String options take the text verbatim: parsing it as YAML would turn a password `123` into a
 * number or `*secret` into an alias. Other options are YAML 1.2 scalars or flow lists
 * (`50`, `true`, `[info, error]`); a single value for a list option is a one-item list.
 */
function envValue(section: SectionName, option: string, text: string): unknown {
  const kind = optionKind(section, option);
  if (kind === 'string') return text;
  if (kind === 'nullable-string') return text === '' ? null : text;
  let value: unknown;
  try {
    value = parseYamlValue(text, { version: '1.2' });
  } catch {
    return text; // the schema then reports a type error naming the variable
  }
  return kind === 'array' && value !== null && !Array.isArray(value) ? [value] : value;
}

function optionKind(section: SectionName, option: string): 'string' | 'nullable-string' | 'array' | 'other' {
  const inner = unwrap(agentOptionsSchema.shape[section]) as { shape: Record<string, unknown> };
  let schema = inner.shape[option];
  let nullable = false;
  while (defOf(schema)?.innerType !== undefined) {
    if (defOf(schema)?.type === 'nullable') nullable = true;
    schema = defOf(schema)?.innerType;
  }
  const type = defOf(schema)?.type;
  if (type === 'string') return nullable ? 'nullable-string' : 'string';
  return type === 'array' ? 'array' : 'other';
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  while (defOf(current)?.innerType !== undefined) current = defOf(current)?.innerType;
  return current;
}

/** zod 4 keeps the structure in `_zod.def`; only `type` and `innerType` are read. */
function defOf(schema: unknown): { type?: string; innerType?: unknown } | undefined {
  return (schema as { _zod?: { def?: { type?: string; innerType?: unknown } } } | undefined)?._zod?.def;
}
