import {
  ExpressionEvaluationError,
  isNumeric,
  MISSING,
  type PyValue,
  pyArith,
  pyCompare,
  type Scope,
  typeName,
} from '../expression/index.js';
import type { PyNumber } from '../model/py-float.js';
import type { Sample } from '../model/sample.js';
import type { ConversionOptions } from './conversion-params.js';
import type { TransformerContext } from './types.js';

/** The expression namespace of one sample (spec §4.1): its attributes; anything else missing. */
export function sampleScope(sample: Sample): Scope {
  return (name) => sampleAttribute(sample, name);
}

export function sampleAttribute(sample: Sample, name: string): PyValue {
  switch (name) {
    case 'name':
    case 'type':
    case 'unit':
    case 'user_id':
    case 'project_id':
    case 'resource_id':
    case 'timestamp':
    case 'source':
    case 'id':
    case 'monotonic_time':
    case 'volume':
      return sample[name];
    case 'resource_metadata':
      return sample.resource_metadata;
    default:
      return MISSING;
  }
}

/** A value used as a volume: numbers as they are, bools as ints (Python's bool is an int). */
export function asVolume(value: PyValue, what: string): PyNumber {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (isNumeric(value)) return value;
  throw new ExpressionEvaluationError(`${what} evaluated to a '${typeName(value)}', not a number`);
}

/** Ceilometer `_map`: `re.sub` result when non-empty, else `target.<attr>`, else the sample's. */
export function mapAttribute(options: ConversionOptions, sample: Sample, attr: 'name' | 'unit'): string {
  const sub = attr === 'name' ? options.mapName : options.mapUnit;
  const mapped = sub?.apply(sample[attr]);
  if (mapped) return mapped;
  return (attr === 'name' ? options.targetName : options.targetUnit) ?? sample[attr];
}

/** Ceilometer `_scale`: expression on the sample, `volume * factor`, or the volume unchanged. */
export function scaleVolume(options: ConversionOptions, sample: Sample): PyNumber {
  const { scale } = options;
  if (scale === undefined) return sample.volume;
  if (typeof scale === 'object' && 'evaluate' in scale) {
    return asVolume(scale.evaluate(sampleScope(sample)), 'scale');
  }
  return asVolume(pyArith('*', sample.volume, scale), 'scale');
}

/** Python `min(volume, max)`: returns `max` itself (with its type) only when strictly smaller. */
export function capVolume(options: ConversionOptions, volume: PyNumber): PyNumber {
  return options.max !== undefined && pyCompare('<', options.max, volume) ? options.max : volume;
}

/** A new sample as transformers create them: fresh id, configured source, no monotonic time. */
export function derivedSample(
  context: TransformerContext,
  from: Sample,
  fields: Pick<Sample, 'name' | 'unit' | 'type' | 'volume'> & Partial<Sample>,
): Sample {
  return {
    user_id: from.user_id,
    project_id: from.project_id,
    resource_id: from.resource_id,
    timestamp: from.timestamp,
    resource_metadata: from.resource_metadata,
    ...fields,
    source: context.sampleSource,
    id: context.newId(),
    monotonic_time: null,
  };
}

/** Ceilometer `ScalingTransformer._convert(s, growth)`: map, scale × growth, cap, retype. */
export function convertSample(
  options: ConversionOptions,
  context: TransformerContext,
  sample: Sample,
  growth?: PyNumber,
): Sample {
  const scaled = scaleVolume(options, sample);
  const volume = growth === undefined ? scaled : asVolume(pyArith('*', scaled, growth), 'volume');
  return derivedSample(context, sample, {
    name: mapAttribute(options, sample, 'name'),
    unit: mapAttribute(options, sample, 'unit'),
    type: options.targetType ?? sample.type,
    volume: capVolume(options, volume),
  });
}
