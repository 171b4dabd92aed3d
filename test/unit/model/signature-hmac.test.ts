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
  // sortedKeys remembers the last few unsorted key lists: more shapes than it keeps, cycled,
  // must each still come out sorted (and the same keys in another order the same).
  const shapes = Array.from({ length: 12 }, (_, i) => Array.from({ length: 2 + (i % 5) }, (_, k) => `k${i}_${k}`));
  const expected = (keys: string[]) =>
    signedPairs(Object.fromEntries([...keys].sort().map((k) => [k, k]))).map(([name]) => name);
  for (let round = 0; round < 3; round++) {
    for (const keys of shapes) {
      const forward = Object.fromEntries(keys.map((k) => [k, k]));
      const backward = Object.fromEntries([...keys].reverse().map((k) => [k, k]));
      t.same(
        signedPairs(forward).map(([name]) => name),
        expected(keys),
      );
      t.same(
        signedPairs(backward).map(([name]) => name),
        expected(keys),
      );
      t.equal(computeSignature(backward, 's'), computeSignature(forward, 's'));
    }
  }
});
