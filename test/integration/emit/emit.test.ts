import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  listBindings,
  listExchanges,
  listQueues,
  privateVhost,
  rawChannel,
  requireBroker,
  waitFor,
} from '../../helpers/broker.js';
import { runCli, tempDir } from '../../helpers/cli.js';
import { GOLDEN } from '../../helpers/paths.js';

if (await requireBroker(t)) {
  const { vhost, url } = await privateVhost(t);

  t.test('scenario: the queued bodies are the --dry-run lines, declared like oslo', async (t) => {
    const args = ['emit', '--scenario', 'polling', '--instances', '5', '--polls', '3', '--seed', 'it'];
    const published = await runCli([...args, '--url', url]);
    t.equal(published.code, 0, published.stderr);
    t.match(published.stderr, /emit: done: 15 sent in [\d.]+ s \(\d+\/s\), 0 failed/);
    const dry = await runCli([...args, '--dry-run']);
    const expected = dry.stdout.split('\n').filter(Boolean);

    t.match(
      (await listExchanges(vhost)).find((x) => x.name === 'ceilometer'),
      { type: 'topic', durable: false, auto_delete: false },
    );
    t.match(
      (await listQueues(vhost)).find((q) => q.name === 'notifications.sample'),
      { durable: false, messages: 15 },
    );
    t.ok(
      (await listBindings(vhost)).some(
        (b) =>
          b.source_name === 'ceilometer' &&
          b.destination_name === 'notifications.sample' &&
          b.routing_key === 'notifications.sample',
      ),
    );
    const { ch } = await rawChannel(t, url);
    const bodies: string[] = [];
    for (let i = 0; i < 15; i++) {
      const got = await ch.get('notifications.sample', { noAck: true });
      if (!got) break;
      t.match(got.properties, {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        deliveryMode: 2,
        headers: {},
      });
      bodies.push(got.content.toString());
    }
    t.same(bodies, expected, 'same bytes, same order');
  });

  t.test('input: golden corpus lines go to their exchange and routing key', async (t) => {
    const dir = tempDir(t);
    const lines = readFileSync(`${GOLDEN}corpus.jsonl`, 'utf8').split('\n').filter(Boolean).slice(0, 20);
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await runCli(['emit', '--input', file, '--url', url]);
    t.equal(r.code, 0, r.stderr);
    const want = new Map<string, number>();
    for (const line of lines) {
      const { routing_key: key } = JSON.parse(line) as { routing_key: string };
      want.set(key, (want.get(key) ?? 0) + 1);
    }
    const queues = await listQueues(vhost);
    for (const [key, count] of want)
      t.match(
        queues.find((q) => q.name === key),
        { messages: count },
        key,
      );
    const exchanges = new Set(lines.map((l) => (JSON.parse(l) as { exchange: string }).exchange));
    const bound = await listBindings(vhost);
    for (const x of exchanges)
      t.ok(
        bound.some((b) => b.source_name === x),
        `${x} declared and bound`,
      );
  });

  t.test('--rate paces the run and prints a progress line every second', async (t) => {
    const r = await runCli([
      'emit',
      '--scenario',
      'polling',
      '--instances',
      '10',
      '--count',
      '30',
      '--rate',
      '20',
      '--url',
      url,
      '--exchange',
      'it-paced',
    ]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /emit: \d+ sent, \d+\/s, 0 failed\n/);
    const seconds = Number(/sent in ([\d.]+) s/.exec(r.stderr)?.[1]);
    t.ok(seconds >= 1.4, `30 messages at 20/s take about 1.5 s (${seconds})`);
    await waitFor('paced messages', async () =>
      (await listQueues(vhost)).find((q) => q.name === 'notifications.sample' && Number(q.messages) >= 30),
    );
  });
}
