export type { ConfigFlags, LoadedConfig } from './load-config.js';
export { loadConfig, PACKAGED_CONFIG_DIR } from './load-config.js';
export type { ReplayOptions, ReplayStats } from './replay.js';
export { Replayer } from './replay.js';
export { Agent, DEAD_LETTER, listenerOptions, MAX_RETRIES, RETRY, retryBackoffMs } from './agent.js';
export { createIngestHandler } from './ingest.js';
export type { IngestOptions } from './ingest.js';
export { isAuthFailure } from './partitioned/partitioned.js';
