import { randomUUID } from 'node:crypto';
import { compileField } from './field.js';
import type { Field, FieldIssue } from './field.js';
import type { Notification } from './notification.js';
import type { PluginContext } from './plugins.js';
import { compileGlob } from './python-regex.js';
import { convertTrait } from './trait-types.js';
import type { Event, PyJson, Trait, TraitTypeName } from '../model/index.js';
import { fromEpochMicros, isoformat, normalizeNaiveUtc, TraitType } from '../model/index.js';

const TRAIT_TYPES: readonly TraitTypeName[] = ['text', 'int', 'float', 'datetime'];

interface TraitDefinition {
  name: string;
  type: TraitTypeName;
  field: Field;
}

export interface EventDefinition {
  /** Position in event_definitions.yaml, or `catchall` for the implicit one. */
  readonly index: number | 'catchall';
  readonly patterns: readonly string[];
  readonly traits: readonly TraitDefinition[];
  readonly isCatchAll: boolean;
  matches(eventType: string): boolean;
}

/** Traits every event gets; a definition trait with the same name replaces one in place. */
const DEFAULT_TRAITS: Record<string, unknown> = {
  service: { type: 'text', fields: 'publisher_id' },
  request_id: { type: 'text', fields: 'ctxt.request_id' },
  project_id: { type: 'text', fields: ['payload.tenant_id', 'ctxt.project_id'] },
  user_id: { type: 'text', fields: ['payload.user_id', 'ctxt.user_id'] },
  tenant_id: { type: 'text', fields: ['payload.tenant_id', 'ctxt.project_id'] },
};

function compileTrait(name: string, spec: unknown, issues: FieldIssue[]): TraitDefinition | null {
  const at = ['traits', name];
  let type: unknown = 'text';
  let fieldSpec: unknown = spec;
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    const { type: t = 'text', ...rest } = spec as Record<string, unknown>;
    type = t;
    fieldSpec = rest;
  }
  if (!TRAIT_TYPES.includes(type as TraitTypeName)) {
    issues.push({ path: [...at, 'type'], message: `Invalid trait type '${String(type)}' for trait ${name}` });
    return null;
  }
  const field = compileField(fieldSpec, at, issues);
  return field ? { name, type: type as TraitTypeName, field } : null;
}

function compilePatterns(spec: unknown, issues: FieldIssue[]): string[] {
  const list = typeof spec === 'string' ? [spec] : spec;
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string')) {
    issues.push({ path: ['event_type'], message: 'must be a string or a non-empty list of strings' });
    return [];
  }
  return list as string[];
}

function buildDefinition(
  index: EventDefinition['index'],
  patterns: string[],
  traits: TraitDefinition[],
): EventDefinition {
  const include = patterns.filter((p) => !p.startsWith('!')).map(compileGlob);
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => compileGlob(p.slice(1)));
  if (include.length === 0) include.push(compileGlob('*'));
  return {
    index,
    patterns,
    traits,
    isCatchAll: patterns.includes('*') && exclude.length === 0,
    matches: (eventType) => include.some((re) => re.test(eventType)) && !exclude.some((re) => re.test(eventType)),
  };
}

function traitsWithDefaults(traitsSpec: Record<string, unknown>, issues: FieldIssue[]): TraitDefinition[] {
  const merged: Record<string, unknown> = { ...DEFAULT_TRAITS, ...traitsSpec };
  const out: TraitDefinition[] = [];
  for (const [name, spec] of Object.entries(merged)) {
    const trait = compileTrait(name, spec, issues);
    if (trait) out.push(trait);
  }
  return out;
}

/** Compile one raw `event_definitions.yaml` entry (problems relative to the entry). */
export function compileEventDefinition(raw: unknown, index: number, issues: FieldIssue[]): EventDefinition | null {
  const before = issues.length;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path: [], message: 'definition must be a mapping with event_type and traits' });
    return null;
  }
  const { event_type: eventType, traits, ...rest } = raw as Record<string, unknown>;
  for (const key of Object.keys(rest)) issues.push({ path: [key], message: 'unknown key' });
  for (const [key, value] of [
    ['event_type', eventType],
    ['traits', traits],
  ] as const) {
    if (value === undefined) issues.push({ path: [], message: `Required field ${key} not specified` });
  }
  if (traits !== undefined && (typeof traits !== 'object' || traits === null || Array.isArray(traits))) {
    issues.push({ path: ['traits'], message: 'must be a mapping of trait name to definition' });
  }
  const patterns = eventType === undefined ? [] : compilePatterns(eventType, issues);
  const compiled = traitsWithDefaults((traits ?? {}) as Record<string, unknown>, issues);
  return issues.length > before ? null : buildDefinition(index, patterns, compiled);
}

export interface EventConverterOptions {
  /** `[event] drop_unmatched_notifications`, default false. */
  dropUnmatched?: boolean;
  /** `[event] store_raw`: priorities whose whole notification is kept in `raw`. */
  storeRaw?: readonly string[];
  /** `generated` (naive UTC ISO 8601) when the notification carries no usable timestamp. Default: system clock. */
  now?: () => string;
}

export interface EventConversion {
  event: Event | null;
  definition: EventDefinition | null;
  /** Traits that could not be converted (the event keeps the others). */
  traitErrors: string[];
  warnings: string[];
}

export class EventConverter {
  private readonly ordered: EventDefinition[];
  private readonly storeRaw: ReadonlySet<string>;
  private readonly now: () => string;

  constructor(definitions: readonly EventDefinition[], options: EventConverterOptions = {}) {
    // Later definitions win (YAML merge keys let them specialise earlier ones).
    this.ordered = [...definitions].reverse();
    if (!options.dropUnmatched && !definitions.some((d) => d.isCatchAll)) {
      this.ordered.push(buildDefinition('catchall', ['*'], traitsWithDefaults({}, [])));
    }
    this.storeRaw = new Set((options.storeRaw ?? []).map((p) => p.toLowerCase()));
    this.now = options.now ?? (() => isoformat(fromEpochMicros(Date.now() * 1000, null)));
  }

  /** The notification time as naive UTC; an unparsable one falls back to now, with a warning. */
  private generated(ts: string | null, result: EventConversion): string {
    if (ts === null) {
      result.warnings.push('generated: the notification has no timestamp; using the current time');
      return this.now();
    }
    try {
      return normalizeNaiveUtc(ts);
    } catch (err) {
      result.warnings.push(`generated: ${(err as Error).message}; using the current time`);
      return this.now();
    }
  }

  /** The selected definition per event type (bounded: event types come from the wire). */
  private readonly selected = new Map<string, EventDefinition | null>();

  definitionFor(eventType: string): EventDefinition | null {
    const known = this.selected.get(eventType);
    if (known !== undefined) return known;
    const found = this.ordered.find((d) => d.matches(eventType)) ?? null;
    if (this.selected.size < 4096) this.selected.set(eventType, found);
    return found;
  }

  convert(notification: Notification): EventConversion {
    const message = notification.message;
    const definition = this.definitionFor(message.event_type);
    const result: EventConversion = { event: null, definition, traitErrors: [], warnings: [] };
    if (!definition) return result;
    const context: PluginContext = { warn: (m) => result.warnings.push(m) };
    const msg = message as unknown as PyJson;
    const traits: Trait[] = [];
    for (const trait of definition.traits) {
      const value = trait.field.first(msg, context);
      if (value === null) continue;
      // Most traits: short text kept as it is (what convertTrait does with it, without the result object).
      if (trait.type === 'text' && typeof value === 'string' && value.length <= 255) {
        traits.push({ name: trait.name, dtype: TraitType.text, value });
        continue;
      }
      const converted = convertTrait(trait.type, value);
      if (converted.ok) {
        if (converted.value !== null)
          traits.push({ name: trait.name, dtype: TraitType[trait.type], value: converted.value });
      } else result.traitErrors.push(`trait ${trait.name}: ${converted.error}`);
    }
    const ts = message.metadata.timestamp;
    result.event = {
      message_id: message.metadata.message_id ?? randomUUID(),
      event_type: message.event_type,
      generated: this.generated(ts, result),
      traits,
      raw: this.storeRaw.has(notification.priority) ? { ...(message as unknown as Record<string, PyJson>) } : {},
    };
    return result;
  }
}
