import { describe, expect, it } from 'vitest';
import { DayCalendar } from '../core/local-day.js';
import { BEGINNING, splitRange } from './rollup-range.js';

const at = (iso: string) => Date.parse(iso);
const utc = new DayCalendar('UTC');

describe('splitting a range into whole days and raw ends', () => {
  it('reads a month from rollups alone', () => {
    const split = splitRange(utc, at('2026-11-01T00:00:00Z'), at('2026-12-01T00:00:00Z'));
    expect(split.days).toEqual({ fromDay: '2026-11-01', toDay: '2026-12-01' });
    // The end's own day starts at the end: nothing of it is in the range.
    expect(split.raw).toEqual([
      { from: at('2026-12-01T00:00:00Z'), to: at('2026-12-01T00:00:00Z'), toIncluded: false },
    ]);
    expect(split.lessExpiriesAt).toBeNull();
  });

  it('reads up to the last instant of a day from rollups, less the next midnight’s expiries', () => {
    const end = at('2026-12-01T00:00:00Z');
    expect(splitRange(utc, BEGINNING, end - 1, true)).toEqual({
      days: { fromDay: null, toDay: '2026-12-01' },
      raw: [],
      lessExpiriesAt: end,
    });
  });

  it('reads ragged ends raw', () => {
    const from = at('2026-11-01T10:00:00Z');
    const to = at('2026-11-05T08:00:00Z');
    const split = splitRange(utc, from, to, true);
    expect(split.days).toEqual({ fromDay: '2026-11-02', toDay: '2026-11-05' });
    expect(split.raw).toEqual([
      { from, to: at('2026-11-02T00:00:00Z'), toIncluded: false },
      { from: at('2026-11-05T00:00:00Z'), to, toIncluded: true },
    ]);
  });

  it('reads a range within one day raw', () => {
    const from = at('2026-11-01T10:00:00Z');
    const to = at('2026-11-01T12:00:00Z');
    expect(splitRange(utc, from, to)).toEqual({
      days: null,
      raw: [{ from, to, toIncluded: false }],
      lessExpiriesAt: null,
    });
  });

  it('reaches back to the beginning', () => {
    const to = at('2026-11-05T08:00:00Z');
    expect(splitRange(utc, BEGINNING, to, true)).toEqual({
      days: { fromDay: null, toDay: '2026-11-05' },
      raw: [{ from: at('2026-11-05T00:00:00Z'), to, toIncluded: true }],
      lessExpiriesAt: null,
    });
  });
});
