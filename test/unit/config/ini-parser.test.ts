import t from 'tap';
import { parseIni } from '../../../src/config/ini-parser.js';

const entries = (text: string) => parseIni(text).entries.map((e) => [e.section, e.key, e.value, e.line]);

t.test('sections, both separators, trimming, comments', async (t) => {
  const doc = parseIni(
    [
      '# leading comment',
      '[DEFAULT]',
      'host = ctl-01   ',
      'transport_url=rabbit://u:p@h:5672/',
      'batch_size: 50',
      '; semicolon comment',
      '#commented_out = 1',
      '[notification]',
      'empty =',
      'url: rabbit://u:p@h/?a=b',
      'inline = value # not a comment',
      '[Notification]',
      'workers = 2',
    ].join('\n'),
  );
  t.same(doc.issues, []);
  t.same(
    doc.entries.map((e) => [e.section, e.key, e.value, e.line]),
    [
      ['DEFAULT', 'host', 'ctl-01', 3],
      ['DEFAULT', 'transport_url', 'rabbit://u:p@h:5672/', 4],
      ['DEFAULT', 'batch_size', '50', 5],
      ['notification', 'empty', '', 9],
      ['notification', 'url', 'rabbit://u:p@h/?a=b', 10],
      ['notification', 'inline', 'value # not a comment', 11],
      ['Notification', 'workers', '2', 13],
    ],
  );
  t.same(
    doc.sections.map((s) => [s.name, s.line]),
    [
      ['DEFAULT', 2],
      ['notification', 8],
      ['Notification', 12],
    ],
  );
});

t.test('the first of "=" and ":" splits', async (t) => {
  t.same(entries('[a]\nk = x:y\nk2: x=y\nurl = rabbit://u:p@h\n'), [
    ['a', 'k', 'x:y', 2],
    ['a', 'k2', 'x=y', 3],
    ['a', 'url', 'rabbit://u:p@h', 4],
  ]);
});

t.test('continuation lines join with newlines until a blank line, comment or new key', async (t) => {
  t.same(entries('[a]\ntopics = one,\n    two,\n\tthree\n\nnext = x\n  more\n# c\nlast = y\n'), [
    ['a', 'topics', 'one,\ntwo,\nthree', 2],
    ['a', 'next', 'x\nmore', 6],
    ['a', 'last', 'y', 9],
  ]);
  t.same(entries('[a]\nk = v\n   \n  orphan\n'), [['a', 'k', 'v', 2]]);
  t.same(parseIni('[a]\nk = v\n   \n  orphan\n').issues, [{ line: 4, message: 'unexpected continuation line' }]);
});

t.test('quotes: one matching pair is removed', async (t) => {
  t.same(
    entries(`[a]\nd = "x y"\ns = 'x'\nmixed = "x'\ninner = a "b" c\nlone = "\nkept = "a" "b"\n`).map((e) => e[2]),
    ['x y', 'x', `"x'`, 'a "b" c', '', 'a" "b'],
  );
});

t.test('duplicate keys are all kept, in order', async (t) => {
  t.same(entries('[n]\nu = 1\nu = 2\n[m]\n[n]\nu = 3\n'), [
    ['n', 'u', '1', 2],
    ['n', 'u', '2', 3],
    ['n', 'u', '3', 6],
  ]);
});

t.test('CRLF and trailing whitespace', async (t) => {
  t.same(entries('[a]\r\nk = v \r\nj = w'), [
    ['a', 'k', 'v', 2],
    ['a', 'j', 'w', 3],
  ]);
});

t.test('syntax errors: every one, with its line', async (t) => {
  const doc = parseIni(
    ['orphan = 1', '[DEFAULT] # comment', '[]', '[ok]', 'no separator here', '= value', '  x', '[ok2'].join('\n'),
  );
  t.same(doc.issues, [
    { line: 1, message: 'section must be started before assignment' },
    { line: 2, message: 'invalid section header (must end with "]")' },
    { line: 3, message: 'empty section name' },
    { line: 5, message: 'invalid assignment (expected "key = value" or "key: value")' },
    { line: 6, message: 'empty key' },
    { line: 7, message: 'unexpected continuation line' },
    { line: 8, message: 'invalid section header (must end with "]")' },
  ]);
  t.same(parseIni('').entries, []);
});
