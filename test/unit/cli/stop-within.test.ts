/** `stopWithin`: the graceful-shutdown deadline of `meterflow run` (`[DEFAULT] graceful_shutdown_timeout`). */
import t from 'tap';
import { stopWithin } from '../../../src/cli/stop-within.js';
import { MemoryLogger } from '../../../src/observability/logger.js';

/** A stop that finishes only when the test says so (a broker that never comes back: never). */
function pendingStop() {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { stop: () => done, finish };
}

t.test('a stop that finishes in time: true, nothing logged', async (t) => {
  const logger = new MemoryLogger();
  let calls = 0;
  const stopped = await stopWithin(
    async () => {
      calls += 1;
    },
    60_000,
    logger,
  );
  t.equal(stopped, true);
  t.equal(calls, 1);
  t.same(logger.records, []);
});

t.test('a stop that never finishes: false after the timeout, logged as an error', async (t) => {
  const logger = new MemoryLogger();
  const started = Date.now();
  t.equal(await stopWithin(pendingStop().stop, 50, logger), false);
  t.ok(Date.now() - started >= 45, 'not before the timeout');
  t.match(logger.records, [
    {
      level: 'error',
      graceful_shutdown_timeout: 0.05,
      msg: 'graceful shutdown timed out after 0.05s; exiting without acking the in-flight batch: RabbitMQ redelivers it',
    },
  ]);
});

t.test('0 waits as long as the stop takes', async (t) => {
  const logger = new MemoryLogger();
  const pending = pendingStop();
  let settled: boolean | undefined;
  const result = stopWithin(pending.stop, 0, logger).then((v) => {
    settled = v;
    return v;
  });
  // A 20 ms deadline that runs out meanwhile: the 0 one is still waiting after it.
  t.equal(await stopWithin(pendingStop().stop, 20, new MemoryLogger()), false);
  t.equal(settled, undefined, 'still waiting');
  pending.finish();
  t.equal(await result, true);
  t.same(logger.records, []);
});

t.test('a stop that fails in time fails the call; one failing after the timeout is ignored', async (t) => {
  const logger = new MemoryLogger();
  await t.rejects(
    stopWithin(() => Promise.reject(new Error('boom')), 1000, logger),
    /boom/,
  );
  let fail: (err: Error) => void = () => undefined;
  const late = new Promise<void>((_resolve, reject) => {
    fail = reject;
  });
  t.equal(await stopWithin(() => late, 10, logger), false);
  fail(new Error('too late'));
  await new Promise((resolve) => setImmediate(resolve));
  t.pass('no unhandled rejection');
});
