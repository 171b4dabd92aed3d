/**
 * SIGTERM while `meterflow run` is still making its first connection (RabbitMQ down at start)
 * ends it at once with status 0: nothing was consumed, so there is nothing to drain. It used to
 * go on retrying the connection until killed.
 */
import t, { type Test } from 'tap';
import { writeAgentConfig } from '../../helpers/agent-files.js';
import { waitFor } from '../../helpers/broker.js';
import { spawnRun, tempDir } from '../../helpers/cli.js';
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
  const agent = spawnRun(t, file);
  // Every worker is in its connect loop (workers > 1: each logs its own failures).
  const failures = () => (agent.stderr().match(/"msg":"AMQP connect failed"/g) ?? []).length;
  await waitFor('connect attempts refused', () => failures() >= workers * 2, 30_000);

  const signalled = Date.now();
  agent.kill('SIGTERM');
  if (!(await agent.exitsWithin(LIMIT_MS))) {
    t.fail(`still running ${LIMIT_MS} ms after SIGTERM`, { stderr: agent.stderr().slice(-3000) });
    return;
  }
  t.equal(agent.exitCode(), 0, `exit status 0, ${Date.now() - signalled} ms after SIGTERM`, {
    stderr: agent.stderr().slice(-3000),
  });
  t.equal(
    (agent.stderr().match(/stopped before the agent had started/g) ?? []).length,
    workers,
    'every worker says it stopped before starting',
  );
  t.notMatch(agent.stderr(), /guest:guest/, 'no credentials in the log');
}

t.test('SIGTERM during the first connection exits 0 at once', (t) => sigtermWhileConnecting(t, 1));

t.test('workers: 2 — every worker stops, the supervisor exits 0', (t) => sigtermWhileConnecting(t, 2));
