import { ExpressionEvaluationError, isNumeric, MISSING, type PyDict, toFloat, typeName } from '../expression/index.js';
import { pyFloat } from '../model/py-float.js';
import { SAMPLE_TYPES, type Sample, type SampleType } from '../model/sample.js';
import type { Logger } from '../observability/logger.js';
import { type ArithmeticExpr, parseArithmeticExpr } from './arithmetic-expr.js';
import { derivedSample } from './conversion.js';
import { EntryStore } from './entry-store.js';
import { decodeSample, encodeSample } from './state-codec.js';
import { makeState, openState } from './state-envelope.js';
import type { StateValue, Transformer, TransformerContext, TransformerSpec, TransformerState } from './types.js';
import {
  checkKeys,
  type Issue,
  mapping,
  optionalString,
  orThrow,
  type Params,
  type Parsed,
} from './validate-params.js';

const NAME = 'arithmetic';

/** Parsed `arithmetic` parameters (spec §4.8). */
export interface ArithmeticOptions {
  expr: ArithmeticExpr;
  /** Output name/unit/type; default: the reference meter's (first one referenced in `expr`). */
  name: string | undefined;
  unit: string | undefined;
  type: SampleType | undefined;
}

function parse(params: Params): Parsed<ArithmeticOptions> {
  const issues: Issue[] = [];
  checkKeys(params, ['target'], '', issues);
  const target = mapping(params, 'target', '', issues);
  checkKeys(target, ['name', 'unit', 'type', 'expr'], 'target', issues);
  const type = target.type;
  if (type !== undefined && !SAMPLE_TYPES.includes(type as SampleType)) {
    issues.push({ path: 'target.type', message: `must be one of ${SAMPLE_TYPES.join(', ')}` });
  }
  const text = optionalString(target, 'expr', 'target', issues) ?? '';
  return {
    options: {
      expr: parseArithmeticExpr(text, 'target.expr', issues),
      name: optionalString(target, 'name', 'target', issues),
      unit: optionalString(target, 'unit', 'target', issues),
      type: SAMPLE_TYPES.includes(type as SampleType) ? (type as SampleType) : undefined,
    },
    issues,
  };
}

/** Cached samples of one resource, by escaped meter name; `released`: ids of the last emission. */
interface ResourceEntry {
  meters: Map<string, Sample>;
  released: string[];
}

function sampleDict(sample: Sample): PyDict {
  const { name, type, unit, volume, user_id, project_id, resource_id, timestamp, source, id } = sample;
  const { resource_metadata, monotonic_time } = sample;
  return {
    name,
    type,
    unit,
    volume,
    user_id,
    project_id,
    resource_id,
    timestamp,
    resource_metadata,
    source,
    id,
    monotonic_time,
  };
}

/**
 * Ceilometer's ArithmeticTransformer: caches the latest sample of each referenced meter per
 * resource and, on flush, evaluates `expr` for every resource that has them all.
 */
export class ArithmeticTransformer implements Transformer {
  readonly name = NAME;
  readonly groupingKeys = ['resource_id'];
  private readonly logger: Logger;
  private readonly cache: EntryStore<ResourceEntry>;
  private readonly required: Set<string>;
  private readonly reference: string | undefined;
  /** Keys of resources holding every required meter (flush looks only at these). */
  private readonly complete = new Set<string>();
  private latestTimestamp: string | null = null;

  constructor(
    private readonly options: ArithmeticOptions,
    private readonly context: TransformerContext,
  ) {
    this.logger = context.logger.child({ transformer: NAME });
    this.required = new Set(options.expr.escaped.values());
    this.reference = [...this.required][0];
    if (this.reference === undefined) {
      this.logger.warn({ expr: options.expr.text }, 'Arithmetic transformer must use at least one meter in expression');
    }
    this.cache = new EntryStore(context, {
      evictable: true,
      codec: {
        encode: (e) => ({ m: [...e.meters].map(([k, s]) => [k, encodeSample(s)]), r: e.released }),
        decode: (v) => {
          const o = v as { m: [string, StateValue][]; r: string[] };
          return { meters: new Map(o.m.map(([k, s]) => [k, decodeSample(s)])), released: o.r.map(String) };
        },
      },
    });
  }

  handle(sample: Sample): Sample | null {
    this.cache.sweep();
    this.latestTimestamp = sample.timestamp;
    const escaped = this.options.expr.escaped.get(sample.name);
    if (escaped === undefined || this.reference === undefined) return null;
    const key = JSON.stringify(sample.resource_id);
    const entry = this.cache.get(key);
    if (entry?.meters.get(escaped)?.id === sample.id || entry?.released.includes(sample.id)) {
      this.logger.debug({ id: sample.id }, 'ignoring replayed sample');
      return null;
    }
    // A resource emptied by a flush starts again at the end, like Ceilometer's popped dict key.
    if (entry !== undefined && entry.meters.size === 0) this.cache.delete(key);
    const next = entry?.meters.size ? entry : { meters: new Map<string, Sample>(), released: entry?.released ?? [] };
    next.meters.set(escaped, sample);
    this.cache.set(key, next);
    if (next.meters.size === this.required.size) this.complete.add(key);
    return null;
  }

  flush(): Sample[] {
    this.cache.sweep();
    const ready = [...this.complete].filter((key) => this.cache.get(key) !== undefined);
    ready.sort((a, b) => (this.cache.seqOf(a) ?? 0) - (this.cache.seqOf(b) ?? 0));
    this.complete.clear();
    const out: Sample[] = [];
    for (const key of ready) {
      const entry = this.cache.get(key) as ResourceEntry;
      const result = this.calculate(entry);
      if (result !== null) out.push(result);
      // Keep the ids just used, so a replay of them cannot emit again.
      this.cache.set(key, { meters: new Map(), released: [...entry.meters.values()].map((s) => s.id) });
    }
    return out;
  }

  private calculate(entry: ResourceEntry): Sample | null {
    const { expression } = this.options.expr;
    const ref = entry.meters.get(this.reference ?? '');
    if (expression === undefined || ref === undefined) return null;
    try {
      const value = expression.evaluate((name) => {
        const sample = entry.meters.get(name);
        return sample === undefined ? MISSING : sampleDict(sample);
      });
      if (!isNumeric(value)) throw new ExpressionEvaluationError(`result is a '${typeName(value)}', not a number`);
      const volume = toFloat(value);
      if (Number.isNaN(volume)) throw new ExpressionEvaluationError('Expression evaluated to a NaN value!');
      return derivedSample(this.context, ref, {
        name: this.options.name ?? ref.name,
        unit: this.options.unit ?? ref.unit,
        type: this.options.type ?? ref.type,
        volume: pyFloat(volume),
        timestamp: this.latestTimestamp ?? ref.timestamp,
      });
    } catch (err) {
      if (!(err instanceof ExpressionEvaluationError)) throw err;
      this.logger.warn({ expr: expression.source, err: err.message }, 'Unable to evaluate expression');
      return null;
    }
  }

  snapshot(): TransformerState {
    return makeState(NAME, this.cache.snapshot(), true, { latest: this.latestTimestamp });
  }

  snapshotChanges(): TransformerState {
    return makeState(NAME, this.cache.changes(), false, { latest: this.latestTimestamp });
  }

  restore(state: TransformerState): void {
    const { full, global } = openState(NAME, state);
    this.cache.restore(state.entries, full);
    if ('latest' in global) this.latestTimestamp = typeof global.latest === 'string' ? global.latest : null;
    this.complete.clear();
    for (const [key, entry] of this.cache.entries()) {
      if (entry.meters.size === this.required.size && this.required.size > 0) this.complete.add(key);
    }
  }
}

export const arithmeticSpec: TransformerSpec = {
  name: NAME,
  validate: (params) => parse(params).issues,
  create: (params, context) => new ArithmeticTransformer(orThrow(NAME, parse(params)), context),
};
