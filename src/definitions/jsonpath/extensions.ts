import { PyFloat } from '../../model/py-float.js';
import { comparePyStr, pyStr } from '../../model/py-str.js';
import type { PyJson } from '../../model/sample.js';
import type { Extension } from './ast.js';
import { Datum, isDict } from './datum.js';
import { JsonPathSyntaxError } from './errors.js';
import type { Token } from './lexer.js';
import { compilePySub } from '../../model/py-regex.js';

// jsonpath-rw-ext takes one separator character; a longer one is accepted too.
const SPLIT = /^split\((.+?),\s*(-?\d+),\s*(-?\d+)\)$/s;
const SUB = /^sub\(\/(.*)\/,\s*(.*)\)$/s;
const KNOWN = 'len, sorted, str, this, split(sep, index, maxsplit), sub(/regex/, replacement)';

/** Compile the body of a backtick step (`` `split(#, 0, 1)` ``); regexes are built here, once. */
export function parseExtension(token: Token, source: string): Extension {
  const body = token.value;
  const text = token.raw;
  const fail = (detail: string): never => {
    throw new JsonPathSyntaxError(source, token.column, detail);
  };
  if (body === 'len' || body === 'sorted' || body === 'this') return { name: body, text };
  if (body === 'str' || body === 'str()') return { name: 'str', text };
  if (body.startsWith('split(')) {
    const m = SPLIT.exec(body) ?? fail(`invalid extension ${text} (expected \`split(sep, index, maxsplit)\`)`);
    return { name: 'split', text, sep: m[1] as string, index: Number(m[2]), maxSplit: Number(m[3]) };
  }
  if (body.startsWith('sub(')) {
    const m = SUB.exec(body) ?? fail(`invalid extension ${text} (expected \`sub(/regex/, replacement)\`)`);
    try {
      return { name: 'sub', text, sub: compilePySub((m[1] as string).trim(), (m[2] as string).trim()) };
    } catch (err) {
      return fail(`invalid extension ${text}: ${(err as Error).message}`);
    }
  }
  return fail(`unknown extension ${text} (known: ${KNOWN})`);
}

/** Apply an extension to one match; a value it cannot handle yields nothing. */
export function applyExtension(ext: Extension, datum: Datum, out: Datum[]): void {
  const value = datum.value;
  let result: PyJson | undefined;
  switch (ext.name) {
    case 'this':
      out.push(datum);
      return;
    case 'len':
      result = pyLen(value);
      break;
    case 'sorted':
      result = pySorted(value);
      break;
    case 'str':
      result = pyStr(value);
      break;
    case 'split':
      result = typeof value === 'string' ? splitSegment(value, ext.sep, ext.index, ext.maxSplit) : undefined;
      break;
    case 'sub':
      result = typeof value === 'string' ? ext.sub.apply(value) : undefined;
      break;
  }
  if (result !== undefined) out.push(new Datum(result, datum, ext.text));
}

function pyLen(value: PyJson): number | undefined {
  if (Array.isArray(value)) return value.length;
  if (isDict(value)) return Object.keys(value).length;
  if (typeof value !== 'string') return undefined;
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    // A surrogate pair is one Python character.
    if (c < 0xdc00 || c > 0xdfff || i === 0 || !isHighSurrogate(value.charCodeAt(i - 1))) count++;
  }
  return count;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** `sorted()`: a list sorted (numbers or strings, not mixed), a dict's keys; else unchanged. */
function pySorted(value: PyJson): PyJson | undefined {
  if (isDict(value)) return Object.keys(value).sort(comparePyStr);
  if (!Array.isArray(value)) return value;
  if (value.every((v) => typeof v === 'string'))
    return [...value].sort(comparePyStr as (a: PyJson, b: PyJson) => number);
  if (!value.every(isNumeric)) return undefined;
  return [...value].sort((a, b) => {
    const x = numeric(a);
    const y = numeric(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function isNumeric(v: PyJson): boolean {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat;
}

function numeric(v: PyJson): number | bigint {
  return v instanceof PyFloat ? v.value : (v as number | bigint);
}

/** Python `s.split(sep, maxsplit)[index]`; maxsplit -1 is unlimited. */
function splitSegment(s: string, sep: string, index: number, maxSplit: number): string | undefined {
  const parts: string[] = [];
  let start = 0;
  while (maxSplit < 0 || parts.length < maxSplit) {
    const at = s.indexOf(sep, start);
    if (at < 0) break;
    parts.push(s.slice(start, at));
    start = at + sep.length;
  }
  parts.push(s.slice(start));
  return parts[index < 0 ? parts.length + index : index];
}
