import type { AgentOptions } from './agent-options-schema.js';

const MASK = '***';

/** Query parameters that carry secrets (`redis://host?password=x`, tooz style). */
const SECRET_PARAM = /^(password|passwd|pass|secret|token|sentinel_password)$/i;

/**
 * A copy of the options that is safe to log: passwords in URLs and `telemetry_secret` are
 * replaced by `***`. URLs are rewritten textually because oslo transport URLs may list several
 * hosts (`rabbit://u:p@h1,u:p@h2/`), which the WHATWG URL parser rejects.
 */
export function describeOptions(options: AgentOptions): AgentOptions {
  const out = structuredClone(options);
  out.DEFAULT.transport_url = redactUrl(out.DEFAULT.transport_url);
  out.notification.messaging_urls = out.notification.messaging_urls.map(redactUrl);
  if (out.coordination.backend_url !== null) out.coordination.backend_url = redactUrl(out.coordination.backend_url);
  out.publisher.telemetry_secret = MASK;
  return out;
}

/** `rabbit://user:pw@host/` → `rabbit://user:***@host/`; a user without password is masked whole. */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd < 0) return url;
  const start = schemeEnd + 3;
  const rest = url.slice(start);
  const authorityEnd = firstIndex(rest, ['/', '?', '#']);
  const authority = rest.slice(0, authorityEnd).split(',').map(redactHost).join(',');
  return url.slice(0, start) + authority + redactQuery(rest.slice(authorityEnd));
}

function redactHost(host: string): string {
  const at = host.lastIndexOf('@');
  if (at < 0) return host;
  const userInfo = host.slice(0, at);
  const colon = userInfo.indexOf(':');
  const masked = colon < 0 ? MASK : `${userInfo.slice(0, colon)}:${MASK}`;
  return `${masked}${host.slice(at)}`;
}

function redactQuery(tail: string): string {
  const q = tail.indexOf('?');
  if (q < 0) return tail;
  const hash = tail.indexOf('#', q);
  const query = tail.slice(q + 1, hash < 0 ? undefined : hash);
  const params = query.split('&').map((param) => {
    const eq = param.indexOf('=');
    return eq > 0 && SECRET_PARAM.test(param.slice(0, eq)) ? `${param.slice(0, eq)}=${MASK}` : param;
  });
  return `${tail.slice(0, q + 1)}${params.join('&')}${hash < 0 ? '' : tail.slice(hash)}`;
}

function firstIndex(text: string, chars: readonly string[]): number {
  const found = chars.map((c) => text.indexOf(c)).filter((i) => i >= 0);
  return found.length === 0 ? text.length : Math.min(...found);
}
