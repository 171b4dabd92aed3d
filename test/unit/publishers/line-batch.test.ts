import t from 'tap';
import { LineBatch } from '../../../src/publishers/rotating-file.js';

t.test('lines are encoded as UTF-8 with a newline each, growing the buffer as needed', async (t) => {
  const lines = ['a', 'é', '\u{1f600}', 'x'.repeat(100), '', 'lone \ud800 surrogate', 'y'.repeat(5000)];
  const batch = new LineBatch(8);
  t.equal(batch.count, 0);
  t.equal(batch.bytes().length, 0);
  for (const line of lines) batch.add(line);
  t.equal(batch.count, lines.length);
  t.same(batch.bytes(), Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8'));
  lines.forEach((line, i) => {
    t.equal(batch.lineBytes(i), Buffer.byteLength(`${line}\n`), `line ${i}`);
  });
  t.equal(batch.bytes(1, 3).toString('utf8'), 'é\n\u{1f600}\n');
  t.equal(batch.bytes(2, 2).length, 0);
  t.equal(batch.bytes(6).toString('utf8'), `${'y'.repeat(5000)}\n`);
});
