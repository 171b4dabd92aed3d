import { filePublisherSpec } from './file-publisher.js';
import { notifierPublisherSpec } from './notifier-publisher.js';
import { testPublisherSpec } from './test-publisher.js';
import type { Publisher, PublisherContext, PublisherSpec } from './types.js';
import {
  invalidUrlError,
  normalizePublisherUrl,
  parsePublisherUrl,
  redactUrl,
  schemeOf,
  type UrlProblem,
} from './url-options.js';

export { redactUrl };

/**
 * Every publisher meterflow knows, keyed by the URL scheme written in pipeline.yaml
 * (`publishers: [file:///var/log/samples.jsonl]`). Adding a publisher = adding its spec here.
 */
export const publisherRegistry: ReadonlyMap<string, PublisherSpec> = new Map(
  [filePublisherSpec, notifierPublisherSpec, testPublisherSpec].map((spec) => [spec.scheme, spec]),
);

/** Schemes in the order error messages list them. */
function knownSchemes(): string {
  return [...publisherRegistry.keys()].sort().join(', ');
}

type Resolved = { spec: PublisherSpec; url: URL; problems: UrlProblem[] } | { problems: UrlProblem[] };

function resolvePublisherUrl(text: string): Resolved {
  const normalized = normalizePublisherUrl(text);
  const scheme = schemeOf(normalized);
  if (scheme === undefined) {
    return { problems: [{ message: `not a publisher URL (expected scheme://…; known schemes: ${knownSchemes()})` }] };
  }
  const spec = publisherRegistry.get(scheme);
  if (spec === undefined) {
    return { problems: [{ message: `unknown publisher scheme '${scheme}' (known schemes: ${knownSchemes()})` }] };
  }
  let url: URL;
  try {
    url = parsePublisherUrl(normalized);
  } catch {
    return { problems: [{ message: 'not a valid URL' }] };
  }
  return { spec, url, problems: spec.validate(url) };
}

/**
 * Every problem with a publisher URL as written in pipeline.yaml, without creating anything:
 * unknown scheme, unparsable URL, the publisher's own option checks. Empty when it is usable.
 * The config loader adds file, line and path to each message.
 */
export function validatePublisherUrl(text: string): UrlProblem[] {
  return resolvePublisherUrl(text).problems;
}

/**
 * Builds the publisher for a URL as written in pipeline.yaml. A bare name (`test`) means
 * `<name>://`. Throws a ConfigError naming the redacted URL and every problem (an unknown
 * scheme lists the known ones); the publisher's `target` is the URL without credentials.
 */
export function createPublisher(text: string, context: PublisherContext): Publisher {
  const resolved = resolvePublisherUrl(text);
  if (resolved.problems.length > 0 || !('spec' in resolved)) {
    throw invalidUrlError(normalizePublisherUrl(text), resolved.problems);
  }
  return resolved.spec.create(resolved.url, context);
}
