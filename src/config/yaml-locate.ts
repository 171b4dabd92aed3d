import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

/** One step of a path into a YAML document: a mapping key or a sequence index. */
export type PathSegment = string | number;

/** Where a step of the walk landed: the node itself and the line that best names it. */
interface Located {
  node: unknown;
  line: number;
}

/**
 * The 1-based line of the node at `path`, or of the nearest ancestor that exists. A value
 * reached through a mapping key reports the key's line: a block value (`publishers:` followed
 * by a list) starts on the next line, and operators look for the key.
 */
export function locateInDocument(doc: Document, lineCounter: LineCounter, path: readonly PathSegment[]): number {
  const lineOf = (node: unknown): number => nodeLine(node, lineCounter);
  let here: Located = { node: doc.contents, line: lineOf(doc.contents) };
  for (const segment of path) {
    const next = step(doc, here.node, segment, lineOf);
    if (next === undefined) break;
    here = next;
  }
  return here.line;
}

function step(doc: Document, node: unknown, segment: PathSegment, lineOf: (n: unknown) => number): Located | undefined {
  const target = resolveAlias(doc, node);
  if (isSeq(target)) {
    if (typeof segment !== 'number') return undefined;
    const item = target.items[segment];
    return item === undefined ? undefined : { node: item, line: lineOf(item) };
  }
  if (!isMap(target)) return undefined;
  const pair = findPair(doc, target.items, String(segment));
  if (pair === undefined) return undefined;
  return { node: pair.value, line: lineOf(pair.key) || lineOf(pair.value) };
}

/**
 * YAML 1.1 merge semantics: explicit keys win over merged ones, and among `<<` sources the
 * earlier wins. A key that only exists through a merge is reported at the `<<:` line of the
 * mapping being walked, because the path names this mapping, not the anchor's owner.
 */
function findPair(doc: Document, pairs: readonly Pair[], key: string): Pair | undefined {
  // Duplicate keys are allowed (PyYAML keeps the last one, and Newton's files have some).
  const explicit = pairs.findLast((p) => keyText(p.key) === key);
  if (explicit !== undefined) return explicit;
  for (const merge of pairs.filter(isMergePair)) {
    const found = mergedPair(doc, merge.value, key);
    if (found !== undefined) return { ...found, key: merge.key } as Pair;
  }
  return undefined;
}

function mergedPair(doc: Document, value: unknown, key: string): Pair | undefined {
  const source = resolveAlias(doc, value);
  const maps = isSeq(source) ? source.items.map((item) => resolveAlias(doc, item)) : [source];
  for (const map of maps) {
    if (!isMap(map)) continue;
    const found = findPair(doc, map.items, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isMergePair(pair: Pair): boolean {
  const key = pair.key;
  return isScalar(key) && (key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<'));
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return typeof key.value === 'symbol' ? key.value.description : String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

function resolveAlias(doc: Document, node: unknown): unknown {
  if (!isAlias(node)) return node;
  try {
    return node.resolve(doc);
  } catch {
    return undefined;
  }
}

function nodeLine(node: unknown, lineCounter: LineCounter): number {
  if (isPair(node)) return nodeLine(node.key, lineCounter);
  const range = (node as Node | null | undefined)?.range;
  return range ? lineCounter.linePos(range[0]).line : 0;
}
