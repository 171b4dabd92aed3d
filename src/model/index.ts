/** Public surface of the data model: samples, events, Python-compatible values and signing. */
export * from './clock.js';
export * from './event.js';
export * from './message-lines.js';
export * from './metering.js';
export * from './py-float.js';
export * from './py-json.js';
export * from './py-str.js';
export * from './sample.js';
export * from './shared-dict.js';
export * from './signature.js';
export * from './time.js';
export * from './volume.js';
