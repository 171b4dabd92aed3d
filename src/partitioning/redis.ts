/**
 * ioredis connections for the partitioning layer, from Ceilometer-style `[coordination]
 * backend_url`s: `redis://[user:password@]host[:port][/db]`, `rediss://` for TLS. Commands fail
 * fast while Redis is down (a bounded wait instead of ioredis' endless offline queue), so the
 * membership notices an outage within a heartbeat; reconnection never gives up, with a capped delay.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { MeterflowError } from '../errors.js';
import { type Logger, redactUrls } from '../observability/logger.js';

export interface CreateRedisOptions {
  /** Shown in `CLIENT LIST`. Default `meterflow`. */
  connectionName?: string;
  /** A command not answered within this is rejected. Default 1000 ms (below the membership TTL). */
  commandTimeoutMs?: number;
  /** Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect delay (it doubles from 50 ms). Default 1000 ms. */
  maxRetryDelayMs?: number;
  /** Extra TLS options for `rediss://` (CA, client certificate). */
  tls?: ConnectionOptions;
  logger?: Logger;
}

/** A Redis URL that cannot be used; the message never contains the credentials. */
export class RedisUrlError extends MeterflowError {
  constructor(message: string) {
    super('redis_url_invalid', message);
  }
}

/**
 * TLS files named in the URL's query the way tooz (redis-py) takes them, so a Ceilometer
 * `backend_url` works as it is: `ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`.
 */
function tlsFromQuery(query: URLSearchParams): ConnectionOptions {
  const read = (name: string): Buffer | undefined => {
    const file = query.get(name);
    if (file === null || file === '') return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new RedisUrlError(`Redis URL option ${name}: cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const ca = read('ssl_ca_certs');
  const cert = read('ssl_certfile');
  const key = read('ssl_keyfile');
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/**
 * Create (not connect: `lazyConnect`) an ioredis client for `url`: `redis://` or `rediss://`,
 * `[user[:password]@]host[:port][/db]`, tooz's query options `db`, `username`, `password`,
 * `ssl` and the TLS files of `tlsFromQuery`.
 */
export function createRedis(url: string, options: CreateRedisOptions = {}): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError(`invalid Redis URL ${redactUrls(url)}`);
  }
  if (parsed.protocol !== 'rediss:' && parsed.protocol !== 'redis:') {
    throw new RedisUrlError(`Redis URL must be redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const query = parsed.searchParams;
  const tls = tlsFromQuery(query);
  const secure = parsed.protocol === 'rediss:' || query.get('ssl') === 'true' || query.get('ssl') === '1';
  const db = parsed.pathname.replace(/^\//, '') || (query.get('db') ?? '');
  if (db !== '' && !/^\d+$/.test(db)) throw new RedisUrlError(`Redis database must be a number, got "${db}"`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const maxDelay = options.maxRetryDelayMs ?? 1000;
  const logger = options.logger;
  const where = `${parsed.protocol}//${parsed.host}`;
  const redis = new Redis({
    host,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : (query.get('username') ?? undefined),
    password: parsed.password ? decodeURIComponent(parsed.password) : (query.get('password') ?? undefined),
    db: db === '' ? 0 : Number(db),
    tls: secure ? { servername: host, ...tls, ...options.tls } : undefined,
    connectionName: options.connectionName ?? 'meterflow',
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    // One retry after a reconnect, then the command fails: membership must see the outage quickly.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay),
  });
  let lastError = '';
  redis.on('error', (err: Error) => {
    // Every reconnect attempt repeats the error: log each distinct one once, never the URL's secrets.
    const message = redactUrls(err.message);
    if (message === lastError) return;
    lastError = message;
    logger?.warn({ redis: where, error: message }, 'Redis connection error');
  });
  redis.on('ready', () => {
    lastError = '';
    logger?.info({ redis: where }, 'Redis connected');
  });
  return redis;
}

/**
 * Connect a client from createRedis and check that it works; a refused login is reported as such
 * (ioredis would otherwise keep retrying a wrong password forever).
 */
export async function connectRedis(redis: Redis): Promise<void> {
  // ioredis rejects connect() with a bare "Connection is closed."; the reason (WRONGPASS,
  // ECONNREFUSED) only comes as an 'error' event, so keep the last one to report it.
  let reason: Error | undefined;
  const onError = (err: Error) => {
    reason = err;
  };
  redis.on('error', onError);
  try {
    if (redis.status === 'wait') await redis.connect();
    await redis.ping();
  } catch (err) {
    const cause = reason ?? err;
    const message = redactUrls(cause instanceof Error ? cause.message : String(cause));
    const where = `${redis.options.host}:${redis.options.port}`;
    if (/WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username/i.test(message)) {
      redis.disconnect(); // retrying a refused login cannot help
      throw new MeterflowError('redis_auth_failed', `Redis at ${where} refused the credentials: ${message}`, {
        cause,
      });
    }
    throw new MeterflowError('redis_unreachable', `Redis at ${where} unreachable: ${message}`, {
      cause,
      retriable: true,
    });
  } finally {
    redis.removeListener('error', onError);
  }
}
