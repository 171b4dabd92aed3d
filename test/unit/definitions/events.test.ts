import t from 'tap';
import { compileEventDefinition, EventConverter } from '../../../src/definitions/index.js';
import type { EventConverterOptions, EventDefinition, FieldIssue } from '../../../src/definitions/index.js';
import { PyFloat } from '../../../src/model/index.js';
import type { Trait } from '../../../src/model/index.js';
import { notification } from './meter-helpers.js';
import type { NotificationParts } from './meter-helpers.js';

const NOW = '2030-01-02T03:04:05';

function definition(raw: unknown, index = 0): EventDefinition {
  const issues: FieldIssue[] = [];
  const d = compileEventDefinition(raw, index, issues);
  if (!d) throw new Error(`invalid: ${JSON.stringify(issues)}`);
  return d;
}

function issuesOf(raw: unknown): string[] {
  const issues: FieldIssue[] = [];
  compileEventDefinition(raw, 0, issues);
  return issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

function converter(raws: unknown[], options: EventConverterOptions = {}): EventConverter {
  return new EventConverter(
    raws.map((r, i) => definition(r, i)),
    { now: () => NOW, ...options },
  );
}

function traitsOf(raws: unknown[], parts: NotificationParts = {}, options: EventConverterOptions = {}) {
  const result = converter(raws, options).convert(notification(parts));
  const traits = result.event?.traits ?? [];
  return { result, traits, byName: new Map(traits.map((tr: Trait) => [tr.name, tr])) };
}

const CTXT = { user_id: 'ctx-user', project_id: 'ctx-project', request_id: 'req-1' };

t.test('definition validation', async (t) => {
  t.same(issuesOf({}), [': Required field event_type not specified', ': Required field traits not specified']);
  t.same(issuesOf('x'), [': definition must be a mapping with event_type and traits']);
  t.same(issuesOf({ event_type: 'a', traits: {}, extra: 1 }), ['extra: unknown key']);
  t.same(issuesOf({ event_type: 'a', traits: [] }), ['traits: must be a mapping of trait name to definition']);
  t.same(issuesOf({ event_type: [], traits: {} }), ['event_type: must be a string or a non-empty list of strings']);
  t.same(issuesOf({ event_type: 'a', traits: { size: { type: 'bool', fields: 'payload.size' } } }), [
    "traits.size.type: Invalid trait type 'bool' for trait size",
  ]);
  t.match(issuesOf({ event_type: 'a', traits: { x: { fields: 'payload.x', plugin: 'nope' } } }), [
    /^traits\.x\.plugin: unknown plugin "nope"/,
  ]);
  t.same(issuesOf({ event_type: 'a', traits: { x: { type: 'int' } } }), [
    'traits.x: Required field "fields" not specified',
  ]);
  t.match(issuesOf({ event_type: 'a', traits: { x: 'payload.[' } }), [/^traits\.x: invalid jsonpath/]);
});

t.test('default traits first, definition traits after; an override keeps the default slot', async (t) => {
  const { traits } = traitsOf(
    [
      {
        event_type: 'compute.instance.*',
        traits: {
          instance_id: 'payload.instance_id',
          service: 'payload.service',
          memory_mb: { type: 'int', fields: 'payload.memory_mb' },
        },
      },
    ],
    {
      ctxt: CTXT,
      payload: { instance_id: 'i-1', memory_mb: 512, service: 'nova', tenant_id: 'payload-tenant', user_id: 'pu' },
    },
  );
  t.same(
    traits.map((tr) => [tr.name, tr.dtype, tr.value]),
    [
      ['service', 1, 'nova'],
      ['request_id', 1, 'req-1'],
      ['project_id', 1, 'payload-tenant'],
      ['user_id', 1, 'pu'],
      ['tenant_id', 1, 'payload-tenant'],
      ['instance_id', 1, 'i-1'],
      ['memory_mb', 2, 512],
    ],
  );
});

t.test('default traits fall back to the context; missing values are omitted', async (t) => {
  const { traits } = traitsOf([{ event_type: '*', traits: {} }], {
    ctxt: { user_id: 'cu', project_id: 'cp' },
    publisher_id: null,
    payload: {},
  });
  t.same(
    traits.map((tr) => [tr.name, tr.value]),
    [
      ['project_id', 'cp'],
      ['user_id', 'cu'],
      ['tenant_id', 'cp'],
    ],
  );
});

t.test('the last matching definition wins; ! excludes', async (t) => {
  const conv = converter([
    { event_type: 'compute.instance.*', traits: { first: 'payload.instance_id' } },
    { event_type: ['compute.instance.*', '!compute.instance.exists'], traits: { second: 'payload.instance_id' } },
  ]);
  t.equal(conv.definitionFor('compute.instance.create.end')?.index, 1);
  t.equal(conv.definitionFor('compute.instance.exists')?.index, 0, 'excluded from the later one');
  t.equal(conv.definitionFor('volume.create.end')?.index, 'catchall');
  const r = conv.convert(notification({ event_type: 'compute.instance.exists' }));
  t.ok(r.event?.traits.some((tr) => tr.name === 'first'));
  t.notOk(r.event?.traits.some((tr) => tr.name === 'second'));
});

t.test('only exclusions ⇒ implicit *; such a definition is not a catch-all', async (t) => {
  const d = definition({ event_type: ['!compute.*', '!volume.*'], traits: {} });
  t.ok(d.matches('image.upload'));
  t.notOk(d.matches('compute.instance.exists'));
  t.notOk(d.matches('volume.create.end'));
  t.notOk(d.isCatchAll);
  const conv = converter([{ event_type: ['!compute.*'], traits: {} }]);
  t.equal(conv.definitionFor('compute.x')?.index, 'catchall', 'the synthetic catch-all is still appended');
});

t.test('catch-all: appended unless drop_unmatched, not when a definition already is one', async (t) => {
  const raws = [{ event_type: 'compute.*', traits: {} }];
  const kept = converter(raws).convert(notification({ event_type: 'volume.create.end', ctxt: CTXT }));
  t.equal(kept.definition?.index, 'catchall');
  t.same(
    kept.event?.traits.map((tr) => tr.name),
    ['service', 'request_id', 'project_id', 'user_id', 'tenant_id'],
  );
  const dropped = converter(raws, { dropUnmatched: true }).convert(notification({ event_type: 'volume.create.end' }));
  t.equal(dropped.event, null);
  t.equal(dropped.definition, null);
  const own = converter([{ event_type: '*', traits: { x: 'payload.instance_id' } }, ...raws]);
  t.equal(own.definitionFor('volume.x')?.index, 0, "the file's own catch-all is used");
  t.ok(definition({ event_type: ['*'], traits: {} }).isCatchAll);
  t.notOk(definition({ event_type: ['*', '!a'], traits: {} }).isCatchAll);
});

t.test('event fields: message_id, event_type, generated normalised to naive UTC', async (t) => {
  const conv = converter([{ event_type: '*', traits: {} }]);
  const e = conv.convert(notification({ message_id: 'm-9', timestamp: '2026-11-22T10:00:00.250000+02:00' })).event;
  t.equal(e?.message_id, 'm-9');
  t.equal(e?.event_type, 'compute.instance.exists');
  t.equal(e?.generated, '2026-11-22T08:00:00.250000');
  t.equal(conv.convert(notification({ timestamp: '2026-11-22 10:00:00' })).event?.generated, '2026-11-22T10:00:00');
});

t.test('generated: an unparsable timestamp falls back to now with a warning', async (t) => {
  const r = converter([{ event_type: '*', traits: {} }]).convert(notification({ timestamp: 'garbage' }));
  t.equal(r.event?.generated, NOW);
  t.equal(r.warnings.length, 1);
  t.match(r.warnings[0], /^generated: .*garbage.*; using the current time$/);
});

t.test('generated: a missing timestamp falls back to now with a warning too', {}, async (t) => {
  const r = converter([{ event_type: '*', traits: {} }]).convert(notification({ timestamp: null }));
  t.equal(r.event?.generated, NOW);
  t.equal(r.warnings.length, 1);
});

t.test('a missing message_id gets a random one', async (t) => {
  const conv = converter([{ event_type: '*', traits: {} }]);
  const a = conv.convert(notification({ message_id: null })).event?.message_id;
  const b = conv.convert(notification({ message_id: null })).event?.message_id;
  t.match(a, /^[0-9a-f-]{36}$/);
  t.not(a, b);
});

t.test('store_raw: the whole notification for the listed priorities only', async (t) => {
  const raws = [{ event_type: '*', traits: {} }];
  const n = notification({ priority: 'error' });
  const kept = converter(raws, { storeRaw: ['ERROR'] }).convert(n).event;
  t.same(kept?.raw, n.message, 'priorities are compared lower-cased');
  t.not(kept?.raw, n.message, 'a copy');
  t.same(converter(raws, { storeRaw: ['error'] }).convert(notification({ priority: 'info' })).event?.raw, {});
  t.same(converter(raws).convert(n).event?.raw, {}, 'default: nothing stored');
});

t.test('trait value: first non-null in list order; plugin output', async (t) => {
  const { byName } = traitsOf(
    [
      {
        event_type: '*',
        traits: {
          pick: { fields: ['payload.none', 'payload.second', 'payload.third'] },
          host: { fields: 'publisher_id', plugin: { name: 'split', parameters: { segment: 1, max_split: 1 } } },
          nohost: { fields: 'payload.nodot', plugin: { name: 'split', parameters: { segment: 1 } } },
        },
      },
    ],
    { payload: { none: null, second: 'b', third: 'c', nodot: 'x' }, publisher_id: 'compute.host.1' },
  );
  t.equal(byName.get('pick')?.value, 'b');
  t.equal(byName.get('host')?.value, 'host.1');
  t.notOk(byName.has('nohost'), 'a plugin giving no value → no trait');
});

function typed(type: string, value: unknown) {
  const { result, byName } = traitsOf([{ event_type: '*', traits: { v: { type, fields: 'payload.v' } } }], {
    payload: { v: value as never },
  });
  return { trait: byName.get('v'), result };
}

t.test('int traits', async (t) => {
  t.equal(typed('int', 3.9).trait?.value, 3);
  t.equal(typed('int', -3.9).trait?.value, -3, 'truncated towards zero');
  t.equal(typed('int', true).trait?.value, 1);
  t.equal(typed('int', '17').trait?.value, 17);
  t.equal(typed('int', ' 17 ').trait?.value, 17, 'Python int() strips whitespace');
  t.equal(typed('int', '1_000').trait?.value, 1000);
  t.equal(typed('int', '123456789012345678901234567890').trait?.value, 123456789012345678901234567890n);
  t.equal(typed('int', 5).trait?.dtype, 2);
  for (const bad of ['4096.0', '2.5', 'NaN', '2GB', [1], { a: 1 }]) {
    const { trait, result } = typed('int', bad);
    t.equal(trait, undefined, `${JSON.stringify(bad)} → no trait`);
    t.equal(result.traitErrors.length, 1, `${JSON.stringify(bad)} reported`);
    t.match(result.traitErrors[0], /^trait v: /);
    t.ok(result.event, 'the event is still produced');
  }
  const empty = typed('int', '');
  t.equal(empty.trait, undefined, "'' is skipped for non-text types");
  t.same(empty.result.traitErrors, [], '…without an error');
});

t.test('float traits', async (t) => {
  const whole = typed('float', 3).trait;
  t.ok(whole?.value instanceof PyFloat, '3 → 3.0 (a Python float)');
  t.equal(whole?.dtype, 3);
  t.equal(typed('float', '2.5').trait?.value, 2.5);
  t.equal(typed('float', '1e-3').trait?.value, 0.001);
  t.equal((typed('float', true).trait?.value as PyFloat).value, 1);
  for (const bad of ['NaN', 'inf', '-Infinity', 'abc', '1e400']) {
    const { trait, result } = typed('float', bad);
    t.equal(trait, undefined, `${bad} refused`);
    t.equal(result.traitErrors.length, 1);
  }
  t.equal(typed('float', '').trait, undefined);
});

t.test('datetime traits: naive UTC; unparsable ones only lose the trait', async (t) => {
  t.equal(typed('datetime', '2026-11-22T10:00:00+01:00').trait?.value, '2026-11-22T09:00:00');
  t.equal(typed('datetime', '2026-11-22 10:00:00.5').trait?.value, '2026-11-22T10:00:00.500000');
  t.equal(typed('datetime', '2026-11-22T10:00:00Z').trait?.dtype, 4);
  for (const bad of ['yesterday', 12, '2026-13-01']) {
    const { trait, result } = typed('datetime', bad);
    t.equal(trait, undefined, `${JSON.stringify(bad)} refused`);
    t.equal(result.traitErrors.length, 1);
    t.ok(result.event);
  }
  t.equal(typed('datetime', '').trait, undefined);
});

t.test('text traits: Python str(), 255 code points, empty string kept', async (t) => {
  t.equal(typed('text', 600).trait?.value, '600');
  t.equal(typed('text', true).trait?.value, 'True');
  t.equal(typed('text', 2.5).trait?.value, '2.5');
  t.equal(typed('text', { state: 'alarm' }).trait?.value, "{'state': 'alarm'}");
  t.equal(typed('text', {}).trait?.value, '{}');
  t.equal(typed('text', '').trait?.value, '', "'' is kept for text");
  t.equal(typed('text', 'x'.repeat(300)).trait?.value, 'x'.repeat(255));
  const emoji = '😀'.repeat(300);
  const cut = typed('text', emoji).trait?.value as string;
  t.equal(Array.from(cut).length, 255, 'counted in code points, not UTF-16 units');
  t.equal(cut, '😀'.repeat(255));
  t.equal(typed('text', null).trait, undefined, 'null → no trait');
});
