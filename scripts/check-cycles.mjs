#!/usr/bin/env node
/**
 * Fails when `.ts` files under a directory import each other in a cycle.
 *
 *   node scripts/check-cycles.mjs [dir=src]
 *
 * Counts every static relative import and re-export, `import type` included: our style treats
 * a type-only cycle as a design smell like any other (it still couples the two modules).
 * Dynamic `import()` is skipped, since it is how a real need for late binding is expressed.
 * Exit 0 with `no import cycles (N files)`, 1 with one `a.ts -> b.ts -> a.ts` line per cycle,
 * 2 on usage errors. No dependencies, so it runs before `npm ci` finishes compiling anything.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** `import … from '…'`, `import '…'`, `export … from '…'`, each at the start of a line. */
const STATIC_IMPORT = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\bfrom\s*)?['"]([^'"\n]+)['"]/gm;
const JS_TO_TS = [
  ['.js', '.ts'],
  ['.mjs', '.mts'],
  ['.cjs', '.cts'],
];

function listTsFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...listTsFiles(path));
    } else if (/\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

function resolveSpecifier(fromFile, specifier, known) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const target = resolve(dirname(fromFile), specifier);
  const candidates = [target];
  for (const [js, ts] of JS_TO_TS) {
    if (target.endsWith(js)) candidates.unshift(target.slice(0, -js.length) + ts);
  }
  return candidates.find((c) => known.has(c));
}

/** file → the files it imports statically, in source order. */
function buildGraph(files) {
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const edges = new Set();
    for (const match of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const target = resolveSpecifier(file, match[1], known);
      if (target !== undefined) edges.add(target);
    }
    graph.set(file, [...edges]);
  }
  return graph;
}

/** Tarjan's strongly connected components; every cycle lies inside one of them. */
function stronglyConnected(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node)) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node), index.get(to)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

/** Shortest cycle through `start` using only nodes of its component (breadth-first). */
function shortestCycle(graph, start, members) {
  const parent = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const to of graph.get(node)) {
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = parent.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (members.has(to) && !parent.has(to)) {
        parent.set(to, node);
        queue.push(to);
      }
    }
  }
  return undefined;
}

/** One cycle per file of each component not yet shown in an earlier cycle. */
function findCycles(graph) {
  const cycles = [];
  for (const component of stronglyConnected(graph)) {
    const members = new Set(component);
    const isCycle = component.length > 1 || graph.get(component[0]).includes(component[0]);
    if (!isCycle) continue;
    const covered = new Set();
    for (const start of [...component].sort()) {
      if (covered.has(start)) continue;
      const cycle = shortestCycle(graph, start, members);
      if (cycle === undefined) continue;
      for (const node of cycle) covered.add(node);
      cycles.push(cycle);
    }
  }
  return cycles;
}

function main(argv) {
  const root = resolve(argv[0] ?? 'src');
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`check-cycles: not a directory: ${root}\n`);
    return 2;
  }
  const files = listTsFiles(root).sort();
  const cycles = findCycles(buildGraph(files));
  if (cycles.length === 0) {
    process.stdout.write(`no import cycles (${files.length} files)\n`);
    return 0;
  }
  const show = (file) => relative(root, file).split(sep).join('/');
  process.stderr.write(`import cycles found (${cycles.length}):\n`);
  for (const cycle of cycles) process.stderr.write(`${cycle.map(show).join(' -> ')}\n`);
  return 1;
}

process.exitCode = main(process.argv.slice(2));
