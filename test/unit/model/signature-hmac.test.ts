import { createHmac } from 'node:crypto';
import t from 'tap';
import { computeSignature, signatureOf, signedPairs } from '../../../src/model/signature.js';

// signatureOf computes HMAC-SHA256 from padded keys with one-shot hashes (a string prefix when
// the padded key is ASCII, createHmac otherwise): it must be createHmac's result in every case.
const reference = (data: string, secret: string): string =>
  secret ? createHmac('sha256', secret).update(data, 'utf8').digest('hex') : '';

const SECRETS = [
  'change this for valid signing',
  'x',
  'k'.repeat(64), // exactly one block
  'k'.repeat(65), // hashed first: arbitrary bytes, so the createHmac path
  'k'.repeat(300),
  '\u007f\u0000\u0049', // ASCII edge bytes
  'sécret', // a byte above 0x7f in the padded key
  '\u{1f600}',
];
const DATA = ['', 'counter_namecpu', 'é and \u{1f600}', 'lone \ud800 surrogate', 'x'.repeat(10_000)];

t.test('equals createHmac for every kind of secret and data', async (t) => {
  for (const secret of SECRETS) {
    for (const data of DATA) {
      const label = `${JSON.stringify(secret.slice(0, 12))} / ${JSON.stringify(data.slice(0, 20))}`;
      t.equal(signatureOf(data, secret), reference(data, secret), label);
    }
  }
});

t.test('switching secrets back and forth keeps each one right', async (t) => {
  for (let i = 0; i < 6; i++) {
    const secret = SECRETS[i % 3] as string;
    t.equal(signatureOf('abc', secret), reference('abc', secret));
  }
});

t.test('an empty secret signs nothing', async (t) => {
  t.equal(signatureOf('abc', ''), '');
});

t.test('key order: any insertion order and many interleaved shapes sign in Python order', async (t) => {
  // sortedKeys remembers the last few unsorted key lists: more shapes than it keeps, cycled, in
  // several insertion orders, must each still sign over the keys in Python's order (checked
  // against an HMAC of the data written out by hand), with upper case keys (sorted before lower
  // case), non-ASCII ones and nested dicts.
  const shapes = Array.from({ length: 12 }, (_, i) =>
    Array.from({ length: 2 + (i % 5) }, (_, k) => [`k${i}_${k}`, `K${k}`, `é${k}`][k % 3] as string),
  );
  const secret = 's';
  const orders = (keys: string[]) => [[...keys].reverse(), [...keys.slice(1), keys[0] as string], keys];
  for (let round = 0; round < 3; round++) {
    for (const keys of shapes) {
      const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const data = sorted.map((k) => (k.startsWith('K') ? `${k}:n1` : `${k}${k}`)).join('');
      for (const order of orders(keys)) {
        const dict = Object.fromEntries(order.map((k) => [k, k.startsWith('K') ? { n: 1 } : k]));
        t.same(
          signedPairs(dict).map(([name]) => name),
          sorted.map((k) => (k.startsWith('K') ? `${k}:n` : k)),
        );
        t.equal(computeSignature(dict, secret), reference(data, secret), `${order.join(',')} (round ${round})`);
      }
    }
  }
});

t.test('key lists that join alike are told apart (a NUL inside a key)', async (t) => {
  // ['a\0b', 'c'] and ['a', 'b', 'c'] joined with NUL are the same text: whichever is signed
  // first must not decide the other's keys.
  const secret = 's';
  t.same(signedPairs({ 'a\u0000b': 'x', c: 'y' }), [
    ['a\u0000b', 'x'],
    ['c', 'y'],
  ]);
  for (let i = 0; i < 10; i++) signedPairs({ [`p${i}`]: 1, [`q${i}`]: 2 }); // out of the recent shapes
  t.same(signedPairs({ a: 1, b: 2, c: 3 }), [
    ['a', '1'],
    ['b', '2'],
    ['c', '3'],
  ]);
  t.equal(computeSignature({ c: 3, b: 2, a: 1 }, secret), reference('a1b2c3', secret));
  t.equal(computeSignature({ 'a\u0000b': 'x', c: 'y' }, secret), reference('a\u0000bxcy', secret));
  t.same(
    signedPairs({ '1:a': 1, b: 2 }).map(([name]) => name),
    ['1:a', 'b'],
    'a key that looks like a length prefix',
  );
  t.same(
    signedPairs({ a: 1, '1:b': 2 }).map(([name]) => name),
    ['1:b', 'a'],
  );
});
