import type { Redis } from 'ioredis';
import Redlock, { ExecutionError, type Lock, ResourceLockedError } from 'redlock';
import { type HeldLock, type LockDriver, LockRefusedError } from './lease-renewer.js';

export interface RedlockDriverOptions {
  /**
   * Extra acquisition attempts when the lock is taken. Default 0: the coordinator decides when
   * to try again, a lease acquisition should not hold it up.
   */
  retryCount?: number;
  /** Between acquisition attempts (ms). Default 200. */
  retryDelayMs?: number;
  /** Random ± added to the delay (ms). Default 100. */
  retryJitterMs?: number;
}

/**
 * redlock behind the small LockDriver interface. Redlock reports every failure as an
 * ExecutionError; we split "Redis refused" (the lock belongs to someone else, or is gone:
 * LockRefusedError, final) from transport errors (worth retrying until the lease deadline).
 */
export function redlockDriver(clients: Redis | readonly Redis[], options: RedlockDriverOptions = {}): LockDriver {
  const redlock = new Redlock(Array.isArray(clients) ? clients : [clients as Redis], {
    retryCount: options.retryCount ?? 0,
    retryDelay: options.retryDelayMs ?? 200,
    retryJitter: options.retryJitterMs ?? 100,
  });
  return {
    async acquire(resource, ttlMs) {
      try {
        return heldLock(redlock, await redlock.acquire([resource], ttlMs));
      } catch (error) {
        throw await classify(error);
      }
    },
  };
}

function heldLock(redlock: Redlock, acquired: Lock): HeldLock {
  let lock = acquired;
  return {
    async extend(ttlMs) {
      try {
        // A single attempt: the renewer owns the retry policy and its deadline.
        lock = await redlock.extend(lock, ttlMs, { retryCount: 0 });
      } catch (error) {
        throw await classify(error);
      }
    },
    async release() {
      try {
        await redlock.release(lock, { retryCount: 0 });
      } catch (error) {
        const classified = await classify(error);
        // Refused means the key is not ours any more: it is released already.
        if (!(classified instanceof LockRefusedError)) throw classified;
      }
    },
  };
}

async function classify(error: unknown): Promise<unknown> {
  if (!(error instanceof ExecutionError)) return error;
  const last = error.attempts.at(-1);
  // No attempt at all: redlock found the lock expired locally before asking Redis.
  if (last === undefined) return new LockRefusedError(error.message, { cause: error });
  const stats = await last;
  const reasons = [...stats.votesAgainst.values()];
  if (reasons.length > 0 && reasons.every((reason) => reason instanceof ResourceLockedError)) {
    return new LockRefusedError(reasons[0]?.message ?? error.message, { cause: error });
  }
  return new Error(`redlock: ${reasons.map((r) => r.message).join('; ') || error.message}`, { cause: error });
}
