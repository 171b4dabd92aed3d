import type { Logger } from '../observability/logger.js';

/**
 * Run `stop` and wait for it at most `ms` milliseconds (0: as long as it takes, as cotyledon
 * does with `graceful_shutdown_timeout = 0`). Resolves `true` when it finished, `false` (logged
 * as an error) when the time ran out first: a stop that waits for an unreachable broker would
 * otherwise never end. Giving up loses nothing, since the deliveries still unacked are redelivered.
 */
export async function stopWithin(stop: () => Promise<void>, ms: number, logger: Logger): Promise<boolean> {
  const stopping = stop();
  if (ms <= 0) {
    await stopping;
    return true;
  }
  // A stop that fails after we gave up must not become an unhandled rejection.
  stopping.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    const stopped = await Promise.race([stopping.then(() => true as const), expired]);
    if (!stopped) {
      const seconds = ms / 1000;
      logger.error(
        { graceful_shutdown_timeout: seconds },
        `graceful shutdown timed out after ${seconds}s; exiting without acking the in-flight batch: RabbitMQ redelivers it`,
      );
    }
    return stopped;
  } finally {
    clearTimeout(timer);
  }
}
