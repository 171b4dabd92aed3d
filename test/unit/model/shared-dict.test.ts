import t from 'tap';
import { PyFloat } from '../../../src/model/py-float.js';
import { dumpsPyJson } from '../../../src/model/py-json.js';
import type { PyJson } from '../../../src/model/sample.js';
import { flat } from '../../../src/model/flat.js';
import { approxChars, RecentSharedDicts, renderingsOf, samePyJson, shareDict } from '../../../src/model/shared-dict.js';
import { computeSignature, signedItem } from '../../../src/model/signature.js';

const metadata = (): { [key: string]: PyJson } => ({
  display_name: 'vm-1 é',
  flavor: { id: '2', vcpus: 1, ram: new PyFloat(2048) },
  image: null,
  tags: ['a', 1, 1.5],
  big: 123456789012345678n,
});

t.test('a shared dict reads, dumps and signs as the plain dict it is', async (t) => {
  const plain = metadata();
  const shared = shareDict(metadata());
  t.ok(Object.isFrozen(shared));
  t.same(Object.keys(shared), Object.keys(plain));
  t.same({ ...shared }, plain, 'spread sees no extra key');
  t.equal(
    JSON.stringify(shared, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    JSON.stringify(plain, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
  );
  const keysIn: string[] = [];
  for (const key in shared) keysIn.push(key);
  t.same(keysIn, Object.keys(plain), 'for…in sees no extra key');
  for (let round = 0; round < 2; round++) {
    t.equal(dumpsPyJson(shared), dumpsPyJson(plain), `dumps, round ${round}`);
    t.equal(dumpsPyJson(shared, { compact: true }), dumpsPyJson(plain, { compact: true }), `compact, round ${round}`);
    t.equal(signedItem('resource_metadata', shared), signedItem('resource_metadata', plain), `signed, round ${round}`);
    t.equal(signedItem('other', shared), signedItem('other', plain), `other prefix, round ${round}`);
  }
  const secret = 'change this for valid signing';
  t.equal(
    computeSignature({ counter_name: 'cpu', resource_metadata: shared }, secret),
    computeSignature({ counter_name: 'cpu', resource_metadata: plain }, secret),
  );
});

t.test('renderings are made once, on the object, when first needed', async (t) => {
  const shared = shareDict(metadata());
  const slot = renderingsOf(shared);
  t.ok(slot);
  t.equal(slot?.json, undefined);
  const json = dumpsPyJson(shared);
  t.equal(slot?.json, json);
  t.equal(dumpsPyJson({ m: shared }), `{"m": ${json}}`, 'nested use reads the same rendering');
  signedItem('resource_metadata', shared);
  t.equal(slot?.signedPrefix, 'resource_metadata:');
  t.equal(slot?.signed, signedItem('resource_metadata', metadata()));
  t.equal(renderingsOf(metadata()), undefined, 'a plain dict has none');
  const frozen = Object.freeze(metadata());
  t.equal(shareDict(frozen), frozen, 'an already frozen dict is kept as it is');
  t.equal(renderingsOf(frozen), undefined);
});

t.test('samePyJson: same value, same Python type, same key order', async (t) => {
  t.ok(samePyJson(metadata(), metadata()));
  t.ok(samePyJson(null, null));
  t.ok(samePyJson([1, 'a'], [1, 'a']));
  t.ok(samePyJson(new PyFloat(1), new PyFloat(1)));
  t.notOk(samePyJson(1, new PyFloat(1)), 'int and float differ');
  t.notOk(samePyJson(new PyFloat(1), 1));
  t.notOk(samePyJson(new PyFloat(0), new PyFloat(-0)), '0.0 and -0.0 dump differently');
  t.notOk(samePyJson(1n, 1), 'bigint and number differ');
  t.notOk(samePyJson({ a: 1, b: 2 }, { b: 2, a: 1 }), 'key order matters (dumps differ)');
  t.notOk(samePyJson({ a: 1 }, { a: 1, b: 2 }));
  t.notOk(samePyJson({ a: 1, b: undefined as unknown as PyJson }, { a: 1, c: undefined as unknown as PyJson }));
  t.notOk(samePyJson([1], [1, 2]));
  t.notOk(samePyJson([1], { 0: 1 }));
  t.notOk(samePyJson({ a: [1] }, { a: [2] }));
  t.notOk(samePyJson(null, {}));
  t.notOk(samePyJson('1', 1));
});

t.test('flat keeps the value of a concatenated string', async (t) => {
  let text = '';
  for (let i = 0; i < 200; i++) text += `k${i}:v${i * 7};`;
  const copy = `${text}`;
  t.equal(flat(text), copy);
  t.equal(flat(''), '');
});

t.test('RecentSharedDicts: one shared dict per key while the value stays the same', async (t) => {
  const recent = new RecentSharedDicts(2);
  const first = recent.share('r1', metadata());
  t.ok(Object.isFrozen(first) && renderingsOf(first), 'a shared dict');
  t.equal(recent.share('r1', metadata()), first, 'the same value again: the remembered dict');
  t.equal(dumpsPyJson(first), dumpsPyJson(metadata()), 'which dumps as the new one');

  const changed = { ...metadata(), display_name: 'renamed' };
  const second = recent.share('r1', changed);
  t.not(second, first, 'another value under the key: its own dict');
  t.same(second, changed);
  t.equal(recent.share('r1', { ...changed }), second, 'and it replaced the old one');

  const asFloat = { ...changed, image: new PyFloat(1) };
  const asInt = { ...changed, image: 1 };
  t.not(recent.share('r1', asInt), recent.share('r1', asFloat), 'int and float are different values');
  t.equal(recent.share('other', metadata()) === first, false, 'the key decides which dict is compared');
});

t.test('RecentSharedDicts: two generations of `limit` keys, the unused ones forgotten', async (t) => {
  const recent = new RecentSharedDicts(2);
  const a = recent.share('a', { v: 'a' });
  const b0 = recent.share('b', { v: 'b' });
  recent.share('c', { v: 'c' }); // a new generation: a and b are the previous one
  t.equal(recent.share('a', { v: 'a' }), a, 'a key of the previous generation is still known (and moved up)');
  recent.share('d', { v: 'd' });
  recent.share('e', { v: 'e' }); // another generation: b was not used in the last one
  const b = recent.share('b', { v: 'b' });
  t.not(b, b0, 'a forgotten key starts again with the new dict');
  t.same(b, { v: 'b' });
  t.equal(recent.share('b', { v: 'b' }), b, 'and remembers that one');
});

t.test('RecentSharedDicts: memory bounded by dicts and characters, big dicts never kept', async (t) => {
  const recent = new RecentSharedDicts(100, 10_000, 1_000);
  for (let i = 0; i < 5_000; i++) recent.share(`r${i}`, { name: `vm-${i}`, n: i });
  t.ok(recent.size.dicts <= 200, `at most two generations of 100 dicts (${recent.size.dicts})`);

  const wide = new RecentSharedDicts(1_000, 10_000, 1_000);
  for (let i = 0; i < 1_000; i++) wide.share(`r${i}`, { text: 'x'.repeat(500 + (i % 7)) });
  t.ok(wide.size.chars <= 20_000, `at most two generations of 10 000 characters (${wide.size.chars})`);
  t.ok(wide.size.dicts < 100, `so far fewer dicts than the limit (${wide.size.dicts})`);

  // Keys that fit while their values are small, then each replaced by a large value: the
  // replacements count against the generation too.
  const growing = new RecentSharedDicts(1_000, 2_000, 1_000);
  for (let i = 0; i < 10; i++) growing.share(`r${i}`, { text: 'x'.repeat(100) });
  for (let i = 0; i < 10; i++) growing.share(`r${i}`, { text: 'y'.repeat(900) });
  t.ok(growing.size.chars <= 4_000, `values growing under the same keys stay bounded (${growing.size.chars})`);

  const big = { text: 'x'.repeat(2_000) };
  const first = wide.share('big', big);
  t.not(wide.share('big', { ...big }), first, 'a dict over maxDictChars is not remembered');
  const small = wide.share('big', { text: 'small' });
  t.equal(wide.share('big', { text: 'small' }), small, 'a smaller value under the same key is remembered again');
  t.equal(wide.share('big', { text: 'small' }), small);
  wide.share('big', big);
  t.not(wide.share('big', { text: 'small' }), small, 'and forgotten once a big one replaced it');
});

t.test('approxChars: about the dumped length, stops past the cap', async (t) => {
  const value = { a: 'xyz', list: [1, new PyFloat(2), null, 'q'], nested: { b: true } };
  const n = approxChars(value, 1_000);
  t.ok(
    n >= dumpsPyJson(value).length * 0.8 && n <= dumpsPyJson(value).length * 2,
    `${n} vs ${dumpsPyJson(value).length}`,
  );
  t.equal(approxChars('abc', 100), 5);
  const huge = Array.from({ length: 300_000 }, (_, i) => i);
  t.ok(approxChars(huge, 1_000) > 1_000, 'a long list is counted past the cap without walking it');
  t.ok(approxChars({ ...Object.fromEntries(huge.slice(0, 5_000).map((i) => [`k${i}`, i])) }, 100) > 100);
});
