import t from 'tap';
import { Batcher } from '../../../src/messaging/batcher.js';

/** A sink whose batches the test settles by hand; `next()` resolves on each new batch. */
function sink() {
  const batches: number[][] = [];
  const settles: (() => void)[] = [];
  let notify: (() => void) | undefined;
  const fn = (batch: number[]) => {
    batches.push(batch);
    notify?.();
    return new Promise<void>((resolve) => settles.push(resolve));
  };
  const next = () =>
    new Promise<void>((resolve) => {
      notify = resolve;
    });
  return { fn, batches, settles, next };
}

t.test('a full batch goes at once; batches are handed out one at a time', async (t) => {
  const s = sink();
  const b = new Batcher({ batchSize: 2, batchTimeout: 60 }, s.fn);
  b.push(1);
  t.same(s.batches, [], 'waits for more');
  const first = s.next();
  b.push(2);
  await first;
  b.push(3);
  b.push(4);
  t.same(s.batches, [[1, 2]], 'next batch waits for the first to settle');
  const second = s.next();
  s.settles[0]!();
  await second;
  t.same(s.batches, [
    [1, 2],
    [3, 4],
  ]);
  s.settles[1]!();
  t.same(await b.stop(), []);
});

t.test('a partial batch goes when the timeout from its first item ran out', async (t) => {
  const s = sink();
  const b = new Batcher({ batchSize: 10, batchTimeout: 0.05 }, s.fn);
  const started = Date.now();
  const first = s.next();
  b.push(1);
  b.push(2);
  await first;
  t.ok(Date.now() - started >= 45, 'waited batch_timeout');
  t.same(s.batches, [[1, 2]]);
  s.settles[0]!();
  t.equal(b.buffered, 0);
});

t.test('batchTimeout 0: whatever is buffered goes at once', async (t) => {
  const s = sink();
  const b = new Batcher({ batchSize: 10, batchTimeout: 0 }, s.fn);
  const first = s.next();
  b.push(7);
  await first;
  t.same(s.batches, [[7]]);
  s.settles[0]!();
});

t.test('discard drops matching buffered items; stop waits for the batch in flight', async (t) => {
  const s = sink();
  const b = new Batcher({ batchSize: 1, batchTimeout: 60 }, s.fn);
  const first = s.next();
  b.push(1);
  await first;
  b.push(2);
  b.push(3);
  b.push(4);
  t.same(
    b.discard((x) => x === 3),
    [3],
  );
  t.same(
    b.discard((x) => x === 99),
    [],
  );
  let stopped = false;
  const stop = b.stop().then((rest) => {
    stopped = true;
    return rest;
  });
  await Promise.resolve();
  t.notOk(stopped, 'the in-flight batch is still running');
  s.settles[0]!();
  t.same(await stop, [2, 4], 'the rest is returned, not handed out');
  t.equal(s.batches.length, 1);
  b.push(5);
  t.equal(s.batches.length, 1, 'nothing handed out once stopped');
});

t.test('pause keeps the in-flight batch and hands out nothing more', async (t) => {
  const s = sink();
  const b = new Batcher({ batchSize: 1, batchTimeout: 0 }, s.fn);
  const first = s.next();
  b.push(1);
  await first;
  b.push(2);
  b.pause();
  s.settles[0]!();
  t.same(await b.stop(), [2]);
  t.same(s.batches, [[1]]);
});

t.test('a failing sink does not stop the batcher', async (t) => {
  let calls = 0;
  let done: () => void = () => {};
  const second = new Promise<void>((r) => {
    done = r;
  });
  const b = new Batcher<number>({ batchSize: 1, batchTimeout: 0 }, async () => {
    calls += 1;
    if (calls === 2) done();
    throw new Error('x');
  });
  b.push(1);
  b.push(2);
  await second;
  t.equal(calls, 2);
  await b.stop();
});

t.test('a deep buffer is handed out in order without shifting it each batch', async (t) => {
  const got: number[][] = [];
  let release: (() => void) | undefined;
  const b = new Batcher<number>({ batchSize: 2, batchTimeout: 60 }, async (batch) => {
    got.push(batch);
    if (got.length === 1)
      await new Promise<void>((r) => {
        release = r;
      });
  });
  for (let i = 0; i < 3001; i++) b.push(i);
  t.equal(got.length, 1, 'the first batch holds the rest back');
  t.equal(b.buffered, 2999);
  release?.();
  while (b.buffered > 1) await new Promise((r) => setImmediate(r));
  t.equal(got.length, 1500);
  t.same(
    got.flat(),
    Array.from({ length: 3000 }, (_, i) => i),
  );
  t.same(
    b.discard((x) => x === 12345),
    [],
  );
  t.same(await b.stop(), [3000], 'the partial batch is left over');
  t.equal(b.buffered, 0);
});
