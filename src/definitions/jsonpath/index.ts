/**
 * Ceilometer's jsonpath dialect (jsonpath-rw + jsonpath-rw-ext) as meters.yaml and
 * event_definitions.yaml use it: compiled once, evaluated per notification.
 */
export { compileJsonPath, compileJsonPathUnion, firstValue, looksLikeJsonPath } from './compile.js';
export { JsonPathSyntaxError } from './errors.js';
export type { JsonPath, JsonPathMatch } from './types.js';
