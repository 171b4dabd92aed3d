import t from 'tap';
import { compilePySub, PyRegexError, translatePattern } from '../../../src/model/py-regex.js';

const sub = (pattern: string, repl: string, input: string): string => compilePySub(pattern, repl).apply(input);

t.test('group references become the matched text', async (t) => {
  t.equal(
    sub('(disk\\.device|disk)\\.(read|write)\\.(bytes|requests)', '\\1.\\2.\\3.rate', 'disk.read.bytes'),
    'disk.read.bytes.rate',
  );
  t.equal(sub('(B|request)', '\\1/s', 'B'), 'B/s');
  t.equal(
    sub('network\\.(incoming|outgoing)\\.(bytes|packets)', 'network.\\1.\\2.rate', 'network.incoming.packets'),
    'network.incoming.packets.rate',
  );
  t.equal(sub('(?P<dir>read|write)', '\\g<dir>!', 'disk.read'), 'disk.read!');
  t.equal(sub('(a)', '\\g<1>\\g<0>', 'xa'), 'xaa');
  t.equal(sub('(a)|(b)', '[\\2]', 'ab'), '[][b]', 'an unmatched group is empty');
});

t.test('replace every match anywhere, not only a full match', async (t) => {
  t.equal(sub('a', 'b', 'banana'), 'bbnbnb');
  t.equal(sub('x', 'y', 'abc'), 'abc', 'no match keeps the string');
  t.equal(sub('x*', '-', 'abxd'), '-a-b--d-', 'empty matches as Python 3.7+');
});

t.test('dollar signs are literal in the template', async (t) => {
  t.equal(sub('(a)', '$1$&\\1', 'a'), '$1$&a');
});

t.test('anchors follow Python', async (t) => {
  t.equal(sub('^disk', 'd', 'disk.disk'), 'd.disk');
  t.equal(sub('s$', 'S', 'bytes'), 'byteS');
  t.equal(sub('s$', 'S', 'bytes\n'), 'byteS\n', '$ also matches before a final newline');
  t.equal(sub('\\Adisk', 'd', 'disk'), 'd');
  t.equal(sub('s\\Z', 'S', 'bytes\n'), 'bytes\n', '\\Z only at the very end');
  t.equal(translatePattern('[$]').source, '[$]', '$ in a class is literal');
});

t.test('template escapes', async (t) => {
  t.equal(sub('a', '\\n', 'a'), '\n');
  t.equal(sub('a', '\\\\', 'a'), '\\');
  t.equal(sub('a', '\\.', 'a'), '\\.', 'unknown non-letter escapes are kept');
  t.equal(sub('a', '\\101', 'a'), 'A', 'three octal digits are a character');
  t.throws(() => compilePySub('(a)', '\\10'), PyRegexError, '\\10 is group 10, not octal');
});

t.test('errors Python would raise', async (t) => {
  t.throws(() => compilePySub('(a)', '\\2'), PyRegexError);
  t.throws(() => compilePySub('(a)', '\\g<nope>'), PyRegexError);
  t.throws(() => compilePySub('a', '\\q'), PyRegexError);
  t.throws(() => compilePySub('(a', 'x'), SyntaxError);
  t.throws(() => compilePySub('(?x)a b', 'x'), PyRegexError);
});

t.test('inline flags', async (t) => {
  t.equal(sub('(?i)DISK', 'd', 'disk'), 'd');
});
