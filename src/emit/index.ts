/**
 * `meterflow emit`: a load generator publishing oslo notifications like real OpenStack services
 * (a JSONL file or the synthetic `polling` scenario). This file is the folder's public surface.
 */
export { type EmitOptions, type EmitStats, runEmitter } from './emitter.js';
export { type EmitMessage, messageFromLine, NOTIFICATION_TOPIC, notificationMessage } from './message.js';
export { POLLED_METERS, type SimulatedInstance } from './polling-instance.js';
export {
  DEFAULT_SCENARIO_START,
  DEFAULT_TELEMETRY_SECRET,
  PollingScenario,
  type PollingScenarioOptions,
  type ScenarioNotification,
} from './polling-scenario.js';
export { SeededRandom } from './random.js';
export { AmqpEmitSink, type EmitSink, LineEmitSink } from './sinks.js';
export { type LineSourceOptions, lineMessages, scenarioMessages } from './sources.js';
