export type { ConfigFlags, LoadedConfig } from './load-config.js';
export { loadConfig, PACKAGED_CONFIG_DIR } from './load-config.js';
export type { ReplayOptions, ReplayStats } from './replay.js';
export { Replayer } from './replay.js';
