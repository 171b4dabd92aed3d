import { readFileSync } from 'node:fs';
import { type Document, LineCounter, parseDocument, type ScalarTag, type Tags, visit } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import { locateInDocument, type PathSegment } from './yaml-locate.js';
import { pyYamlToJs } from './yaml-pyjs.js';

export type { PathSegment } from './yaml-locate.js';

/** A parsed YAML file that still knows where each of its nodes came from. */
export interface YamlSource {
  /** The plain JS value (merge keys applied); `null` for an empty or unreadable file. */
  value: unknown;
  /** 1-based line of the node at `path`, or of its nearest existing ancestor; 0 when unknown. */
  locate(path: readonly PathSegment[]): number;
  /** Read and syntax errors; `value` is `null` when there are any. */
  issues: ConfigIssue[];
}

export interface LoadYamlOptions {
  /**
   * YAML version. Default `'1.1'`: Ceilometer's files are read by PyYAML (1.1), whose merge keys
   * (`<<:`) and `True`/`False` the shipped meters.yaml and pipeline.yaml rely on.
   */
  version?: '1.1' | '1.2';
}

/** Reads and parses one file; never throws: a missing file or bad syntax becomes an issue. */
export function loadYaml(file: string, options: LoadYamlOptions = {}): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return failed([{ file, line: 0, path: '', message: `cannot read file: ${errorText(err)}` }]);
  }
  return parseYamlText(file, text, options);
}

/** Same as `loadYaml` for text already in memory (`file` only names it in issues). */
export function parseYamlText(file: string, text: string, options: LoadYamlOptions = {}): YamlSource {
  const lineCounter = new LineCounter();
  const version = options.version ?? '1.1';
  const doc = parseDocument(text, {
    version,
    merge: true,
    // PyYAML keeps the last of duplicate keys and Ceilometer Newton's event_definitions.yaml has
    // some; rejecting them would refuse a file that must load unmodified.
    uniqueKeys: false,
    ...(version === '1.1' ? { customTags: pyYamlBooleans } : {}),
    lineCounter,
    prettyErrors: false,
  });
  const issues: ConfigIssue[] = doc.errors.map((err) => ({
    file,
    line: lineCounter.linePos(err.pos[0]).line,
    path: '',
    message: err.message,
  }));
  issues.push(...unresolvedAliases(file, doc, lineCounter));
  if (issues.length > 0) return failed(issues);
  const locate = (path: readonly PathSegment[]) => locateInDocument(doc, lineCounter, path);
  try {
    // Last line of defence (alias count limit); the known failures were reported above.
    return {
      value: version === '1.1' ? pyYamlToJs(doc) : (doc.toJS({ maxAliasCount: 10_000 }) ?? null),
      locate,
      issues,
    };
  } catch (err) {
    return failed([{ file, line: 0, path: '', message: errorText(err) }]);
  }
}

const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;

/**
 * YAML 1.1 as PyYAML reads it: `y`/`n` (and `Y`/`N`) stay strings. The spec lists them as
 * booleans, but Ceilometer never saw them as such, and a meter metadata key `y:` must stay `y`.
 */
function pyYamlBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== 'object' || tag.tag !== 'tag:yaml.org,2002:bool' || !('test' in tag) || !tag.test) return tag;
    return { ...tag, test: tag.test.test('yes') ? PY_TRUE : PY_FALSE } as ScalarTag;
  });
}

/** toJS would throw on these without a position; report them with their line instead. */
function unresolvedAliases(file: string, doc: Document, lineCounter: LineCounter): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc, {
    Alias(_, node) {
      if (node.resolve(doc) !== undefined) return;
      const line = node.range ? lineCounter.linePos(node.range[0]).line : 0;
      issues.push({ file, line, path: '', message: `unresolved alias *${node.source}` });
    },
  });
  return issues;
}

function failed(issues: ConfigIssue[]): YamlSource {
  return { value: null, locate: () => 0, issues };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['sinks', 1, 'publishers', 0]` → `sinks[1].publishers[0]`; odd keys are quoted: `a["x.y"]`. */
export function pathToString(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

const PATH_TOKEN = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[\]]+)/g;

/** Inverse of `pathToString`, for paths that transformer specs report as strings. */
export function parsePath(text: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const match of text.matchAll(PATH_TOKEN)) {
    if (match[1] !== undefined) out.push(Number(match[1]));
    else if (match[2] !== undefined) out.push(JSON.parse(match[2]) as string);
    else if (match[3] !== undefined) out.push(match[3]);
  }
  return out;
}

/** Appends a relative path string (`target.scale`, `[0].x`) to an absolute one. */
export function joinPath(base: string, relative: string): string {
  if (relative === '') return base;
  if (base === '' || relative.startsWith('[')) return base + relative;
  return `${base}.${relative}`;
}
