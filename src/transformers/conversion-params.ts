import { compileExpression, type Expression, ExpressionSyntaxError } from '../expression/index.js';
import { PyFloat, type PyNumber } from '../model/py-float.js';
import { SAMPLE_TYPES, type SampleType } from '../model/sample.js';
import { compilePySub, type PySub, parseTemplate, translatePattern } from '../model/py-regex.js';
import { checkKeys, type Issue, join, mapping, numberValue, optionalString, type Params } from './validate-params.js';

/** `source`/`target` of the conversion transformers (spec §4.3–4.4), ready to run. */
export interface ConversionOptions {
  /** `source.unit`: only samples with this unit are converted by `unit_conversion`. */
  sourceUnit: string | undefined;
  /** `re.sub(map_from.<attr>, map_to.<attr>, ·)` when both are set. */
  mapName: PySub | undefined;
  mapUnit: PySub | undefined;
  targetName: string | undefined;
  targetUnit: string | undefined;
  /** Output type; default: the input sample's type. */
  targetType: SampleType | undefined;
  /** `target.scale`: an expression, a factor, or undefined (falsy: volume unchanged). */
  scale: Expression | PyNumber | undefined;
  /** `target.max` when truthy: `min(volume, max)` after scaling. */
  max: PyNumber | undefined;
}

export const SOURCE_KEYS = ['unit', 'map_from'] as const;
export const TARGET_KEYS = ['name', 'unit', 'type', 'scale', 'max', 'map_to'] as const;
const MAP_KEYS = ['name', 'unit'];

/** Numbers as written in YAML (plain, PyFloat, bigint); anything else undefined. */
export function pyNumberParam(value: unknown): PyNumber | undefined {
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof PyFloat) return value;
  const n = numberValue(value);
  return n === undefined ? undefined : new PyFloat(n);
}

export function parseScale(value: unknown, path: string, issues: Issue[]): Expression | PyNumber | undefined {
  if (value === undefined || value === null || value === '' || value === false) return undefined;
  if (typeof value === 'string') {
    try {
      return compileExpression(value);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      issues.push({ path, message: `cannot parse expression: ${err.message}` });
      return undefined;
    }
  }
  const factor = pyNumberParam(value);
  if (factor === undefined) issues.push({ path, message: 'must be a number or an expression string' });
  return factor !== undefined && Number(factor.valueOf()) !== 0 ? factor : undefined;
}

function parseMapSub(from: Params, to: Params, attr: string, issues: Issue[]): PySub | undefined {
  const pattern = from[attr];
  const template = to[attr];
  if (!pattern || !template || typeof pattern !== 'string' || typeof template !== 'string') return undefined;
  let groups: { count: number; names: Set<string> };
  try {
    const { source, flags } = translatePattern(pattern);
    const match = new RegExp(`${source}|`, flags.replace('g', '')).exec('');
    groups = { count: (match?.length ?? 1) - 1, names: new Set(Object.keys(match?.groups ?? {})) };
  } catch (err) {
    issues.push({ path: `source.map_from.${attr}`, message: `invalid regular expression: ${(err as Error).message}` });
    return undefined;
  }
  try {
    parseTemplate(template, groups.count, groups.names);
  } catch (err) {
    issues.push({ path: `target.map_to.${attr}`, message: `invalid replacement: ${(err as Error).message}` });
    return undefined;
  }
  return compilePySub(pattern, template);
}

function parseMap(params: Params, key: string, path: string, issues: Issue[]): Params {
  const map = mapping(params, key, path, issues);
  checkKeys(map, MAP_KEYS, join(path, key), issues);
  for (const attr of MAP_KEYS) optionalString(map, attr, join(path, key), issues);
  return map;
}

function parseType(target: Params, issues: Issue[]): SampleType | undefined {
  const type = target.type;
  if (type === undefined) return undefined;
  if (SAMPLE_TYPES.includes(type as SampleType)) return type as SampleType;
  issues.push({ path: 'target.type', message: `must be one of ${SAMPLE_TYPES.join(', ')}` });
  return undefined;
}

function parseMax(target: Params, issues: Issue[]): PyNumber | undefined {
  if (target.max === undefined || target.max === null) return undefined;
  const max = pyNumberParam(target.max);
  if (max === undefined) issues.push({ path: 'target.max', message: 'must be a number' });
  return max !== undefined && Number(max.valueOf()) !== 0 ? max : undefined;
}

/** Parse `source` and `target` of `parameters` (keys beyond the known ones are issues). */
export function parseConversion(params: Params, issues: Issue[]): ConversionOptions {
  const source = mapping(params, 'source', '', issues);
  const target = mapping(params, 'target', '', issues);
  checkKeys(source, SOURCE_KEYS, 'source', issues);
  checkKeys(target, TARGET_KEYS, 'target', issues);
  const mapFrom = parseMap(source, 'map_from', 'source', issues);
  const mapTo = parseMap(target, 'map_to', 'target', issues);
  return {
    sourceUnit: optionalString(source, 'unit', 'source', issues),
    mapName: parseMapSub(mapFrom, mapTo, 'name', issues),
    mapUnit: parseMapSub(mapFrom, mapTo, 'unit', issues),
    targetName: optionalString(target, 'name', 'target', issues),
    targetUnit: optionalString(target, 'unit', 'target', issues),
    targetType: parseType(target, issues),
    scale: parseScale(target.scale, 'target.scale', issues),
    max: parseMax(target, issues),
  };
}
