import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { MeterflowError } from '../errors.js';
import { type Logger, redactUrls } from '../observability/logger.js';
import { AmqpConfirmPublisher } from './confirm-publisher.js';
import type { TlsOptions, TransportOptions } from './types.js';
import { type AmqpEndpoint, type TransportUrl, describeEndpoint, parseTransportUrl } from './url.js';

/** Called with every new connection (the first one and each one after a loss). */
export type ConnectHook = (connection: ChannelModel) => void;

/** amqplib's default frame size (4 KiB) splits every notification; RabbitMQ's own default is 128 KiB. */
const FRAME_MAX = 0x20000;

/** A cancellable delay, so `close()` does not wait out a reconnect backoff. */
function delay(ms: number, cancel: { wake?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    cancel.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

function tlsSocketOptions(tls: TlsOptions | undefined): Record<string, unknown> {
  if (!tls) return {};
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  return {
    ca: tls.caFile ? [read(tls.caFile)] : undefined,
    cert: read(tls.certFile),
    key: read(tls.keyFile),
    rejectUnauthorized: tls.verify ?? true,
  };
}

/** oslo's `ssl = true`: TLS to every host, whatever the URL's scheme says. */
function withTls(url: TransportUrl, force: boolean): TransportUrl {
  if (!force || url.endpoints.every((e) => e.protocol === 'amqps')) return url;
  const described = url.describe().replace(/^amqp:/, 'amqps:');
  return {
    ...url,
    endpoints: url.endpoints.map((e) => ({ ...e, protocol: 'amqps' as const })),
    describe: () => described,
  };
}

/**
 * One oslo transport: a single AMQP connection kept alive across broker restarts, with failover
 * over the URL's hosts and exponential reconnect backoff. Users register `onConnect` hooks to
 * rebuild their channels on each new connection.
 */
export class AmqpTransport {
  readonly description: string;
  private readonly url: TransportUrl;
  private readonly logger: Logger;
  private readonly socketOptions: Record<string, unknown>;
  private readonly hooks = new Set<ConnectHook>();
  private current: ChannelModel | undefined;
  private connecting: Promise<ChannelModel> | undefined;
  private nextEndpoint = 0;
  private closed = false;
  private readonly sleeper: { wake?: () => void } = {};

  constructor(private readonly options: TransportOptions) {
    this.url = withTls(parseTransportUrl(options.url), options.tls?.enabled === true);
    this.description = this.url.describe();
    this.logger = options.logger.child({ transport: this.description });
    this.socketOptions = {
      ...tlsSocketOptions(options.tls),
      clientProperties: { connection_name: options.name ?? 'meterflow' },
    };
  }

  get connected(): boolean {
    return this.current !== undefined;
  }

  /** Whether `connection` is still the live connection (not lost, not replaced). */
  isCurrent(connection: ChannelModel): boolean {
    return this.current === connection;
  }

  /** The live connection, or the next one (connecting, with retries, until `close()`). */
  connection(): Promise<ChannelModel> {
    if (this.closed) return Promise.reject(new MeterflowError('transport_closed', `${this.description} is closed`));
    if (this.current) return Promise.resolve(this.current);
    this.connecting ??= this.connectLoop().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Register a hook for every new connection; it is also called at once if connected now. */
  onConnect(hook: ConnectHook): () => void {
    this.hooks.add(hook);
    if (this.current) hook(this.current);
    return () => this.hooks.delete(hook);
  }

  /** A publisher with publisher confirms on its own confirm channel of this transport. */
  publisher(options: { maxInFlight?: number } = {}): AmqpConfirmPublisher {
    return new AmqpConfirmPublisher(this, this.logger, options.maxInFlight ?? 1000);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sleeper.wake?.();
    const conn = this.current;
    this.current = undefined;
    await conn?.close().catch(() => undefined);
  }

  private async connectLoop(): Promise<ChannelModel> {
    const initial = this.options.reconnectInitialMs ?? 100;
    const max = this.options.reconnectMaxMs ?? 5000;
    let backoff = initial;
    for (;;) {
      const endpoint = this.url.endpoints[this.nextEndpoint % this.url.endpoints.length]!;
      try {
        const conn = await this.open(endpoint);
        if (this.closed) await conn.close().catch(() => undefined);
        if (this.closed) throw new MeterflowError('transport_closed', `${this.description} is closed`);
        this.adopt(conn, endpoint);
        return conn;
      } catch (err) {
        if (this.closed) throw new MeterflowError('transport_closed', `${this.description} is closed`);
        this.logger.warn(
          { endpoint: describeEndpoint(endpoint), error: redactUrls(String(err)), retryInMs: backoff },
          'AMQP connect failed',
        );
        this.nextEndpoint += 1;
        await delay(backoff, this.sleeper);
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  private open(endpoint: AmqpEndpoint): Promise<ChannelModel> {
    return amqp.connect(
      { ...endpoint, heartbeat: this.options.heartbeat ?? 30, frameMax: FRAME_MAX },
      {
        ...this.socketOptions,
        servername: endpoint.hostname,
      },
    );
  }

  /** Make `conn` current, watch for its loss, and run the hooks. */
  private adopt(conn: ChannelModel, endpoint: AmqpEndpoint): void {
    this.current = conn;
    this.logger.info({ endpoint: describeEndpoint(endpoint) }, 'AMQP connected');
    conn.on('error', (err: unknown) => {
      this.logger.warn({ error: redactUrls(String(err)) }, 'AMQP connection error');
    });
    conn.on('blocked', (reason: unknown) => this.logger.warn({ reason: String(reason) }, 'AMQP connection blocked'));
    conn.on('unblocked', () => this.logger.info({}, 'AMQP connection unblocked'));
    conn.on('close', () => {
      if (this.current !== conn) return;
      this.current = undefined;
      if (this.closed) return;
      this.logger.warn({}, 'AMQP connection lost; reconnecting');
      this.connection().catch(() => undefined);
    });
    for (const hook of [...this.hooks]) {
      try {
        hook(conn);
      } catch (err) {
        this.logger.error({ error: redactUrls(String(err)) }, 'connect hook failed');
      }
    }
  }
}
