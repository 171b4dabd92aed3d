import { hash, randomUUID } from 'node:crypto';
import { compileJsonPath } from './jsonpath/index.js';
import { matchesEventType } from './meters.js';
import type { MeterDefinition, MeterField } from './meters.js';
import type { Notification, NotificationMessage } from './notification.js';
import type { PluginContext } from './plugins.js';
import { isPyDict, pyTruthy } from './values.js';
import type { PyDict } from './values.js';
import {
  coerceVolume,
  isoFromEpochMs,
  normalizeSampleTimestamp,
  pyStr,
  SAMPLE_TYPES,
  shareDict,
} from '../model/index.js';
import type { PyJson, Sample, SampleType } from '../model/index.js';

/** Options of the sample side of the conversion (Ceilometer `[DEFAULT]` names). */
export interface MeterConverterOptions {
  /** `sample_source`, default `openstack`. */
  sampleSource?: string;
  /** `reserved_metadata_namespace`, default `['metering.']`. */
  reservedMetadataNamespace?: readonly string[];
  /** `reserved_metadata_keys`, default none. */
  reservedMetadataKeys?: readonly string[];
  /** `reserved_metadata_length`, default 256. */
  reservedMetadataLength?: number;
  /** Sample timestamp when the notification carries none (ISO 8601). Default: the system clock. */
  now?: () => string;
}

/** Why a sample a definition produced was not published. */
export interface DroppedSample {
  definition: string;
  reason: 'volume is None' | 'volume is not a number' | 'invalid sample';
  detail: string;
}

/** A definition that could not be evaluated for this notification (its samples are lost, others kept). */
export interface DefinitionFailure {
  definition: string;
  message: string;
}

export interface MeterConversion {
  samples: Sample[];
  /** The definition each sample came from, by index. */
  sampleDefinitions: string[];
  dropped: DroppedSample[];
  failures: DefinitionFailure[];
  warnings: string[];
}

/** Bound on remembered event types (they come from the wire). */
const MATCH_CACHE_LIMIT = 4096;

/** Namespace for sample ids derived from the notification (UUID v5 over `message_id/definition/n`). */
const SAMPLE_ID_NAMESPACE = Buffer.from('6f0c3d1e8a4b4e9c9f1b2a7d5c3e8f10', 'hex');

/**
 * Scratch for the id hash input: the namespace, then the UTF-8 name. One-shot `crypto.hash` over
 * it costs a quarter of createHash().update().update().digest() (no Hash object per sample).
 * Only used synchronously, so sharing it is safe; longer names get a fresh buffer.
 */
const ID_INPUT = Buffer.alloc(1024);
SAMPLE_ID_NAMESPACE.copy(ID_INPUT);

/**
 * Deterministic sample id: redelivering a notification yields the same ids, so replays can be
 * recognised downstream (Ceilometer minted a fresh uuid1 every time).
 */
export function derivedSampleId(messageId: string, definition: string, index: number): string {
  const name = `${messageId}/${definition}/${index}`;
  const input =
    name.length * 3 <= ID_INPUT.length - 16
      ? ID_INPUT.subarray(0, 16 + ID_INPUT.write(name, 16, 'utf8'))
      : Buffer.concat([SAMPLE_ID_NAMESPACE, Buffer.from(name, 'utf8')]);
  const h = hash('sha1', input, 'hex');
  // UUID version 5 (high nibble of byte 6) and RFC 4122 variant (top bits 10 of byte 8).
  const variant = ((Number.parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Fallbacks used when a definition gives no user/project (these resolve, unlike Ceilometer 19's). */
const FALLBACK_USER = compileJsonPath('ctxt.user_id|ctxt.user');
const FALLBACK_PROJECT = compileJsonPath('ctxt.project_id|ctxt.tenant_id|ctxt.tenant');

/** What the definitions evaluated for one notification share. */
interface Scope {
  message: NotificationMessage;
  context: PluginContext;
  /** Metadata objects by `metadataKey`. */
  metadata: Map<string, { [key: string]: PyJson }>;
  /** The fallback user and project, looked up once per notification (undefined: not yet). */
  user: PyJson | undefined;
  project: PyJson | undefined;
}

type Values = { [K in MeterField]?: PyJson } & { metadata: { [key: string]: PyJson } };

export class MeterConverter {
  private readonly source: string;
  private readonly namespaces: readonly string[];
  private readonly reservedKeys: readonly string[];
  private readonly reservedLength: number;
  private readonly now: () => string;

  constructor(
    readonly definitions: readonly MeterDefinition[],
    options: MeterConverterOptions = {},
  ) {
    this.source = options.sampleSource ?? 'openstack';
    this.namespaces = options.reservedMetadataNamespace ?? ['metering.'];
    this.reservedKeys = options.reservedMetadataKeys ?? [];
    this.reservedLength = options.reservedMetadataLength ?? 256;
    this.now = options.now ?? (() => isoFromEpochMs(Date.now()));
  }

  /** Matching definitions per event type: a few hundred types, each tested against every regex once. */
  private readonly matchCache = new Map<string, MeterDefinition[]>();

  /** Definitions whose event_type matches, in evaluation order. */
  matching(eventType: string): MeterDefinition[] {
    const known = this.matchCache.get(eventType);
    if (known) return known;
    const found = this.definitions.filter((d) => matchesEventType(d, eventType));
    if (this.matchCache.size < MATCH_CACHE_LIMIT) this.matchCache.set(eventType, found);
    return found;
  }

  convert(notification: Notification): MeterConversion {
    const out: MeterConversion = { samples: [], sampleDefinitions: [], dropped: [], failures: [], warnings: [] };
    const message = notification.message;
    const scope: Scope = {
      message,
      context: { warn: (m) => out.warnings.push(m) },
      metadata: new Map(),
      user: undefined,
      project: undefined,
    };
    for (const definition of this.matching(message.event_type)) {
      // A definition failing on a later row loses all of its rows, not just some.
      const samples = out.samples.length;
      const dropped = out.dropped.length;
      try {
        const rows = this.evaluate(definition, scope);
        for (let i = 0; i < rows.length; i++) this.emit(definition, message, rows[i] as Values, i, out);
      } catch (err) {
        out.samples.length = samples;
        out.sampleDefinitions.length = samples;
        out.dropped.length = dropped;
        out.failures.push({ definition: definition.name, message: (err as Error).message });
      }
    }
    return out;
  }

  private baseValues(definition: MeterDefinition, scope: Scope): Values {
    const msg = scope.message as unknown as PyJson;
    let metadata = scope.metadata.get(definition.metadataKey);
    if (metadata === undefined) {
      metadata = this.metadataOf(definition, scope.message, scope.context);
      scope.metadata.set(definition.metadataKey, metadata);
    }
    if (scope.user === undefined) scope.user = FALLBACK_USER.first(msg);
    if (scope.project === undefined) scope.project = FALLBACK_PROJECT.first(msg);
    return {
      name: definition.literalName,
      type: definition.literalType,
      unit: null,
      user_id: scope.user,
      project_id: scope.project,
      metadata,
    };
  }

  /** The `metadata:` fields that are truthy, plus reserved user metadata; or the payload when empty. */
  private metadataOf(definition: MeterDefinition, message: NotificationMessage, context: PluginContext): PyDict {
    const msg = message as unknown as PyJson;
    const metadata: { [key: string]: PyJson } = {};
    for (const [name, field] of definition.metadata) {
      const value = field.first(msg, context);
      if (pyTruthy(value)) metadata[name] = value;
    }
    if (definition.userMetadata) {
      const meta = definition.userMetadata.first(msg, context);
      if (pyTruthy(meta)) this.addUserMetadata(meta, metadata);
    }
    // Shared by several samples, rendered and signed once (see model/shared-dict.ts).
    return shareDict(Object.keys(metadata).length > 0 ? metadata : payloadMetadata(message));
  }

  private evaluate(definition: MeterDefinition, scope: Scope): Values[] {
    const msg = scope.message as unknown as PyJson;
    const base = this.baseValues(definition, scope);
    if (definition.lookup.size === 0) {
      for (const [key, field] of definition.fields) {
        const value = field.first(msg, scope.context);
        if (value !== null) base[key] = value;
      }
      return [base];
    }
    return this.evaluateLookup(definition, msg, base, scope.context);
  }

  /** `lookup`: every attribute yields a list; lists of length N are zipped, length 1 broadcast. */
  private evaluateLookup(definition: MeterDefinition, msg: PyJson, base: Values, context: PluginContext): Values[] {
    const lists = new Map<MeterField, PyJson[]>();
    for (const key of ['name', 'type', 'unit', 'user_id', 'project_id'] as const) lists.set(key, [base[key] ?? null]);
    for (const [key, field] of definition.fields) {
      const values = field.all(msg, context);
      if (key === 'name' || definition.lookup.has(key) || values.length > 0) lists.set(key, values);
    }
    const n = lists.get('name')?.length ?? 0;
    if (n === 0) return [];
    for (const [key, values] of lists) {
      if (values.length === n) continue;
      if (values.length === 1 && !definition.lookup.has(key)) {
        lists.set(key, new Array<PyJson>(n).fill(values[0] ?? null));
        continue;
      }
      context.warn(`Only ${values.length} fetched meters contain "${key}" field instead of ${n}.`);
      return [];
    }
    const rows: Values[] = [];
    for (let i = 0; i < n; i++) {
      const row: Values = { metadata: base.metadata };
      for (const [key, values] of lists) row[key] = values[i] ?? null;
      rows.push(row);
    }
    return rows;
  }

  private addUserMetadata(meta: PyJson, metadata: { [key: string]: PyJson }): void {
    if (!isPyDict(meta)) return;
    const user: { [key: string]: PyJson } = {};
    for (const [key, value] of Object.entries(meta)) {
      const ns = this.namespaces.find((p) => key.startsWith(p));
      let name: string | null = null;
      if (ns !== undefined) name = key.slice(ns.length).replace(/\./g, '_');
      else if (this.reservedKeys.includes(key)) name = key.replace(/\./g, '_');
      if (name === null || name in metadata || name in user) continue;
      user[name] = typeof value === 'string' ? value.slice(0, this.reservedLength) : value;
    }
    if (Object.keys(user).length > 0) metadata.user_metadata = user;
  }

  private emit(
    definition: MeterDefinition,
    message: NotificationMessage,
    row: Values,
    i: number,
    out: MeterConversion,
  ): void {
    const volume = coerceVolume(row.volume ?? null);
    const name = row.name;
    if (!volume.ok) {
      out.dropped.push({
        definition: definition.name,
        reason: volume.reason,
        detail: `${String(name)}: ${volume.detail}`,
      });
      return;
    }
    const problem = invalidAttribute(row);
    if (problem) {
      out.dropped.push({ definition: definition.name, reason: 'invalid sample', detail: problem });
      return;
    }
    // A notification without a timestamp was stamped by nobody: the time it reached us is the best we have.
    const timestamp = row.timestamp ?? message.metadata.timestamp ?? this.now();
    if (typeof timestamp !== 'string')
      throw new Error(`sample timestamp must be a string, got ${pyStr(timestamp ?? null)}`);
    const messageId = message.metadata.message_id;
    out.samples.push({
      name: row.name as string,
      type: row.type as SampleType,
      unit: textOf(row.unit ?? null) as string,
      volume: volume.volume,
      user_id: textOf(row.user_id ?? null),
      project_id: textOf(row.project_id ?? null),
      resource_id: textOf(row.resource_id ?? null),
      timestamp: normalizeSampleTimestamp(timestamp),
      // Shared by the samples of this notification whose definitions describe metadata alike; never mutated.
      resource_metadata: row.metadata,
      source: this.source,
      id: messageId ? derivedSampleId(messageId, definition.name, i) : randomUUID(),
      monotonic_time: null,
    });
    out.sampleDefinitions.push(definition.name);
  }
}

/** Ids are strings; a number or boolean id is rendered as Python would print it. */
function textOf(value: PyJson): string | null {
  if (value === null) return null;
  return typeof value === 'string' ? value : pyStr(value);
}

function invalidAttribute(row: Values): string | null {
  if (typeof row.name !== 'string' || row.name === '')
    return `name did not evaluate to a string (${pyStr(row.name ?? null)})`;
  if (!(SAMPLE_TYPES as readonly unknown[]).includes(row.type))
    return `${row.name}: invalid type ${pyStr(row.type ?? null)}`;
  if (typeof row.unit !== 'string') return `${row.name}: unit did not evaluate to a string`;
  for (const key of ['user_id', 'project_id', 'resource_id'] as const) {
    const v = row[key] ?? null;
    if (Array.isArray(v) || isPyDict(v)) return `${row.name}: ${key} must be a string, got ${pyStr(v)}`;
  }
  return null;
}

/** Without configured metadata a sample describes its resource with the whole payload. */
function payloadMetadata(message: NotificationMessage): { [key: string]: PyJson } {
  const payload = message.payload;
  const base: PyDict = isPyDict(payload) ? { ...payload } : {};
  base.event_type = message.event_type;
  base.host = message.publisher_id;
  return base;
}
