import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { type EmitMessage, lineMessages, scenarioMessages } from '../../../src/emit/index.js';
import { ManualClock } from '../../../src/model/index.js';
import { tempDir } from '../../helpers/cli.js';

async function all(source: AsyncIterable<EmitMessage>): Promise<EmitMessage[]> {
  const out: EmitMessage[] = [];
  for await (const m of source) out.push(m);
  return out;
}

const ENVELOPE = '{"oslo.version": "2.0", "oslo.message": "{\\"priority\\": \\"ERROR\\", \\"event_type\\": \\"x\\"}"}';

t.test('scenarioMessages: polls, count, exchange', async (t) => {
  const polls = [...scenarioMessages({ instances: 3, polls: 2 })];
  t.equal(polls.length, 6);
  t.same([...new Set(polls.map((m) => `${m.exchange} ${m.routingKey}`))], ['ceilometer notifications.sample']);
  t.equal([...scenarioMessages({ instances: 3, count: 4, exchange: 'x' })].filter((m) => m.exchange === 'x').length, 4);
  t.equal([...scenarioMessages({ instances: 0 })].length, 0, 'no instances, nothing (and no endless loop)');
  const endless = scenarioMessages({ instances: 2 });
  for (let i = 0; i < 10; i++) t.notOk(endless.next().done);
});

t.test('lineMessages: a file is re-read up to --count; bad lines reported once', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'in.jsonl');
  writeFileSync(file, `${ENVELOPE}\nnope\n\n${ENVELOPE}\n`);
  const bad: string[] = [];
  const options = {
    input: file,
    exchange: 'nova',
    clock: new ManualClock(0),
    onBadLine: (n: number, m: string) => bad.push(`${n}: ${m}`),
  };
  const once = await all(lineMessages(options));
  t.equal(once.length, 2);
  t.match(once[0], { exchange: 'nova', routingKey: 'notifications.error' });
  t.equal(bad.length, 1);
  t.match(bad[0], /^2: not JSON/);
  const five = await all(lineMessages({ ...options, count: 5 }));
  t.equal(five.length, 5);
  t.equal(bad.length, 2, 'one more report for the second run, none for its later passes');
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, 'nope\n');
  t.equal(
    (await all(lineMessages({ ...options, input: empty, count: 3 }))).length,
    0,
    'no usable line: no endless loop',
  );
});

t.test('lineMessages: stdin is read once', async (t) => {
  const stdin = Readable.from([`${ENVELOPE}\n${ENVELOPE}\n`]);
  const got = await all(
    lineMessages({ input: '-', stdin, exchange: 'glance', count: 10, clock: new ManualClock(0), onBadLine: () => {} }),
  );
  t.equal(got.length, 2);
  t.equal(got[1]?.exchange, 'glance');
});
