/**
 * Stage 2 reads the same `resource_metadata` over and over: every sample of a resource, every
 * poll, carries it again (about two thirds of a partition line). This keeps the recently seen
 * metadata texts with one shared dict each (model/shared-dict.ts), so a line is parsed without
 * its metadata, and the metadata is parsed, signed for the check and rendered for the output
 * once per resource instead of once per sample.
 */
import { type PyJson, parsePyJson, shareDict } from '../../model/index.js';

type Dict = { [key: string]: PyJson };

/** How a partition line is laid out around its metadata (the order `dumpsPyJson` writes). */
const METADATA_KEY = '"resource_metadata": ';
const AFTER_METADATA = ', "message_id": ';

/** A line cut around the text of its top-level `resource_metadata` value. */
export interface SplitLine {
  head: string;
  metadata: string;
  tail: string;
}

/**
 * Cuts `line` around its metadata, or null when the cut is not certain to be the top-level value:
 * nothing may open before the key (so it is not nested), the metadata must end where
 * `, "message_id": ` last occurs, and no second `"resource_metadata"` may follow it. The caller
 * still checks that the metadata text is one JSON value and that the rest parses with the
 * metadata as null; anything else is parsed whole.
 */
export function splitLine(line: string): SplitLine | null {
  const at = line.indexOf(METADATA_KEY);
  if (at < 0) return null;
  const start = at + METADATA_KEY.length;
  const end = line.lastIndexOf(AFTER_METADATA);
  if (end <= start) return null;
  const brace = line.indexOf('{', 1);
  if (brace !== -1 && brace < at) return null;
  const bracket = line.indexOf('[');
  if (bracket !== -1 && bracket < at) return null;
  if (line.includes('"resource_metadata"', end)) return null;
  return { head: line.slice(0, start), metadata: line.slice(start, end), tail: line.slice(end) };
}

/** Longer metadata texts are parsed with their line every time instead of being kept. */
export const MAX_CACHED_TEXT = 16 * 1024;

/**
 * Shared metadata dicts by their text, in two generations: a text seen in the current or the
 * previous generation is a hit (and moves to the current one); when the current generation is
 * full (`generation` texts, or `generationChars` characters of them) it becomes the previous one.
 * So a resource's metadata stays while it comes back within about `generation` other texts, and
 * at most two generations are held: with the defaults at most 16 384 texts and 32 M characters.
 */
export class MetadataCache {
  private current = new Map<string, Dict>();
  private previous = new Map<string, Dict>();
  private currentChars = 0;

  /** Default 8192: two polls' worth of a few thousand instances with their network ports. */
  constructor(
    private readonly generation = 8192,
    private readonly generationChars = 16 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** The shared dict for a metadata text; undefined when the text is not one JSON object. */
  lookup(text: string): Dict | undefined {
    if (text.length > MAX_CACHED_TEXT) return undefined;
    let dict = this.current.get(text);
    if (dict !== undefined) return dict;
    dict = this.previous.get(text);
    if (dict === undefined) {
      let parsed: PyJson;
      try {
        parsed = parsePyJson(text);
      } catch {
        return undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !isPlainDict(parsed))
        return undefined;
      dict = shareDict(parsed);
    }
    if (this.current.size >= this.generation || this.currentChars + text.length > this.generationChars) {
      this.previous = this.current;
      this.current = new Map();
      this.currentChars = 0;
    }
    this.current.set(text, dict);
    this.currentChars += text.length;
    return dict;
  }
}

function isPlainDict(value: object): value is Dict {
  return Object.getPrototypeOf(value) === Object.prototype;
}
