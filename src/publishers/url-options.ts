/**
 * Publisher URL helpers shared by the registry and the publishers. Kept apart from
 * `registry.ts` so that a publisher can use them without importing the registry that imports it.
 */

import { ConfigError } from '../errors.js';
import { redactUrl } from '../config/redact.js';

/** A validation problem as `PublisherSpec.validate` returns it. */
export interface UrlProblem {
  message: string;
}

const SCHEME_PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const BARE_NAME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

/**
 * The configured text of every URL built by `parsePublisherUrl`. WHATWG parsing of `file:` URLs
 * is lossy for our purposes (`file:out.jsonl` becomes `file:///out.jsonl`, `file://Logs/x`
 * becomes `file://logs/x`), so publishers that care about the exact text read it back from here.
 * A WeakMap lets the URL objects be collected with the publishers that hold them.
 */
const configuredText = new WeakMap<URL, string>();

/**
 * Completes a publisher reference as pipeline.yaml allows writing it: a bare name (`test`,
 * `notifier`) means `<name>://`; anything else must start with `scheme:`.
 */
export function normalizePublisherUrl(text: string): string {
  const trimmed = text.trim();
  return BARE_NAME.test(trimmed) ? `${trimmed}://` : trimmed;
}

/** The lower-cased scheme of a (normalised) publisher URL, or undefined when it has none. */
export function schemeOf(text: string): string | undefined {
  return SCHEME_PREFIX.exec(text)?.[1]?.toLowerCase();
}

/** Parses a normalised publisher URL, remembering its configured text; throws TypeError. */
export function parsePublisherUrl(text: string): URL {
  const url = new URL(text);
  configuredText.set(url, text);
  return url;
}

/** The text a URL was configured with (its `href` when it did not come from this module). */
export function configuredUrlText(url: URL): string {
  return configuredText.get(url) ?? url.href;
}

/** The URL safe to log and to show: the one redaction rule of the configuration code. */
export { redactUrl };

/**
 * The query options of a publisher URL, last value winning as with Ceilometer's `parse_qs`.
 */
export function urlOptions(url: URL): Map<string, string> {
  const options = new Map<string, string>();
  for (const [key, value] of url.searchParams) options.set(key, value);
  return options;
}

/** One problem per option that the publisher does not know, naming the ones it does. */
export function unknownOptionProblems(options: ReadonlyMap<string, string>, known: readonly string[]): UrlProblem[] {
  const allowed = known.length > 0 ? known.join(', ') : 'none';
  return [...options.keys()]
    .filter((key) => !known.includes(key))
    .map((key) => ({ message: `unknown option '${key}' (known options: ${allowed})` }));
}

/** A non-negative decimal integer, or undefined when the text is anything else. */
export function parseCount(text: string): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The error for a URL with problems, each named by the (redacted) URL it came from. */
export function invalidUrlError(url: URL | string, problems: readonly UrlProblem[]): ConfigError {
  const file = redactUrl(typeof url === 'string' ? url : configuredUrlText(url));
  return new ConfigError(problems.map((p) => ({ file, line: 0, path: '', message: p.message })));
}
