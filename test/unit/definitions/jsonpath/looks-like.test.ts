import t from 'tap';
import { looksLikeJsonPath } from '../../../../src/definitions/jsonpath/index.js';

t.test('paths', async (t) => {
  for (const s of [
    '$.payload.name',
    '$',
    '@.x',
    '$.payload.measurements.[*].metric.[*].name',
    'payload.metrics[0]',
    'payload.x.`len`',
    'ctxt.user_id|ctxt.user',
    '"profiler-" + $.payload.base_id',
    "'identity.' + $.payload.outcome",
    ' $.payload.name',
  ]) {
    t.ok(looksLikeJsonPath(s), s);
  }
});

t.test('literals', async (t) => {
  for (const s of [
    'B',
    'GB',
    'instance',
    'cpu_util',
    '%',
    'B/s',
    'image.size',
    'volume.provider.capacity.total',
    'ns',
  ]) {
    t.notOk(looksLikeJsonPath(s), s);
  }
  t.notOk(looksLikeJsonPath('cost in $'), 'a $ without arithmetic is not enough');
});
