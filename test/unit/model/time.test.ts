import t from 'tap';
import {
  epochSeconds,
  isoFromEpochMs,
  normalizeNaiveUtc,
  normalizeSampleTimestamp,
  parseIsoTime,
} from '../../../src/model/time.js';

t.test('oslo parse_isotime + isoformat', async (t) => {
  t.equal(normalizeSampleTimestamp('2026-11-22 09:04:25.486624'), '2026-11-22T09:04:25.486624+00:00');
  t.equal(normalizeSampleTimestamp('2026-11-22T10:00:00Z'), '2026-11-22T10:00:00+00:00');
  t.equal(normalizeSampleTimestamp('2026-11-22T10:00:00+05:30'), '2026-11-22T10:00:00+05:30');
  t.equal(normalizeNaiveUtc('2026-11-22T10:00:00.25+05:30'), '2026-11-22T04:30:00.250000');
  t.throws(() => parseIsoTime('not-a-date'), /Unable to parse date string 'not-a-date'/);
  t.throws(() => parseIsoTime('2026-02-30'));
});

t.test('epoch helpers', async (t) => {
  t.equal(epochSeconds(parseIsoTime('1970-01-01T00:00:01.5Z')), 1.5);
  t.equal(isoFromEpochMs(1_500), '1970-01-01T00:00:01.500000+00:00');
});
