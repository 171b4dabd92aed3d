import t from 'tap';
import { PatternMatcher } from '../../../src/pipeline/index.js';

t.test('wildcard matches everything', async (t) => {
  const m = new PatternMatcher(['*']);
  t.ok(m.matches('cpu'));
  t.ok(m.matches('disk.read.bytes'));
  t.ok(m.matches(''));
});

t.test('include patterns: glob, whole name, case-sensitive', async (t) => {
  const m = new PatternMatcher(['cpu', 'disk.*', 'network.?ncoming.bytes']);
  t.ok(m.matches('cpu'));
  t.notOk(m.matches('cpu_util'), 'whole name must match');
  t.ok(m.matches('disk.read.bytes'));
  t.notOk(m.matches('diskXread'), '`.` is literal');
  t.ok(m.matches('network.incoming.bytes'));
  t.notOk(m.matches('CPU'));
  t.notOk(m.matches('memory'), 'no include matches → not supported');
});

t.test('exclusions deny; only-exclusions means default allow', async (t) => {
  const m = new PatternMatcher(['!cpu', '!disk.*']);
  t.notOk(m.matches('cpu'));
  t.notOk(m.matches('disk.read.bytes'));
  t.ok(m.matches('memory'));
  t.ok(m.matches('cpu_util'));
});

t.test('deny wins over a matching include (mixed lists, as is_supported evaluates them)', async (t) => {
  const m = new PatternMatcher(['disk.*', '!disk.read.*']);
  t.ok(m.matches('disk.write.bytes'));
  t.notOk(m.matches('disk.read.bytes'));
  t.notOk(m.matches('memory'), 'an include list is present: not default allow');
  const wild = new PatternMatcher(['*', '!cpu']);
  t.notOk(wild.matches('cpu'));
  t.ok(wild.matches('memory'));
});

t.test('an empty list supports everything (every entry is an exclusion, vacuously)', async (t) => {
  t.ok(new PatternMatcher([]).matches('anything'));
});

t.test('answers are stable across repeated calls (cached)', async (t) => {
  const m = new PatternMatcher(['!cpu']);
  for (let i = 0; i < 3; i++) {
    t.notOk(m.matches('cpu'));
    t.ok(m.matches('mem'));
  }
  t.same(m.patterns, ['!cpu']);
});
