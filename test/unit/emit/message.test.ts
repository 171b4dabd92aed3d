import { readFileSync } from 'node:fs';
import t from 'tap';
import { messageFromLine } from '../../../src/emit/index.js';
import { BadInputError } from '../../../src/errors.js';
import { parsePyJson } from '../../../src/model/index.js';
import type { PyJson } from '../../../src/model/index.js';
import { GOLDEN, SHARED } from '../../helpers/paths.js';

type Rec = { [key: string]: PyJson };
const NOW = Date.UTC(2026, 10, 22, 9, 0, 0, 123);

t.test('golden corpus lines: the envelope is published as is, where it was captured', async (t) => {
  const lines = readFileSync(`${GOLDEN}corpus.jsonl`, 'utf8').split('\n').filter(Boolean);
  for (const line of lines.slice(0, 30)) {
    const rec = JSON.parse(line) as { exchange: string; routing_key: string; envelope: Rec };
    const m = messageFromLine(line, 'unused', NOW);
    t.equal(m?.exchange, rec.exchange);
    t.equal(m?.routingKey, rec.routing_key);
    t.same(JSON.parse(m?.body.toString() as string), rec.envelope);
  }
});

t.test('raw captured envelopes are re-sent byte for byte, routed by their priority', async (t) => {
  const captures = JSON.parse(readFileSync(`${SHARED}fixtures/wire/notifications-info.json`, 'utf8')) as {
    body_raw: string;
  }[];
  for (const { body_raw: body } of captures) {
    const m = messageFromLine(body, 'nova', NOW);
    t.equal(m?.body.toString(), body);
    t.equal(m?.routingKey, 'notifications.info');
    t.equal(m?.exchange, 'nova');
  }
});

t.test('sender form: encoded like oslo 14, context filtered', async (t) => {
  const line = readFileSync(`${SHARED}fixtures/notifications.jsonl`, 'utf8').split('\n')[0] as string;
  const sent = JSON.parse(line) as Rec;
  const m = messageFromLine(line, 'fallback', NOW);
  t.equal(m?.exchange, sent.exchange ?? 'fallback');
  t.equal(m?.routingKey, `notifications.${String(sent.priority).toLowerCase()}`);
  const inner = parsePyJson((parsePyJson(m?.body.toString() as string) as Rec)['oslo.message'] as string) as Rec;
  t.equal(inner.timestamp, '2026-11-22 09:00:00.123000');
  t.equal(inner.priority, String(sent.priority).toUpperCase());
  t.same(inner.payload, sent.payload);
  const context = Object.keys(inner).filter((k) => k.startsWith('_context_'));
  t.ok(context.length > 0);
  t.notOk(context.includes('_context_auth_token') || context.includes('_context_tenant'), 'oslo 14 drops them');
  const noExchange = messageFromLine('{"event_type": "x", "payload": {}, "publisher_id": "p"}', 'glance', NOW);
  t.equal(noExchange?.exchange, 'glance');
  t.equal(noExchange?.routingKey, 'notifications.info', 'priority defaults to info');
});

t.test('bad lines', async (t) => {
  t.equal(messageFromLine('   ', 'x', NOW), undefined);
  for (const [line, why] of [
    ['{nope', /not JSON/],
    ['[1]', /expected a JSON object/],
    ['{"a": 1}', /expected \{exchange, routing_key, envelope\}/],
    ['{"exchange": "x", "routing_key": "r", "envelope": 3}', /envelope must be an oslo envelope/],
    ['{"envelope": {}, "routing_key": "r"}', /exchange must be a non-empty string/],
    ['{"oslo.version": "2.0", "oslo.message": "{x"}', /oslo.message is not JSON/],
    ['{"oslo.version": "2.0", "oslo.message": 5}', /envelope must be an oslo envelope/],
    ['{"oslo.version": "2.0", "oslo.message": "[]"}', /must encode an object/],
    ['{"event_type": "x", "payload": {}, "publisher_id": 1}', /publisher_id must be a string/],
    ['{"event_type": "x", "payload": {}, "publisher_id": "p", "ctxt": 1}', /ctxt must be an object/],
  ] as const) {
    t.throws(() => messageFromLine(line, 'x', NOW), BadInputError);
    t.throws(() => messageFromLine(line, 'x', NOW), { message: why }, line);
  }
  const raw = messageFromLine('{"exchange": "x", "routing_key": "r", "envelope": "{\\"a\\": 1}"}', 'x', NOW);
  t.equal(raw?.body.toString(), '{"a": 1}', 'a string envelope is the body itself');
});
