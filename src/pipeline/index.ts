export { PatternMatcher } from './matching.js';
export { PipelineManager } from './manager.js';
export type { BatchReport, PipelineManagerOptions, PublishGroup } from './manager.js';
export { EventPipeline, SamplePipeline } from './pipeline.js';
export { EventSink, emptyReport, SampleSink } from './sink.js';
export type { SinkReport } from './sink.js';
