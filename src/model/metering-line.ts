/**
 * The `file://` publisher's line for a sample, `dumpsPyJson(sampleToMeteringMessage(s, secret))`
 * byte for byte. The samples of one notification come one after another and share most of
 * their message (ids, timestamp, metadata): that part is rendered once, and what a meter
 * definition fixes (name, type, unit) once per meter.
 */
import { flat } from './flat.js';
import { PyFloat } from './py-float.js';
import { dumpsPyJson } from './py-json-dump.js';
import { pyStr } from './py-str.js';
import type { PyJson, Sample } from './sample.js';
import { signatureOf, signedItem } from './signature.js';
import { shape, signedLine } from './signed-line.js';

// Keys (in order) of meterflow's MeteringMessage (see metering.ts).
const METERING = shape([
  'source',
  'counter_name',
  'counter_type',
  'counter_unit',
  'counter_volume',
  'user_id',
  'project_id',
  'resource_id',
  'timestamp',
  'resource_metadata',
  'message_id',
  'monotonic_time',
]);

/** A line kept on its sample (see keepMeteringMessageLine), with the secret it was signed with. */
const KEPT = Symbol('meterflow.line');

interface KeptLine {
  secret: string;
  line: string;
}

/** `dumpsPyJson(sampleToMeteringMessage(sample, secret))`. */
export function meteringMessageLine(sample: Sample, secret: string): string {
  return keptLine(sample, secret) ?? renderLine(sample, secret);
}

/**
 * `meteringMessageLine`, and the line kept on the sample (a non-enumerable symbol property: a
 * copy of the sample does not carry it) for whoever renders the same sample again. Stage 1 of the
 * partitioned agent writes each routed sample into a partition message and, for the pipelines
 * without transformers, into the same batch's file lines. Only for short-lived samples that
 * nothing changes afterwards, never for samples transformer state keeps.
 */
export function keepMeteringMessageLine(sample: Sample, secret: string): string {
  const kept = keptLine(sample, secret);
  if (kept !== undefined) return kept;
  const line = renderLine(sample, secret);
  Object.defineProperty(sample, KEPT, { value: { secret, line }, configurable: true, writable: true });
  return line;
}

function keptLine(sample: Sample, secret: string): string | undefined {
  const kept = (sample as { [KEPT]?: KeptLine })[KEPT];
  return kept !== undefined && kept.secret === secret ? kept.line : undefined;
}

function renderLine(sample: Sample, secret: string): string {
  const shared = sharedParts(sample);
  if (shared === null) return signedLine(METERING, meteringValues(sample), secret);
  const head = meterHead(sample);
  // Keys in signed order, the shared tail from project_id on; written order around the middle.
  const data = `${head.signed}${pyStr(sample.volume)}message_id${pyStr(sample.id)}monotonic_time${pyStr(sample.monotonic_time)}${shared.signedTail}`;
  return (
    `${head.json}${dumpsPyJson(sample.volume)}${shared.jsonMiddle}, "message_id": ${dumpsPyJson(sample.id)}, ` +
    `"monotonic_time": ${dumpsPyJson(sample.monotonic_time)}, "message_signature": "${signatureOf(data, secret)}"}`
  );
}

/**
 * The rendering of what a meter definition fixes (source, name, type, unit) up to the volume,
 * signed and written, by meter name: a few hundred names, so bounded only against lookup
 * meters whose names come from the wire.
 */
interface MeterHead {
  source: string | null;
  type: string | null;
  unit: string | null;
  signed: string;
  json: string;
}
const HEADS = new Map<string | null, MeterHead>();
const HEADS_LIMIT = 4096;

/** For a sample of the usual form (see sharedParts: these four are text or null). */
function meterHead(sample: Sample): MeterHead {
  const name = sample.name as string | null;
  const source = sample.source as string | null;
  const type = sample.type as string | null;
  const unit = sample.unit as string | null;
  const known = HEADS.get(name);
  if (known !== undefined && known.source === source && known.type === type && known.unit === unit) return known;
  const head: MeterHead = {
    source,
    type,
    unit,
    signed: flat(`counter_name${pyStr(name)}counter_type${pyStr(type)}counter_unit${pyStr(unit)}counter_volume`),
    json: flat(
      `{"source": ${dumpsPyJson(source)}, "counter_name": ${dumpsPyJson(name)}, ` +
        `"counter_type": ${dumpsPyJson(type)}, "counter_unit": ${dumpsPyJson(unit)}, "counter_volume": `,
    ),
  };
  if (known !== undefined || HEADS.size < HEADS_LIMIT) HEADS.set(name, head);
  return head;
}

function meteringValues(sample: Sample): (PyJson | undefined)[] {
  return [
    sample.source,
    sample.name,
    sample.type,
    sample.unit,
    sample.volume,
    sample.user_id,
    sample.project_id,
    sample.resource_id,
    sample.timestamp,
    sample.resource_metadata,
    sample.id,
    sample.monotonic_time,
  ];
}

/**
 * What the samples of one notification have in common, rendered once: from `project_id` to the
 * end of the signed stream (`project_id`, `resource_id`, `resource_metadata`, `source`,
 * `timestamp`, `user_id`) and the written keys from `user_id` to `resource_metadata`.
 */
interface SharedParts {
  source: string;
  user: string | null;
  project: string | null;
  resource: string | null;
  timestamp: string;
  /** Frozen, so that the same object means the same content. */
  metadata: object;
  signedTail: string;
  jsonMiddle: string;
}

/** The parts of the previous sample (publishers write a notification's samples one after another). */
let lastShared: SharedParts | null = null;

/**
 * The shared parts of `sample`, from the previous sample when they are the same; null when the
 * sample does not have the usual form (a value missing or not a scalar, metadata that is not a
 * frozen dict), which then takes the generic path.
 */
function sharedParts(sample: Sample): SharedParts | null {
  const { source, user_id: user, project_id: project, resource_id: resource, timestamp } = sample;
  const metadata = sample.resource_metadata;
  // The values rendered per sample must be scalars (pyStr of a dict or list is not their signed
  // form), and the name, type and unit text, as meter definitions make them.
  if (
    !isTextOrNull(sample.name) ||
    !isTextOrNull(sample.type) ||
    !isTextOrNull(sample.unit) ||
    !isScalar(sample.volume) ||
    !isScalar(sample.id) ||
    !isScalar(sample.monotonic_time)
  )
    return null;
  const last = lastShared;
  if (
    last !== null &&
    last.metadata === metadata &&
    last.timestamp === timestamp &&
    last.resource === resource &&
    last.project === project &&
    last.user === user &&
    last.source === source
  )
    return last;
  if (
    typeof source !== 'string' ||
    typeof timestamp !== 'string' ||
    !isTextOrNull(user) ||
    !isTextOrNull(project) ||
    !isTextOrNull(resource) ||
    !isFrozenDict(metadata)
  )
    return null;
  lastShared = {
    source,
    user,
    project,
    resource,
    timestamp,
    metadata,
    signedTail: flat(
      signedItem('project_id', project) +
        signedItem('resource_id', resource) +
        signedItem('resource_metadata', metadata) +
        signedItem('source', source) +
        signedItem('timestamp', timestamp) +
        signedItem('user_id', user),
    ),
    jsonMiddle: flat(
      `, "user_id": ${dumpsPyJson(user)}, "project_id": ${dumpsPyJson(project)}, ` +
        `"resource_id": ${dumpsPyJson(resource)}, "timestamp": ${dumpsPyJson(timestamp)}, ` +
        `"resource_metadata": ${dumpsPyJson(metadata)}`,
    ),
  };
  return lastShared;
}

/** A value whose signed form is `pyStr(value)` (not a dict, list or missing). */
function isScalar(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return true;
    case 'object':
      return value === null || value instanceof PyFloat;
    default:
      return false;
  }
}

function isTextOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function isFrozenDict(value: unknown): value is { [key: string]: PyJson } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof PyFloat) &&
    Object.isFrozen(value)
  );
}
