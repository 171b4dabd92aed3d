import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MemoryLogger } from '../../../src/observability/logger.js';
import { AmqpTransport } from '../../../src/messaging/transport.js';
import { tempDir } from '../../helpers/cli.js';
import { privateVhost, requireBroker, waitFor } from '../../helpers/broker.js';

if (await requireBroker(t)) {
  const { url, vhost } = await privateVhost(t);
  const hostPort = /@([^/]+)\//.exec(url)![1];

  t.test('fails over to the next host of the URL', async (t) => {
    const logger = new MemoryLogger();
    const tr = new AmqpTransport({
      url: `rabbit://guest:guest@127.0.0.1:1,guest:guest@${hostPort}/${encodeURIComponent(vhost)}`,
      logger,
      reconnectInitialMs: 10,
    });
    t.teardown(() => tr.close());
    const hooks: unknown[] = [];
    tr.onConnect((c) => hooks.push(c));
    const conn = await tr.connection();
    t.ok(tr.connected && tr.isCurrent(conn));
    t.equal(hooks.length, 1, 'the hook saw the connection');
    t.equal(await tr.connection(), conn, 'the same connection while alive');
    t.ok(logger.records.some((r) => r.msg === 'AMQP connect failed' && /127\.0\.0\.1:1/.test(String(r.endpoint))));
    let late = 0;
    tr.onConnect(() => late++);
    t.equal(late, 1, 'a hook registered while connected is called at once');
  });

  t.test('amqps with TLS files: the files are used (a plain port refuses the handshake)', async (t) => {
    const dir = tempDir(t);
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const logger = new MemoryLogger();
    const tr = new AmqpTransport({
      url: `amqps://guest:pw-secret@${hostPort}/`,
      tls: { caFile: ca, verify: false },
      logger,
    });
    const pending = tr.connection().catch((e: unknown) => e);
    await waitFor('a failed TLS connect', () => logger.records.some((r) => r.msg === 'AMQP connect failed'));
    const started = Date.now();
    await tr.close();
    t.match(await pending, { code: 'transport_closed' }, 'close() ends the retry loop');
    t.ok(Date.now() - started < 1000, 'without waiting out the backoff');
    t.notMatch(JSON.stringify(logger.records), /pw-secret/);
    await t.rejects(tr.connection(), { code: 'transport_closed' });
    t.throws(
      () => new AmqpTransport({ url: 'amqps://h', tls: { caFile: join(dir, 'missing.pem') }, logger }),
      /ENOENT/,
    );
  });
}
