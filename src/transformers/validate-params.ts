import { ConfigError, type ConfigIssue } from '../errors.js';

/** A problem in a transformer's `parameters`, path relative to them. */
export type Issue = Omit<ConfigIssue, 'file' | 'line'>;

export type Params = Record<string, unknown>;

/** Result of parsing parameters: the options when there was no issue. */
export interface Parsed<T> {
  options: T;
  issues: Issue[];
}

export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function isMapping(value: unknown): value is Params {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A nested mapping; `null`/absent is `{}` as in Ceilometer (`source or {}`). */
export function mapping(params: Params, key: string, path: string, issues: Issue[]): Params {
  const value = params[key];
  if (value === undefined || value === null) return {};
  if (isMapping(value)) return value;
  issues.push({ path: join(path, key), message: 'must be a mapping' });
  return {};
}

/** Reject keys the transformer does not know, naming the known ones. */
export function checkKeys(params: Params, known: readonly string[], path: string, issues: Issue[]): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      issues.push({ path: join(path, key), message: `unknown parameter (known: ${known.join(', ')})` });
    }
  }
}

export function optionalString(params: Params, key: string, path: string, issues: Issue[]): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  issues.push({ path: join(path, key), message: 'must be a string' });
  return undefined;
}

/** The numeric value of a YAML number (plain, PyFloat, bigint), else undefined. */
export function numberValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null && 'value' in value && typeof value.value === 'number') {
    return value.value;
  }
  return undefined;
}

/** Throw every issue at once for `create()` called without `validate()`. */
export function orThrow<T>(name: string, parsed: Parsed<T>): T {
  if (parsed.issues.length > 0) {
    throw new ConfigError(parsed.issues.map((issue) => ({ file: `transformer ${name}`, line: 0, ...issue })));
  }
  return parsed.options;
}
