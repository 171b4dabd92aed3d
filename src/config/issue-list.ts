import type { ConfigIssue } from '../errors.js';
import { type PathSegment, pathToString } from './yaml-source.js';

/** Collects issues of one file, turning a document path into its printed form and its line. */
export class IssueList {
  readonly issues: ConfigIssue[] = [];

  constructor(
    readonly file: string,
    private readonly locate: (path: readonly PathSegment[]) => number,
  ) {}

  add(path: readonly PathSegment[], message: string): void {
    this.issues.push({ file: this.file, line: this.locate(path), path: pathToString(path), message });
  }

  /** For issues whose printed path does not map one to one onto the document (spec paths). */
  addAt(path: readonly PathSegment[], printedPath: string, message: string): void {
    this.issues.push({ file: this.file, line: this.locate(path), path: printedPath, message });
  }

  locateLine(path: readonly PathSegment[]): number {
    return this.locate(path);
  }

  get size(): number {
    return this.issues.length;
  }
}

/** A plain mapping as produced by the YAML parser. */
export type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Strict keys: anything outside `allowed` and `ignored` is an issue (Vector-style: a typo must
 * not silently fall back to a default). `ignored` keys are accepted without a word.
 */
export function checkKeys(
  issues: IssueList,
  map: Mapping,
  path: readonly PathSegment[],
  allowed: readonly string[],
  ignored: readonly string[] = [],
): void {
  for (const key of Object.keys(map)) {
    if (allowed.includes(key) || ignored.includes(key)) continue;
    issues.add([...path, key], `unknown key '${key}' (allowed: ${allowed.join(', ')})`);
  }
}

/** A non-empty string, or an issue at `path`. */
export function requireString(issues: IssueList, value: unknown, path: readonly PathSegment[]): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  issues.add(path, typeof value === 'string' ? 'must not be empty' : `must be a string, not ${typeName(value)}`);
  return undefined;
}

export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a timestamp';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
