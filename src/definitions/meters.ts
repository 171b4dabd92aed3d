import { compileField, constantField } from './field.js';
import type { Field, FieldIssue } from './field.js';
import { looksLikeJsonPath } from './jsonpath/index.js';
import type { NotificationMessage } from './notification.js';
import { compilePythonMatch } from './python-regex.js';

/** Attributes a meter definition may set (spec §5.2). */
const FIELD_KEYS = ['name', 'type', 'unit', 'volume', 'resource_id', 'project_id', 'user_id', 'timestamp'] as const;
export type MeterField = (typeof FIELD_KEYS)[number];
const REQUIRED = ['name', 'type', 'event_type', 'unit', 'volume', 'resource_id'] as const;
const KNOWN_KEYS = new Set<string>([...FIELD_KEYS, 'event_type', 'metadata', 'user_metadata', 'lookup']);
/** Literal-or-path attributes: plain words are literals (meterflow does not treat `B` as a path). */
const LITERAL_CAPABLE = new Set<MeterField>(['name', 'type', 'unit']);

/** A compiled `meters.yaml` entry. */
export interface MeterDefinition {
  /** The `name` as written, used in reports. */
  readonly name: string;
  readonly eventTypes: readonly RegExp[];
  readonly fields: ReadonlyMap<MeterField, Field>;
  readonly metadata: ReadonlyMap<string, Field>;
  /**
   * Identical for definitions whose `metadata` and `user_metadata` are written the same (YAML
   * anchors make that the rule: the instance meters share one), so their samples of one
   * notification can share one metadata object, computed once.
   */
  readonly metadataKey: string;
  readonly userMetadata: Field | null;
  readonly lookup: ReadonlySet<string>;
  /** The literal `type`, validated unless `type` is looked up. */
  readonly literalType: string | null;
  /**
   * The literal `name`; null when the name is an expression. Ceilometer fell back to the
   * expression text when it matched nothing; meterflow drops such a sample instead.
   */
  readonly literalName: string | null;
}

export function matchesEventType(definition: MeterDefinition, eventType: string): boolean {
  for (const re of definition.eventTypes) if (re.test(eventType)) return true;
  return false;
}

function compileEventTypes(spec: unknown, issues: FieldIssue[]): RegExp[] {
  const list = typeof spec === 'string' ? [spec] : spec;
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string')) {
    issues.push({ path: ['event_type'], message: 'must be a string or a non-empty list of strings' });
    return [];
  }
  const out: RegExp[] = [];
  list.forEach((pattern: string, i) => {
    try {
      out.push(compilePythonMatch(pattern));
    } catch (err) {
      const at = typeof spec === 'string' ? ['event_type'] : ['event_type', i];
      issues.push({ path: at, message: `invalid regular expression: ${(err as Error).message}` });
    }
  });
  return out;
}

function compileLookup(spec: unknown, issues: FieldIssue[]): Set<string> {
  if (spec === undefined || spec === null) return new Set();
  const list = typeof spec === 'string' ? [spec] : spec;
  if (
    !Array.isArray(list) ||
    !list.every((k) => typeof k === 'string' && (FIELD_KEYS as readonly string[]).includes(k))
  ) {
    issues.push({ path: ['lookup'], message: `must list attributes among ${FIELD_KEYS.join(', ')}` });
    return new Set();
  }
  return new Set(list as string[]);
}

function compileAttribute(key: MeterField, spec: unknown, issues: FieldIssue[]): Field | null {
  if (LITERAL_CAPABLE.has(key) && typeof spec === 'string' && !looksLikeJsonPath(spec)) return constantField(spec);
  return compileField(spec, [key], issues);
}

function compileMetadata(spec: unknown, issues: FieldIssue[]): Map<string, Field> {
  const out = new Map<string, Field>();
  if (spec === undefined || spec === null) return out;
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    issues.push({ path: ['metadata'], message: 'must be a mapping of name to jsonpath' });
    return out;
  }
  for (const [name, fieldSpec] of Object.entries(spec)) {
    const field = compileField(fieldSpec, ['metadata', name], issues);
    if (field) out.set(name, field);
  }
  return out;
}

/**
 * Compile one raw definition. Returns the definition, or null with every problem in `issues`
 * (paths relative to the definition).
 */
export function compileMeterDefinition(raw: Record<string, unknown>, issues: FieldIssue[]): MeterDefinition | null {
  const before = issues.length;
  const missing = REQUIRED.filter((k) => !raw[k]);
  if (missing.length > 0) issues.push({ path: [], message: `Required fields [${missing.join(', ')}] not specified` });
  for (const key of Object.keys(raw)) if (!KNOWN_KEYS.has(key)) issues.push({ path: [key], message: 'unknown key' });
  const lookup = compileLookup(raw.lookup, issues);
  const literalType = typeof raw.type === 'string' && !looksLikeJsonPath(raw.type) ? raw.type : null;
  if (raw.type !== undefined && !lookup.has('type') && !['gauge', 'delta', 'cumulative'].includes(String(raw.type))) {
    issues.push({ path: ['type'], message: `Invalid type ${String(raw.type)} specified` });
  }
  const eventTypes = raw.event_type == null ? [] : compileEventTypes(raw.event_type, issues);
  const fields = new Map<MeterField, Field>();
  for (const key of FIELD_KEYS) {
    if (raw[key] === undefined || raw[key] === null) continue;
    const field = compileAttribute(key, raw[key], issues);
    if (field) fields.set(key, field);
  }
  const metadata = compileMetadata(raw.metadata, issues);
  const userMetadata = raw.user_metadata == null ? null : compileField(raw.user_metadata, ['user_metadata'], issues);
  for (const key of lookup) {
    if (fields.get(key as MeterField)?.perMatch === false) {
      issues.push({ path: ['lookup'], message: `${key} uses a plugin that cannot be used with lookup` });
    }
  }
  if (issues.length > before) return null;
  return {
    name: typeof raw.name === 'string' ? raw.name : JSON.stringify(raw.name),
    eventTypes,
    fields,
    metadata,
    metadataKey: JSON.stringify([raw.metadata ?? null, raw.user_metadata ?? null]),
    userMetadata,
    lookup,
    literalType,
    literalName: typeof raw.name === 'string' && !looksLikeJsonPath(raw.name) ? raw.name : null,
  };
}

export type { NotificationMessage };
