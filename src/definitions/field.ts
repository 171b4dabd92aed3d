import type { JsonPath } from './jsonpath/index.js';
import { compileJsonPath, compileJsonPathUnion, JsonPathSyntaxError } from './jsonpath/index.js';
import type { Plugin, PluginContext, PluginMatch } from './plugins.js';
import { pluginRegistry } from './plugins.js';
import type { PyJson } from '../model/index.js';

/** A problem found while compiling, relative to the definition (`volume.fields[1]`). */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/**
 * One configured attribute of a meter or trait definition: a constant, a jsonpath (a list of
 * paths is their union), or `{fields, plugin}`.
 */
export interface Field {
  readonly source: string;
  /** First non-null value, or null. */
  first(message: PyJson, context: PluginContext): PyJson;
  /** Every value in match order, nulls kept (lookup mode). */
  all(message: PyJson, context: PluginContext): PyJson[];
  /** Plugins that yield one value per match may be used with `lookup`. */
  readonly perMatch: boolean;
}

class ConstantField implements Field {
  readonly perMatch = true;
  constructor(
    readonly source: string,
    private readonly value: PyJson,
  ) {}
  first(): PyJson {
    return this.value;
  }
  all(): PyJson[] {
    return [this.value];
  }
}

class PathField implements Field {
  readonly perMatch: boolean;
  constructor(
    readonly source: string,
    private readonly path: JsonPath,
    private readonly plugin: Plugin | null,
  ) {
    this.perMatch = plugin === null || plugin.perMatch;
  }

  private values(message: PyJson, context: PluginContext, keepNull: boolean): PyJson[] {
    const matches = this.path.find(message);
    const pairs: PluginMatch[] = [];
    for (const m of matches) if (keepNull || m.value !== null) pairs.push([m.path, m.value]);
    const produced = (this.plugin as Plugin).values(pairs, context);
    return keepNull ? produced : produced.filter((v) => v !== null);
  }

  first(message: PyJson, context: PluginContext): PyJson {
    if (this.plugin === null) return this.path.first(message);
    return this.values(message, context, false)[0] ?? null;
  }

  all(message: PyJson, context: PluginContext): PyJson[] {
    if (this.plugin === null) return this.path.values(message);
    return this.values(message, context, true);
  }
}

function compilePaths(spec: unknown, at: (string | number)[], issues: FieldIssue[]): JsonPath | null {
  try {
    if (typeof spec === 'string') return compileJsonPath(spec);
    if (Array.isArray(spec) && spec.length > 0 && spec.every((s) => typeof s === 'string')) {
      return compileJsonPathUnion(spec as string[]);
    }
    issues.push({ path: at, message: 'must be a jsonpath string or a non-empty list of them' });
  } catch (err) {
    const detail = err instanceof JsonPathSyntaxError ? err.message : String(err as Error);
    issues.push({ path: at, message: `invalid jsonpath: ${detail}` });
  }
  return null;
}

function compilePlugin(spec: unknown, at: (string | number)[], issues: FieldIssue[]): Plugin | null {
  let name: unknown = spec;
  let parameters: unknown = {};
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    ({ name, parameters = {} } = spec as { name?: unknown; parameters?: unknown });
    if (name === undefined) {
      issues.push({ path: at, message: 'plugin name is required' });
      return null;
    }
  }
  const factory = typeof name === 'string' ? pluginRegistry.get(name) : undefined;
  if (!factory) {
    const known = [...pluginRegistry.keys()].join(', ');
    issues.push({ path: at, message: `unknown plugin ${JSON.stringify(name)} (known: ${known})` });
    return null;
  }
  try {
    return factory((parameters ?? {}) as Record<string, unknown>);
  } catch (err) {
    issues.push({ path: [...at, 'parameters'], message: (err as Error).message });
    return null;
  }
}

/** Compile a definition attribute; problems go to `issues` and the result is null. */
export function compileField(spec: unknown, at: (string | number)[], issues: FieldIssue[]): Field | null {
  if (typeof spec === 'number' || typeof spec === 'boolean') return new ConstantField(String(spec), spec);
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    const { fields, plugin, ...rest } = spec as Record<string, unknown>;
    for (const key of Object.keys(rest)) issues.push({ path: [...at, key], message: 'unknown key' });
    if (fields === undefined) {
      issues.push({ path: at, message: 'Required field "fields" not specified' });
      return null;
    }
    const path = compilePaths(fields, [...at, 'fields'], issues);
    const compiledPlugin = plugin === undefined ? null : compilePlugin(plugin, [...at, 'plugin'], issues);
    if (!path || (plugin !== undefined && !compiledPlugin)) return null;
    return new PathField(JSON.stringify(fields), path, compiledPlugin);
  }
  const path = compilePaths(spec, at, issues);
  return path ? new PathField(typeof spec === 'string' ? spec : JSON.stringify(spec), path, null) : null;
}

/** A literal attribute (meter `name`/`unit`/`type` written as plain words). */
export function constantField(value: string): Field {
  return new ConstantField(value, value);
}
