import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';

/**
 * Convert a parsed document to plain JS exactly as PyYAML's `safe_load` builds Python values, so
 * key order (which decides trait order, hence event signatures) matches Ceilometer. The yaml
 * package orders merged keys differently in two ways PyYAML does not:
 * - `<<: [*a, *b]`: PyYAML puts b's keys before a's (it reverses the list), a's values winning;
 * - merged keys always come before the mapping's own keys, whatever their position in the text.
 */
export function pyYamlToJs(doc: Document): unknown {
  return convert(doc, doc.contents as Node | null);
}

function isMergeKey(pair: Pair): boolean {
  return isScalar(pair.key) && (pair.key.source === '<<' || typeof pair.key.value === 'symbol');
}

function resolve(doc: Document, node: unknown): Node | null {
  let current = node;
  while (isAlias(current)) current = current.resolve(doc);
  return (current ?? null) as Node | null;
}

/** The (key node, value node) entries of a mapping after PyYAML's `flatten_mapping`. */
function flatten(doc: Document, map: YAMLMap): [unknown, unknown][] {
  const merged: [unknown, unknown][] = [];
  const own: [unknown, unknown][] = [];
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    if (!isMergeKey(pair)) {
      own.push([pair.key, pair.value]);
      continue;
    }
    const source = resolve(doc, pair.value);
    if (isMap(source)) merged.push(...flatten(doc, source));
    else if (isSeq(source)) {
      const parts = source.items
        .map((item) => resolve(doc, item))
        .filter(isMap)
        .map((m) => flatten(doc, m));
      for (const part of parts.reverse()) merged.push(...part);
    }
  }
  return [...merged, ...own];
}

function keyText(doc: Document, key: unknown): string {
  const node = resolve(doc, key);
  const value = isScalar(node) ? node.value : convert(doc, node);
  return typeof value === 'string' ? value : String(value);
}

function convert(doc: Document, input: unknown): unknown {
  const node = resolve(doc, input);
  if (node === null) return null;
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return node.items.map((item) => convert(doc, item));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of flatten(doc, node)) {
      // A later duplicate replaces the value but keeps the first position, as a Python dict does.
      Object.defineProperty(out, keyText(doc, key), {
        value: convert(doc, value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return null;
}
