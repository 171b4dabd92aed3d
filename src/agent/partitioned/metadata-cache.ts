/**
 * Stage 2 reads the same `resource_metadata` over and over: every sample of a resource, every
 * poll, carries it again (about two thirds of a partition line). This keeps the recently seen
 * metadata texts with one shared dict each (model/shared-dict.ts), so a line is parsed without
 * its metadata, and the metadata is parsed, signed for the check and rendered for the output
 * once per resource instead of once per sample.
 */
import { randomUUID } from 'node:crypto';
import { type PyJson, parsePyJson, shareDict } from '../../model/index.js';

type Dict = { [key: string]: PyJson };

/** How a partition line is laid out around its metadata (the order `dumpsPyJson` writes). */
const METADATA_KEY = '"resource_metadata": ';
const AFTER_METADATA = ', "message_id": ';

/**
 * Stands in for the metadata while the rest of a line is parsed: a string no line can hold by
 * chance (random per process), so finding it as the record's `resource_metadata` proves the cut.
 */
const STAND_IN = `meterflow-metadata-${randomUUID()}`;

/** A line cut around what may be the text of its top-level `resource_metadata` value. */
export interface SplitLine {
  head: string;
  metadata: string;
  tail: string;
}

/**
 * Cuts `line` after the first `"resource_metadata": ` and before the last `, "message_id": `, or
 * null when there is no such cut. Where that is not the top-level value (a nested or escaped key,
 * a later duplicate), `recordWithSharedMetadata` finds out and the line is parsed whole.
 */
export function splitLine(line: string): SplitLine | null {
  const at = line.indexOf(METADATA_KEY);
  if (at < 0) return null;
  const start = at + METADATA_KEY.length;
  const end = line.lastIndexOf(AFTER_METADATA);
  if (end <= start) return null;
  return { head: line.slice(0, start), metadata: line.slice(start, end), tail: line.slice(end) };
}

/**
 * The record of a line, with its metadata as the cache's shared dict; undefined when the line does
 * not have that form (the caller then parses it whole, which also reports errors). Decodes
 * exactly as a whole parse: the metadata text parses as one JSON value on its own, and the rest
 * of the line, with a string standing in for it, parses to a record whose final top-level
 * `resource_metadata` is that very string — so the cut was at that value, and putting the text
 * back parses the same way with the metadata in its place.
 */
export function recordWithSharedMetadata(line: string, cache: MetadataCache): { [key: string]: PyJson } | undefined {
  const split = splitLine(line);
  if (split === null) return undefined;
  const metadata = cache.lookup(split.metadata);
  if (metadata === undefined) return undefined;
  let record: PyJson;
  try {
    record = parsePyJson(`${split.head}"${STAND_IN}"${split.tail}`);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const dict = record as { [key: string]: PyJson };
  if (dict.resource_metadata !== STAND_IN) return undefined;
  dict.resource_metadata = metadata;
  return dict;
}

/** Longer metadata texts are parsed with their line every time instead of being kept. */
export const MAX_CACHED_TEXT = 16 * 1024;

/**
 * Shared metadata dicts by their text, in two generations: a text seen in the current or the
 * previous generation is a hit (and moves to the current one); when the current generation is
 * full (`generation` texts, or `generationChars` characters of them) it becomes the previous one.
 * So a resource's metadata stays while it comes back within about `generation` other texts, and
 * at most two generations are held: with the defaults 16 384 texts and 16 M characters of them
 * (their dicts and renderings take about twice as much again). The texts are kept as copies: the
 * text a line is cut from is a slice of the whole partition message, which it would keep alive.
 */
export class MetadataCache {
  private current = new Map<string, Entry>();
  private previous = new Map<string, Entry>();
  private currentChars = 0;

  /** Defaults: 8192 texts, two polls' worth of a few thousand instances with their ports; 8 M characters. */
  constructor(
    private readonly generation = 8192,
    private readonly generationChars = 8 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** The shared dict for a metadata text; undefined when the text is not one JSON object. */
  lookup(text: string): Dict | undefined {
    if (text.length > MAX_CACHED_TEXT) return undefined;
    let entry = this.current.get(text);
    if (entry !== undefined) return entry.dict;
    entry = this.previous.get(text) ?? parsedEntry(text);
    if (entry === undefined) return undefined;
    if (this.current.size >= this.generation || this.currentChars + entry.key.length > this.generationChars) {
      this.previous = this.current;
      this.current = new Map();
      this.currentChars = 0;
    }
    this.current.set(entry.key, entry);
    this.currentChars += entry.key.length;
    return entry.dict;
  }
}

interface Entry {
  /** The text, copied out of the message it came in. */
  key: string;
  dict: Dict;
}

function parsedEntry(text: string): Entry | undefined {
  const key = Buffer.from(text, 'utf8').toString('utf8');
  let parsed: PyJson;
  try {
    // From the copy: strings of the dict may be slices of the text they were parsed from.
    parsed = parsePyJson(key);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !isPlainDict(parsed)) return undefined;
  return { key, dict: shareDict(parsed) };
}

function isPlainDict(value: object): value is Dict {
  return Object.getPrototypeOf(value) === Object.prototype;
}
