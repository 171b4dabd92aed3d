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

t.test('the common forms are read without the regex, with the same results', async (t) => {
  const cases: [string, string, string][] = [
    ['2026-11-22 09:04:25.486624', '2026-11-22T09:04:25.486624+00:00', '2026-11-22T09:04:25.486624'],
    ['2026-11-22T09:04:25', '2026-11-22T09:04:25+00:00', '2026-11-22T09:04:25'],
    ['2026-11-22T09:04:25.5', '2026-11-22T09:04:25.500000+00:00', '2026-11-22T09:04:25.500000'],
    ['2026-11-22T09:04:25.1234567891', '2026-11-22T09:04:25.123456+00:00', '2026-11-22T09:04:25.123456'],
    ['2026-11-22T09:04:25.000000', '2026-11-22T09:04:25+00:00', '2026-11-22T09:04:25'],
    ['2026-11-22T09:04:25Z', '2026-11-22T09:04:25+00:00', '2026-11-22T09:04:25'],
    ['2026-11-22T23:30:00-05:30', '2026-11-22T23:30:00-05:30', '2026-11-23T05:00:00'],
    ['2024-02-29T00:00:00+00:00', '2024-02-29T00:00:00+00:00', '2024-02-29T00:00:00'],
    ['1700-01-01T00:00:00', '1700-01-01T00:00:00+00:00', '1700-01-01T00:00:00'],
    ['2200-12-31T23:59:59.999999', '2200-12-31T23:59:59.999999+00:00', '2200-12-31T23:59:59.999999'],
    // Other forms take the regex: compact, comma fraction, hour-only offset, lower-case z.
    ['20261122T090425', '2026-11-22T09:04:25+00:00', '2026-11-22T09:04:25'],
    ['2026-11-22T09:04:25,25', '2026-11-22T09:04:25.250000+00:00', '2026-11-22T09:04:25.250000'],
    ['2026-11-22T09:04:25+01', '2026-11-22T09:04:25+01:00', '2026-11-22T08:04:25'],
    ['2026-11-22', '2026-11-22T00:00:00+00:00', '2026-11-22T00:00:00'],
  ];
  for (const [text, sample, naive] of cases) {
    t.equal(normalizeSampleTimestamp(text), sample, text);
    t.equal(normalizeSampleTimestamp(text), sample, `${text} again (remembered)`);
    t.equal(normalizeNaiveUtc(text), naive, text);
    t.equal(normalizeNaiveUtc(text), naive, `${text} again (remembered)`);
  }
  for (const bad of [
    '2026-02-29T00:00:00',
    '2026-13-01T00:00:00',
    '2026-11-22T24:00:00',
    '2026-11-22T09:60:00',
    '2026-11-22T09:04:60',
    '2026-11-22T09:04:25.',
    '2026-11-22T09:04:25+24:00',
    '2026-11-22T09:04:25Zx',
    '0000-01-01T00:00:00',
    '2026-11-22X09:04:25',
  ]) {
    t.throws(() => normalizeSampleTimestamp(bad), /Unable to parse date string/, bad);
    t.throws(() => normalizeSampleTimestamp(bad), /Unable to parse date string/, `${bad} again`);
  }
});

t.test('outside 1700–2200 the naive UTC form keeps going through the epoch, as it always did', async (t) => {
  // Date.UTC reads years below 100 as 19xx; far years lose microseconds in a double.
  t.equal(normalizeNaiveUtc('0050-06-01T00:00:00'), '1950-06-01T00:00:00');
  t.equal(normalizeNaiveUtc('9999-12-30 23:25:00.239792'), '9999-12-30T23:25:00.239808');
  t.equal(normalizeNaiveUtc('1600-01-01T00:00:00.000001'), '1600-01-01T00:00:00');
});
