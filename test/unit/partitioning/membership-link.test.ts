import { EventEmitter } from 'node:events';
import t from 'tap';
import { ConnectionLink } from '../../../src/partitioning/membership-link.js';
import type { ConnectionStatusEvent } from '../../../src/partitioning/membership-types.js';

function link() {
  const events = new EventEmitter();
  const status: string[] = [];
  let reconnects = 0;
  const l = new ConnectionLink(events, undefined, () => {
    reconnects += 1;
  });
  l.onStatus((e: ConnectionStatusEvent) => status.push(e.kind === 'redis-down' ? `down:${e.error}` : 'up'));
  return { l, events, status, reconnects: () => reconnects };
}

const timeout = () => new Error('Command timed out');

t.test('one command timeout is not an outage; a success in between resets it', async (t) => {
  const { l, status } = link();
  l.succeeded();
  l.failed(timeout());
  t.ok(l.connected, 'still connected after one timeout');
  l.succeeded();
  l.failed(timeout());
  t.ok(l.connected, 'the success reset the count');
  t.same(status, ['up']);
});

t.test('two timeouts in a row call Redis down; it comes back on the next success', async (t) => {
  const { l, status, reconnects } = link();
  l.succeeded();
  l.failed(timeout());
  l.failed(timeout());
  t.notOk(l.connected);
  l.succeeded();
  t.same(status, ['up', 'down:Command timed out', 'up']);
  t.equal(reconnects(), 1);
  l.failed(timeout());
  t.ok(l.connected, 'the count starts over after the outage');
});

t.test('a closed connection or another error is an outage at once; a server reply is not', async (t) => {
  const { l, events, status } = link();
  l.succeeded();
  const reply = new Error('WRONGTYPE');
  reply.name = 'ReplyError';
  l.failed(reply);
  t.ok(l.connected, 'a reply proves Redis is there');
  events.emit('close');
  t.notOk(l.connected);
  events.emit('ready');
  l.failed(timeout());
  l.failed(new Error('connect ECONNREFUSED'));
  t.same(status, ['up', 'down:connection to Redis closed', 'up', 'down:connect ECONNREFUSED']);
  l.close();
  events.emit('ready');
  t.same(status.length, 4, 'no events after close');
});
