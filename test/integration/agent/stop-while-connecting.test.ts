/**
 * SIGTERM while `meterflow run` is still making its first connection (RabbitMQ down at start)
 * ends it at once with status 0: nothing was consumed, so there is nothing to drain. It used to
 * go on retrying the connection until killed.
 */
import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import { writeAgentConfig } from '../../helpers/agent-files.js';
import { waitFor } from '../../helpers/broker.js';
import { BIN, childEnv, tempDir } from '../../helpers/cli.js';
import { freePort } from '../../helpers/ports.js';

/** Well below the default graceful_shutdown_timeout (60 s), which must not be what ends it. */
const LIMIT_MS = 10_000;

async function sigtermWhileConnecting(t: Test, workers: number): Promise<void> {
  // Nothing listens on a port that was just free on loopback: every connect is refused.
  const url = `amqp://guest:guest@127.0.0.1:${await freePort()}/`;
  const file = writeAgentConfig(
    tempDir(t),
    url,
    { samples: 'test://', events: 'test://' },
    { notification: [`workers: ${workers}`] },
  );
  const child = spawn(process.execPath, [BIN, 'run', '--config-file', file], {
    env: childEnv({ METERFLOW_LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  t.teardown(() => {
    if (exitCode === undefined) child.kill('SIGKILL');
  });
  // Every worker is in its connect loop (workers > 1: each logs its own failures).
  const failures = () => (stderr.match(/"msg":"AMQP connect failed"/g) ?? []).length;
  await waitFor('connect attempts refused', () => failures() >= workers * 2, 30_000);

  const signalled = Date.now();
  child.kill('SIGTERM');
  const stopped = await waitFor('meterflow run to exit', () => exitCode !== undefined, LIMIT_MS).then(
    () => true,
    () => false,
  );
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
    t.fail(`still running ${LIMIT_MS} ms after SIGTERM`, { stderr: stderr.slice(-3000) });
    return;
  }
  t.equal(exitCode, 0, 'exit status 0', { stderr: stderr.slice(-3000) });
  t.ok(Date.now() - signalled < LIMIT_MS, `stopped ${Date.now() - signalled} ms after SIGTERM`);
  t.equal(
    (stderr.match(/stopped before the agent had started/g) ?? []).length,
    workers,
    'every worker says it stopped before starting',
  );
  t.notMatch(stderr, /guest:guest/, 'no credentials in the log');
}

t.test('SIGTERM during the first connection exits 0 at once', (t) => sigtermWhileConnecting(t, 1));

t.test('workers: 2 — every worker stops, the supervisor exits 0', (t) => sigtermWhileConnecting(t, 2));
