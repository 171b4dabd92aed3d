import t from 'tap';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { fieldOf, keyOf, PartitionStateStore } from '../../../src/partitioning/state-store.js';
import { decodeWriteReply } from '../../../src/partitioning/state-store-script.js';
import { CorruptStateError, StaleEpochError, StateRefusedError } from '../../../src/partitioning/types.js';
import { FakeLeaseRedis, replyError } from './fake-lease-redis.js';

const ref = { pipeline: 'cpu', partition: 1 };
const EPOCH_KEY = 'meterflow:g:epoch:cpu:1';

function setup(options: { warnBytes?: number; warnEntries?: number } = {}) {
  const redis = new FakeLeaseRedis();
  redis.strings.set(EPOCH_KEY, '4');
  const logger = new MemoryLogger();
  return { redis, logger, store: new PartitionStateStore({ redis, group: 'g', logger, ...options }) };
}

t.test('nothing stored: load and lastApplied are null, size 0', async (t) => {
  const { store } = setup();
  t.equal(await store.load(ref), null);
  t.equal(await store.lastApplied(ref), null);
  t.same(await store.stateSize(ref), { bytes: 0, entries: 0 });
});

t.test('deltas patch entries; null deletes; globals patch key by key', async (t) => {
  const { store, redis } = setup();
  await store.write(ref, 4, {
    0: { kind: 'aggregator', entries: { a: 1, b: { x: [1, 2] } }, global: { full: true, released: ['m1'], n: 2 } },
  });
  await store.write(ref, 4, { 0: { kind: 'aggregator', entries: { a: null, c: 'z', gone: null }, global: { n: 3 } } });
  t.same(await store.load(ref), {
    epoch: 4,
    batchId: null,
    states: {
      0: { kind: 'aggregator', entries: { b: { x: [1, 2] }, c: 'z' }, global: { full: true, released: ['m1'], n: 3 } },
    },
  });
  t.ok(redis.hashes.has('meterflow:g:state:cpu:1:t0'), 'entries hash per transformer');
  await store.write(ref, 4, { 0: { kind: 'aggregator', entries: {}, global: 'whole' } });
  t.equal((await store.load(ref))?.states[0]?.global, 'whole', 'a non-object global replaces');
  await store.write(ref, 4, { 0: { kind: 'aggregator', entries: {}, global: { n: 1 } } });
  t.same((await store.load(ref))?.states[0]?.global, { n: 1 }, 'and an object global replaces it back');
});

t.test('full snapshots replace the index they name, not the others', async (t) => {
  const { store } = setup();
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { a: 1 } }, 1: { kind: 'delta', entries: { q: 1 } } });
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { b: 2, dropped: null } } }, { full: true });
  const loaded = await store.load(ref);
  t.same(loaded?.states[0]?.entries, { b: 2 });
  t.same(loaded?.states[1]?.entries, { q: 1 });
  await store.write(ref, 4, { 1: { kind: 'delta', entries: { r: 1 }, global: { full: true } } });
  t.same((await store.load(ref))?.states[1]?.entries, { r: 1 }, "global.full (snapshot()'s mark) implies full");
  t.same(await store.stateSize(ref), { entries: 2, bytes: 'b2'.length + 'r1'.length + '.full'.length + 4 });
});

t.test('a writer behind the epoch counter is refused and changes nothing', async (t) => {
  const { store, redis } = setup();
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { a: 1 } } }, { batchId: 'b1' });
  redis.strings.set(EPOCH_KEY, '5');
  const error = await store.write(ref, 4, { 0: { kind: 'delta', entries: { a: 2 } } }).catch((e: unknown) => e);
  t.type(error, StaleEpochError);
  t.match(error, { epoch: 4, current: 5, partition: ref });
  t.same((await store.load(ref))?.states[0]?.entries, { a: 1 });
  t.same(await store.lastApplied(ref), { epoch: 4, batchId: 'b1' });
  await store.write(ref, 5, { 0: { kind: 'delta', entries: { a: 3 } } }, { batchId: 'b2' });
  t.same(await store.lastApplied(ref), { epoch: 5, batchId: 'b2' });
  await store.write(ref, 6, { 0: { kind: 'delta', entries: { a: 4 } } });
  t.equal((await store.load(ref))?.epoch, 6, 'a counter behind the writer (lost counter) is accepted');
});

t.test('the batch last applied is recognised and not applied twice', async (t) => {
  const { store } = setup();
  t.same(await store.write(ref, 4, { 0: { kind: 'delta', entries: { a: 1 } } }, { batchId: 'm-9' }), {
    applied: true,
    bytes: 2,
    entries: 1,
  });
  const again = await store.write(ref, 4, { 0: { kind: 'delta', entries: { b: 1 } } }, { batchId: 'm-9' });
  t.same(again, { applied: false, bytes: 2, entries: 1 });
  t.same(await store.lastApplied(ref), { epoch: 4, batchId: 'm-9' });
});

t.test('sizes: tracked per write, warned once per crossing', async (t) => {
  const { store, logger } = setup({ warnEntries: 2 });
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { a: 1, b: 1 } } });
  t.equal(logger.records.length, 0);
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { c: 1 } } });
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { d: 1 } } });
  t.equal(logger.records.filter((r) => r.level === 'warn').length, 1);
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { a: null, b: null, c: null } } });
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { e: 1, f: 1 } } });
  t.equal(logger.records.filter((r) => r.level === 'warn').length, 2, 'warned again after dropping below');
  t.same(await store.stateSize(ref), { bytes: 6, entries: 3 });
});

t.test('bad input and corrupt data are reported', async (t) => {
  const { store, redis } = setup();
  await t.rejects(store.write(ref, 4, { [-1]: { kind: 'delta', entries: {} } }), RangeError);
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { a: 1 } } });
  redis.hashes.get('meterflow:g:state:cpu:1:t0')?.set('a', '{not json');
  await t.rejects(store.load(ref), /corrupt state of cpu\/1 \(a\)/);
  t.throws(() => decodeWriteReply('OK'), /unexpected reply/);
  t.throws(() => decodeWriteReply([2, 0, 0, 0]), /unexpected write status/);
});

t.test('cache keys with lone surrogates are stored as JSON literals and restored exactly', async (t) => {
  const { store, redis } = setup();
  const lone = 'vm-\ud800';
  t.equal(fieldOf(lone), '~"vm-\\ud800"', 'marked, the surrogate escaped in ASCII');
  t.equal(fieldOf('vm-😀'), 'vm-😀', 'a well-formed key is stored as it is');
  t.equal(fieldOf('"vm-\\ud800"'), '"vm-\\ud800"', "arithmetic's keys (JSON of the resource id) too");
  t.equal(fieldOf('~q'), '~"~q"', 'a key starting with the mark is marked, so reading back is unambiguous');
  for (const key of [lone, 'vm-\udc00', '\udc00\ud800', 'vm-😀', '"vm-\\ud800"', '~q', '~', '']) {
    t.equal(keyOf(fieldOf(key), ref), key, `round trip of ${JSON.stringify(key)}`);
  }
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { [lone]: 1, 'vm-\udc00': 2 }, global: { [lone]: 3 } } });
  t.same(await store.load(ref), {
    epoch: 4,
    batchId: null,
    states: { 0: { kind: 'delta', entries: { [lone]: 1, 'vm-\udc00': 2 }, global: { [lone]: 3 } } },
  });
  t.same([...(redis.hashes.get('meterflow:g:state:cpu:1:g0')?.keys() ?? [])], ['.~"vm-\\ud800"']);
  await store.write(ref, 4, { 0: { kind: 'delta', entries: { [lone]: null } } });
  t.same((await store.load(ref))?.states[0]?.entries, { 'vm-\udc00': 2 }, 'and deleted by the same key');
  const entries = redis.hashes.get('meterflow:g:state:cpu:1:t0');
  entries?.set('~"broken', '1');
  await t.rejects(store.load(ref), CorruptStateError, 'a marked field that is not JSON is corrupt state');
  entries?.delete('~"broken');
  entries?.set('~1', '1');
  await t.rejects(store.load(ref), /corrupt state of cpu\/1 \(~1\)/, 'nor is one that is not a JSON string');
});

t.test('a script failing on its input is refused; transient and connection errors are not', async (t) => {
  const { store, redis } = setup();
  const write = () => store.write(ref, 4, { 0: { kind: 'delta', entries: { a: 1 } } }).catch((e: unknown) => e);
  const refused = [
    'ERR user_script:16: Expected value but found invalid unicode escape code at character 9 script: 0a1b, on @user_script:16.',
    'ERR Error running script (call to f_0a1b): @user_script:16: user_script:16: Expected value', // Redis 6
  ];
  for (const message of refused) {
    redis.evalErrors.push(replyError(message));
    const error = await write();
    t.type(error, StateRefusedError, message);
    t.match(error, { partition: ref, message: /^state write of cpu\/1 refused: ERR /, cause: { name: 'ReplyError' } });
  }
  const passedOn = [
    replyError('OOM command not allowed when used memory > maxmemory. script: 0a1b, on @user_script:16.'),
    replyError('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'),
    replyError('READONLY You can’t write against a read only replica.'),
    replyError('NOPERM this user has no permissions to run the eval command'),
    new Error('Connection is closed. (user_script)'),
  ];
  for (const error of passedOn) {
    redis.evalErrors.push(error);
    t.equal(await write(), error, `${error.message} is passed on as it is`);
  }
  t.same(await store.lastApplied(ref), null, 'nothing was written');
});
