import { MeterflowError } from '../errors.js';
import { redactUrls } from '../observability/logger.js';

/** One broker of a transport URL, in the form amqplib's `connect()` takes (never logged as is). */
export interface AmqpEndpoint {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
}

/** A parsed oslo `transport_url`: the brokers in failover order and their common options. */
export interface TransportUrl {
  endpoints: AmqpEndpoint[];
  vhost: string;
  /** Query options (`?ssl=1&heartbeat=30`), kept for the transport to read. */
  query: Record<string, string>;
  /** The URL with user-info redacted, safe for logs and errors. */
  describe(): string;
}

const SCHEMES: Record<string, 'amqp' | 'amqps'> = {
  rabbit: 'amqp',
  amqp: 'amqp',
  amqps: 'amqps',
  'rabbit+ssl': 'amqps',
};

const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);

/** redactUrls only knows `scheme://user@`: a URL missing its scheme must not leak either. */
function safe(url: string): string {
  const redacted = redactUrls(url);
  return redacted.includes('://') ? redacted : redacted.replace(/^.*@/, '***@');
}

function invalid(url: string, why: string): MeterflowError {
  return new MeterflowError('transport_url_invalid', `invalid transport URL ${safe(url)}: ${why}`);
}

function decode(url: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(url, 'bad percent-encoding');
  }
}

/** `host`, `host:port`, `[v6]` or `[v6]:port` → hostname and port (0 when absent). */
function splitHostPort(url: string, text: string): { hostname: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(text);
  const plain = /^([^:[\]]*)(?::(\d*))?$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) throw invalid(url, `bad host "${text}"`);
  const port = match[2] ? Number(match[2]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid(url, `bad port in "${text}"`);
  return { hostname: match[1] || 'localhost', port };
}

/**
 * oslo's vhost rule: the path after the hosts, percent-decoded; an empty path means the
 * broker's default vhost `/` (so `rabbit://h/` and `rabbit://h` are the same, `%2F` is `/`).
 */
function parseVhost(url: string, path: string): string {
  const raw = path.startsWith('/') ? path.slice(1) : path;
  return raw === '' ? '/' : decode(url, raw);
}

function parseQuery(url: string, text: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(url, eq < 0 ? part : part.slice(0, eq));
    query[key] = eq < 0 ? '' : decode(url, part.slice(eq + 1).replace(/\+/g, ' '));
  }
  return query;
}

/**
 * Parse `rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost?opts` (also `amqp://`,
 * `amqps://`). A host without user-info takes the previous host's credentials, as oslo's
 * driver falls back to one set of credentials; without any, `guest`/`guest`.
 */
export function parseTransportUrl(url: string): TransportUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i.exec(url.trim());
  if (!m) throw invalid(url, 'expected scheme://[user:pass@]host[:port][,...]/[vhost][?options]');
  const scheme = m[1]!.toLowerCase();
  const query = parseQuery(url, m[4] ?? '');
  const base = SCHEMES[scheme];
  if (!base) throw invalid(url, `unsupported scheme "${scheme}" (rabbit, amqp, amqps)`);
  const protocol = base === 'amqps' || TRUE_VALUES.has((query.ssl ?? '').toLowerCase()) ? 'amqps' : 'amqp';
  const vhost = parseVhost(url, m[3] ?? '');
  let username = 'guest';
  let password = 'guest';
  const endpoints = (m[2] ?? '').split(',').map((netloc): AmqpEndpoint => {
    const at = netloc.lastIndexOf('@');
    if (at >= 0) {
      const userInfo = netloc.slice(0, at);
      const colon = userInfo.indexOf(':');
      username = decode(url, colon < 0 ? userInfo : userInfo.slice(0, colon));
      password = colon < 0 ? '' : decode(url, userInfo.slice(colon + 1));
    }
    const { hostname, port } = splitHostPort(url, netloc.slice(at + 1));
    return { protocol, hostname, port: port || (protocol === 'amqps' ? 5671 : 5672), username, password, vhost };
  });
  const described = describeEndpoints(endpoints, m[3] ?? '');
  return { endpoints, vhost, query, describe: () => described };
}

function describeEndpoints(endpoints: AmqpEndpoint[], path: string): string {
  const scheme = endpoints[0]?.protocol ?? 'amqp';
  const hosts = endpoints.map((e) => `***@${e.hostname.includes(':') ? `[${e.hostname}]` : e.hostname}:${e.port}`);
  return `${scheme}://${hosts.join(',')}${path || '/'}`;
}

/** One endpoint for logs: `amqp://***@host:5672/vhost`. */
export function describeEndpoint(e: AmqpEndpoint): string {
  const host = e.hostname.includes(':') ? `[${e.hostname}]` : e.hostname;
  return `${e.protocol}://***@${host}:${e.port}/${encodeURIComponent(e.vhost)}`;
}
