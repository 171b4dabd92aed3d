/**
 * Configuration: the agent options file and the four Ceilometer files. Every loader parses,
 * validates the whole input and only then builds; problems come back as `ConfigIssue`s with
 * file, line and path, never as exceptions.
 */
export type { LoadYamlOptions, PathSegment, YamlSource } from './yaml-source.js';
export { loadYaml, pathToString } from './yaml-source.js';

export type {
  PipelineConfig,
  PipelineKind,
  PipelineLoadResult,
  PipelineRef,
  PipelineRegistries,
  PublisherConfig,
  SinkConfig,
  SourceConfig,
  TransformerConfig,
} from './pipeline-types.js';
export { loadPipelineFile, pipelineName } from './pipeline-file.js';

export type {
  DefinitionLoadResult,
  RawDefinition,
  RawEventDefinition,
  RawMeterDefinition,
} from './definition-files.js';
export { loadEventDefinitionsFile, loadMeterDefinitionFiles } from './definition-files.js';

export type { AgentOptions } from './agent-options-schema.js';
export { agentOptionsSchema, DEFAULT_CONTROL_EXCHANGES } from './agent-options-schema.js';
export type { LoadAgentOptionsInput, LoadAgentOptionsResult } from './agent-options.js';
export { loadAgentOptions } from './agent-options.js';
export type { CeilometerConf } from './ceilometer-conf.js';
export { isIniOptionsFile, loadCeilometerConf, readCeilometerConf } from './ceilometer-conf.js';
export type { ConfOption, ConfOptionKind } from './ceilometer-conf-options.js';
export { CONF_OPTIONS } from './ceilometer-conf-options.js';
export type { IniDocument, IniEntry } from './ini-parser.js';
export { parseIni } from './ini-parser.js';
export { describeOptions, redactUrl } from './redact.js';
