import t from 'tap';
import { compileGlob, compilePythonMatch } from '../../../src/definitions/index.js';

function glob(pattern: string, name: string): boolean {
  return compileGlob(pattern).test(name);
}

t.test('compileGlob: * and ? with fnmatch semantics, whole string', async (t) => {
  t.ok(glob('*', ''));
  t.ok(glob('*', 'anything.at.all'));
  t.ok(glob('compute.*', 'compute.instance.create'));
  t.notOk(glob('compute.*', 'computeXinstance'), '`.` is literal');
  t.notOk(glob('compute.*', 'xcompute.a'), 'anchored at the start');
  t.notOk(glob('disk', 'disk.read'), 'anchored at the end');
  t.ok(glob('*http.*', 'objectstore.http.request'));
  t.ok(glob('disk.?ead', 'disk.read'));
  t.notOk(glob('disk.?ead', 'disk.ead'), '? is exactly one char');
  t.notOk(glob('disk.?ead', 'disk.rread'));
  t.notOk(glob('CPU', 'cpu'), 'case-sensitive');
  t.ok(glob('a*b', 'a\nb'), 'like Python fnmatch, * also matches a newline');
});

t.test('compileGlob: [seq] and [!seq]', async (t) => {
  t.ok(glob('disk.[rw]*', 'disk.read.bytes'));
  t.ok(glob('disk.[rw]*', 'disk.write.bytes'));
  t.notOk(glob('disk.[rw]*', 'disk.allocation'));
  t.ok(glob('disk.[!rw]*', 'disk.allocation'));
  t.notOk(glob('disk.[!rw]*', 'disk.read'));
  t.ok(glob('v[0-9]', 'v7'));
  t.notOk(glob('v[0-9]', 'vx'));
  t.ok(glob('a[', 'a['), 'an unclosed [ is literal');
  t.notOk(glob('a[', 'ab'));
  t.ok(glob('a[.]b', 'a.b'));
  t.notOk(glob('a[.]b', 'axb'));
});

t.test('compileGlob: regex metacharacters outside sets are literal', async (t) => {
  t.ok(glob('a+b(c)|{d}$^', 'a+b(c)|{d}$^'));
  t.notOk(glob('a+b', 'aab'));
  t.ok(glob('a\\b', 'a\\b'), 'a backslash is literal in fnmatch');
});

t.test('compileGlob: a leading ] is literal inside a set, also after !', {}, async (t) => {
  t.ok(glob('[]]', ']'));
  t.ok(glob('[]a]', 'a'));
  t.ok(glob('[!]x]', 'a'));
  t.notOk(glob('[!]x]', ']'));
  t.notOk(glob('[!]x]', 'x'));
});

t.test('compileGlob: [^x] matches a literal ^ or x in Python fnmatch (not a negation)', {}, async (t) => {
  t.ok(glob('[^x]', '^'));
  t.ok(glob('[^x]', 'x'));
  t.notOk(glob('[^x]', 'a'));
});

t.test('compilePythonMatch: re.match anchoring (start only)', async (t) => {
  const re = compilePythonMatch('volume.create.*');
  t.ok(re.test('volume.create'));
  t.ok(re.test('volume.create.end'));
  t.ok(re.test('volumeXcreate'));
  t.notOk(re.test('a.volume.create'));
  t.ok(compilePythonMatch('a|b').test('b.x'), 'alternation is grouped so the anchor applies to both');
  t.notOk(compilePythonMatch('a|b').test('xb'));
  t.ok(compilePythonMatch('image.upload$').test('image.upload'));
  t.notOk(compilePythonMatch('image.upload$').test('image.upload.extra'));
  t.ok(compilePythonMatch('image.upload\\Z').test('image.upload'), '\\Z is end of string');
  t.notOk(compilePythonMatch('image.upload\\Z').test('image.uploadX'));
});

t.test('compilePythonMatch: (?P<name>) and (?P=name)', async (t) => {
  const re = compilePythonMatch('(?P<svc>[a-z]+)\\.(?P=svc)');
  const m = re.exec('nova.nova.extra');
  t.ok(m);
  t.equal(m?.groups?.svc, 'nova');
  t.notOk(re.test('nova.cinder'));
  t.ok(compilePythonMatch('compute.instance.(?!create.start|update).*').test('compute.instance.delete.end'));
  t.notOk(compilePythonMatch('compute.instance.(?!create.start|update).*').test('compute.instance.update'));
  t.throws(() => compilePythonMatch('bad.(unclosed'));
});
