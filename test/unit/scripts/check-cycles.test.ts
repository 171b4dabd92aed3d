import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../../scripts/check-cycles.mjs');
const run = promisify(execFile);

/** Runs the script; resolves with its exit code and output whatever the code. */
async function check(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, dir]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A temp source tree from `{ 'relative/path.ts': 'source' }`, removed after the test. */
async function tree(t: Test, files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'meterflow-check-cycles-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const acyclic = {
  'index.ts': "export { a } from './a.js';\nexport * from './sub/index.js';\n",
  'a.ts': "import type { B } from './sub/b.js';\nimport { c } from './c.js';\nexport const a: B = c;\n",
  'sub/index.ts': "export type { B } from './b.js';\n",
  'sub/b.ts': 'export type B = number;\n',
  // A dynamic import back into the tree is late binding, not a static cycle.
  'c.ts':
    "import { readFile } from 'node:fs';\nexport const c = 1;\nexport const load = () => import('./a.js');\nvoid readFile;\n",
  // Commented-out and in-string imports are not imports.
  'd.ts': "// import { a } from './a.js';\nexport const text = \"import { a } from './d.js'\";\n",
};

t.test('a tree without cycles exits 0 and counts the files', async (t) => {
  const dir = await tree(t, acyclic);
  const result = await check(dir);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'no import cycles (6 files)\n');
});

t.test('cycles exit 1, type-only and multi-line imports included', async (t) => {
  const dir = await tree(t, {
    ...acyclic,
    'sub/b.ts': "import type {\n  Thing,\n} from '../e.js';\nexport type B = Thing;\n",
    'e.ts': "import { a } from './a.js';\nexport type Thing = typeof a;\n",
    'self.ts': "export { self } from './self.js';\nexport const self = 1;\n",
  });
  const result = await check(dir);
  t.equal(result.code, 1);
  t.equal(result.stdout, '');
  t.same(result.stderr.trimEnd().split('\n'), [
    'import cycles found (2):',
    'a.ts -> sub/b.ts -> e.ts -> a.ts',
    'self.ts -> self.ts',
  ]);
});

t.test('a missing directory is a usage error', async (t) => {
  const dir = await tree(t, {});
  const result = await check(join(dir, 'missing'));
  t.equal(result.code, 2);
  t.match(result.stderr, /not a directory/);
});
