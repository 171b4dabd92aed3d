/**
 * `[DEFAULT] graceful_shutdown_timeout`: SIGTERM while RabbitMQ is unreachable and a batch is in
 * flight (its notifier:// publish waiting for a connection that never comes) still ends
 * `meterflow run`, with status 1, once the timeout has passed; the batch stays unacked.
 */
import amqp from 'amqplib';
import t, { type Test } from 'tap';
import { writeAgentConfig } from '../../helpers/agent-files.js';
import { waitFor } from '../../helpers/broker.js';
import { spawnRun, tempDir } from '../../helpers/cli.js';
import { startPrivateBroker } from '../../helpers/private-broker.js';

const TIMEOUT_S = 2;

function writeConfig(dir: string, url: string, workers: number): string {
  return writeAgentConfig(
    dir,
    url,
    { samples: 'notifier://', events: 'notifier://' },
    {
      DEFAULT: [`graceful_shutdown_timeout: ${TIMEOUT_S}`],
      notification: [
        'batch_size: 1',
        'batch_timeout: 0.1',
        `workers: ${workers}`,
        'notification_control_exchanges: [nova]',
      ],
    },
  );
}

/** One notification on `notifications.info`, declared as oslo's notifier does. */
async function publishNotification(url: string): Promise<void> {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange('nova', 'topic', { durable: false, autoDelete: false });
  await ch.assertQueue('notifications.info', { durable: false, autoDelete: false });
  await ch.bindQueue('notifications.info', 'nova', 'notifications.info');
  const message = {
    message_id: '5a7c9d1e-0000-4000-8000-000000000001',
    publisher_id: 'compute.host-1',
    event_type: 'compute.instance.update',
    priority: 'INFO',
    payload: { instance_id: 'i-1', tenant_id: 't-1', user_id: 'u-1', state: 'active' },
    timestamp: '2026-01-01 00:00:00.000000',
  };
  const envelope = { 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) };
  ch.publish('nova', 'notifications.info', Buffer.from(JSON.stringify(envelope)), {
    contentType: 'application/json',
    contentEncoding: 'utf-8',
  });
  await ch.waitForConfirms();
  await conn.close();
}

async function sigtermDuringOutage(t: Test, workers: number): Promise<void> {
  const broker = await startPrivateBroker();
  t.teardown(() => broker.dispose());
  const dir = tempDir(t);
  await publishNotification(broker.url);
  // The broker stops reading publishing connections: the agent's notifier:// publish of the
  // batch stays unconfirmed until the broker is gone, and then waits for a new connection.
  await broker.ctl('set_vm_memory_high_watermark', '0');

  const agent = spawnRun(t, writeConfig(dir, broker.url, workers));

  await waitFor(
    'the batch publish blocked by the broker',
    () => agent.stderr().includes('AMQP connection blocked'),
    30_000,
  );
  await broker.stop();
  await waitFor('the agent to see the broker go', () => agent.stderr().includes('reconnecting'), 15_000);

  const signalled = Date.now();
  agent.kill('SIGTERM');
  const limitMs = TIMEOUT_S * 1000 + 5000;
  if (!(await agent.exitsWithin(limitMs))) {
    t.fail(`still running ${limitMs} ms after SIGTERM`, { stderr: agent.stderr().slice(-3000) });
    return;
  }
  const tookMs = Date.now() - signalled;
  t.equal(agent.exitCode(), 1, 'exit status 1', { stderr: agent.stderr() });
  t.ok(tookMs >= TIMEOUT_S * 1000 - 100, `not before the timeout (${tookMs} ms)`);
  t.match(
    agent.stderr(),
    `graceful shutdown timed out after ${TIMEOUT_S}s; exiting without acking the in-flight batch`,
  );
}

t.test('SIGTERM with RabbitMQ gone mid-batch exits 1 after graceful_shutdown_timeout', (t) =>
  sigtermDuringOutage(t, 1),
);

// The supervisor forwards SIGTERM; the worker holding the batch gives up on its own, and the
// supervisor's status says a worker did not stop cleanly.
t.test('workers: 2 — the supervisor exits 1 when a worker timed out', (t) => sigtermDuringOutage(t, 2));
