/**
 * Whether Redis is reachable, from two sources: the outcome of every membership command and, when
 * given, the connection's own `close`/`ready` events (which arrive before the next heartbeat would
 * fail). The ownership layer stops consuming on `redis-down`, so it must come as early as possible.
 */
import { redactUrls, type Logger } from '../observability/logger.js';
import { type ConnectionEvents, type ConnectionStatusEvent, notify } from './membership-types.js';

/** Errors the server itself replied (a script error, WRONGTYPE): Redis is reachable. */
function isReply(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

/**
 * ioredis's `commandTimeout` firing while the connection stays open. One alone is as likely a
 * stalled event loop here (the timer runs before the reply waiting in the socket is read) as a
 * hung server, so it takes two in a row to call Redis down. Safety does not rest on this: every
 * lease has its own deadline timer.
 */
function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === 'Command timed out';
}

export class ConnectionLink {
  private up = false;
  private everUp = false;
  /** A command timed out since the last success (see isTimeout). */
  private timedOut = false;
  private readonly listeners = new Set<(event: ConnectionStatusEvent) => void>();

  private readonly onClose = () => this.failed(new Error('connection to Redis closed'));
  private readonly onReady = () => this.succeeded();

  constructor(
    private readonly events: ConnectionEvents | undefined,
    private readonly logger: Logger | undefined,
    /** Called when Redis comes back after an outage (not on the first success). */
    private readonly reconnected: () => void,
  ) {
    events?.on('close', this.onClose);
    events?.on('ready', this.onReady);
  }

  get connected(): boolean {
    return this.up;
  }

  onStatus(listener: (event: ConnectionStatusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  succeeded(): void {
    this.timedOut = false;
    if (this.up) return;
    this.up = true;
    const again = this.everUp;
    this.everUp = true;
    if (again) this.logger?.info({}, 'Redis reachable again');
    notify(this.listeners, { kind: 'redis-up' }, this.logger);
    if (again) this.reconnected();
  }

  failed(err: unknown): void {
    if (isReply(err) || !this.up) return;
    if (isTimeout(err) && !this.timedOut) {
      this.timedOut = true;
      this.logger?.warn({}, 'a Redis command timed out; Redis is called down if the next one does too');
      return;
    }
    this.up = false;
    this.timedOut = false;
    const error = redactUrls(err instanceof Error ? err.message : String(err));
    this.logger?.warn({ error }, 'Redis unreachable');
    notify(this.listeners, { kind: 'redis-down', error }, this.logger);
  }

  close(): void {
    this.events?.removeListener('close', this.onClose);
    this.events?.removeListener('ready', this.onReady);
    this.listeners.clear();
  }
}
