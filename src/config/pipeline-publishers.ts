import type { PublisherSpec } from '../publishers/types.js';
import { type IssueList, type Mapping, requireString, typeName } from './issue-list.js';
import type { PublisherConfig } from './pipeline-types.js';
import type { PathSegment } from './yaml-source.js';

/**
 * `publishers:` of one sink. Only a missing or empty list is an error (spec §2.2); a scheme
 * nobody registered is a warning and the publisher is skipped, as Ceilometer logs and skips a
 * publisher that fails to load. That is what lets Ceilometer 19's `gnocchi://` default load.
 */
export function checkPublishers(
  issues: IssueList,
  warnings: IssueList,
  sink: Mapping,
  path: readonly PathSegment[],
  registry: ReadonlyMap<string, PublisherSpec>,
): PublisherConfig[] {
  const value = sink.publishers;
  if (!('publishers' in sink) || value === null || (Array.isArray(value) && value.length === 0)) {
    issues.add('publishers' in sink ? [...path, 'publishers'] : path, 'No publisher specified');
    return [];
  }
  if (!Array.isArray(value)) {
    issues.add([...path, 'publishers'], `must be a list of publisher URLs, not ${typeName(value)}`);
    return [];
  }
  const out: PublisherConfig[] = [];
  value.forEach((raw, index) => {
    const publisher = checkPublisher(issues, warnings, raw, [...path, 'publishers', index], registry);
    if (publisher !== undefined) out.push(publisher);
  });
  return out;
}

function checkPublisher(
  issues: IssueList,
  warnings: IssueList,
  raw: unknown,
  path: readonly PathSegment[],
  registry: ReadonlyMap<string, PublisherSpec>,
): PublisherConfig | undefined {
  const text = requireString(issues, raw, path);
  if (text === undefined) return undefined;
  // Ceilometer: a publisher written without `://` is `<name>://` (`notifier` → `notifier://`).
  const url = text.includes('://') ? text : `${text}://`;
  const scheme = url.slice(0, url.indexOf('://')).toLowerCase();
  const spec = registry.get(scheme);
  if (spec === undefined) {
    const known = [...registry.keys()].sort().join(', ');
    warnings.add(path, `unknown publisher scheme '${scheme}' (known: ${known}): skipped`);
    return undefined;
  }
  const parsed = parseUrl(url);
  if (parsed === undefined) {
    // The URL itself is not repeated: it may carry credentials.
    issues.add(path, `not a valid URL for scheme '${scheme}'`);
    return undefined;
  }
  const before = issues.size;
  for (const problem of validateUrl(spec, parsed)) issues.add(path, problem.message);
  return issues.size > before ? undefined : { url, line: issues.locateLine(path) };
}

function validateUrl(spec: PublisherSpec, url: URL): { message: string }[] {
  try {
    return spec.validate(url);
  } catch (err) {
    // A validator bug must still end as a located config error, not a crash at startup.
    return [{ message: `cannot validate URL: ${err instanceof Error ? err.message : String(err)}` }];
  }
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
