/**
 * redlock@5.0.0-beta.2 ships `dist/index.d.ts`, but its `exports` map has no `types` condition, so
 * NodeNext resolution cannot find it. This declares only what src/partitioning/lease-redlock.ts
 * uses; keep it in step with that file rather than with the whole library.
 */
declare module 'redlock' {
  import { EventEmitter } from 'node:events';
  import type { Redis } from 'ioredis';

  export interface Settings {
    readonly driftFactor: number;
    readonly retryCount: number;
    readonly retryDelay: number;
    readonly retryJitter: number;
    readonly automaticExtensionThreshold: number;
  }

  /** Votes of one attempt; `votesAgainst` maps each refusing client to its error. */
  export interface ExecutionStats {
    readonly membershipSize: number;
    readonly quorumSize: number;
    readonly votesFor: Set<Redis>;
    readonly votesAgainst: Map<Redis, Error>;
  }

  export interface ExecutionResult {
    attempts: readonly Promise<ExecutionStats>[];
  }

  /** No quorum within the retry window; `attempts` says why each attempt failed. */
  export class ExecutionError extends Error {
    readonly attempts: readonly Promise<ExecutionStats>[];
  }

  /** A client refused because another value holds (or no longer holds) the resource. */
  export class ResourceLockedError extends Error {}

  export class Lock {
    readonly resources: string[];
    readonly value: string;
    /** Local time (ms) after which the lock must be considered expired. */
    expiration: number;
    release(): Promise<ExecutionResult>;
    extend(duration: number): Promise<Lock>;
  }

  export default class Redlock extends EventEmitter {
    constructor(clients: Iterable<Redis>, settings?: Partial<Settings>);
    acquire(resources: string[], duration: number, settings?: Partial<Settings>): Promise<Lock>;
    extend(existing: Lock, duration: number, settings?: Partial<Settings>): Promise<Lock>;
    release(lock: Lock, settings?: Partial<Settings>): Promise<ExecutionResult>;
  }
}
