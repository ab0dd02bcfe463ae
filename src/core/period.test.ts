import { describe, expect, it } from 'vitest';
import { isTimeZone, monthStart, periodNamed, periodOf, utcOffsetMs } from './period.js';

const iso = (instant: number) => new Date(instant).toISOString();
const at = (text: string) => Date.parse(text);

describe('periods: calendar months in the org time zone', () => {
  it('starts and ends months at local midnight, east and west of UTC', () => {
    expect(iso(monthStart(2026, 3, 'UTC'))).toBe('2026-03-01T00:00:00.000Z');
    expect(iso(monthStart(2026, 3, 'Asia/Tokyo'))).toBe('2026-02-28T15:00:00.000Z');
    expect(iso(monthStart(2026, 3, 'Asia/Kolkata'))).toBe('2026-02-28T18:30:00.000Z');
    expect(iso(monthStart(2026, 3, 'Asia/Kathmandu'))).toBe('2026-02-28T18:15:00.000Z');
    expect(iso(monthStart(2026, 3, 'Pacific/Kiritimati'))).toBe('2026-02-28T10:00:00.000Z');
    expect(iso(monthStart(2026, 3, 'America/Los_Angeles'))).toBe('2026-03-01T08:00:00.000Z');
    expect(iso(monthStart(2026, 3, 'Pacific/Pago_Pago'))).toBe('2026-03-01T11:00:00.000Z');
  });

  it('follows daylight saving: the offset of each month start is its own', () => {
    // Paris: CET (+1) in March, CEST (+2) from 29 March 2026 to 25 October 2026.
    expect(iso(monthStart(2026, 3, 'Europe/Paris'))).toBe('2026-02-28T23:00:00.000Z');
    expect(iso(monthStart(2026, 4, 'Europe/Paris'))).toBe('2026-03-31T22:00:00.000Z');
    expect(iso(monthStart(2026, 11, 'Europe/Paris'))).toBe('2026-10-31T23:00:00.000Z');
    const march = periodOf(at('2026-03-15T12:00:00Z'), 'Europe/Paris');
    // March 2026 in Paris lasts 31 days less the hour lost on 29 March.
    expect(march.end - march.start).toBe(31 * 86_400_000 - 3_600_000);
    const october = periodOf(at('2026-10-15T12:00:00Z'), 'Europe/Paris');
    expect(october.end - october.start).toBe(31 * 86_400_000 + 3_600_000);
    // New York changes on 8 March and 1 November 2026.
    expect(iso(monthStart(2026, 3, 'America/New_York'))).toBe('2026-03-01T05:00:00.000Z');
    expect(iso(monthStart(2026, 4, 'America/New_York'))).toBe('2026-04-01T04:00:00.000Z');
    expect(iso(monthStart(2026, 11, 'America/New_York'))).toBe('2026-11-01T04:00:00.000Z');
    expect(iso(monthStart(2026, 12, 'America/New_York'))).toBe('2026-12-01T05:00:00.000Z');
  });

  it('starts a month whose midnight does not exist when the clocks jump', () => {
    // Havana skipped from 00:00 to 01:00 on 1 April 2001.
    expect(iso(monthStart(2001, 4, 'America/Havana'))).toBe('2001-04-01T05:00:00.000Z');
    const april = periodOf(at('2001-04-01T05:30:00Z'), 'America/Havana');
    expect(april.month).toBe('2001-04');
    expect(periodOf(at('2001-04-01T04:59:59Z'), 'America/Havana').month).toBe('2001-03');
  });

  it('has months of 28, 29, 30 and 31 days', () => {
    const days = (month: string) => {
      const period = periodNamed(month, 'UTC');
      if (!period) throw new Error(month);
      return (period.end - period.start) / 86_400_000;
    };
    expect(days('2026-02')).toBe(28);
    expect(days('2024-02')).toBe(29);
    expect(days('2026-04')).toBe(30);
    expect(days('2026-01')).toBe(31);
  });

  it('counts the start in the period and the end in the next', () => {
    const start = monthStart(2026, 5, 'Asia/Tokyo');
    expect(periodOf(start, 'Asia/Tokyo').month).toBe('2026-05');
    expect(periodOf(start - 1, 'Asia/Tokyo').month).toBe('2026-04');
    const may = periodOf(start, 'Asia/Tokyo');
    expect(periodOf(may.end, 'Asia/Tokyo').month).toBe('2026-06');
    expect(periodOf(may.end - 1, 'Asia/Tokyo').month).toBe('2026-05');
  });

  it('crosses the year', () => {
    const december = periodOf(at('2026-12-31T23:30:00Z'), 'UTC');
    expect(december.month).toBe('2026-12');
    expect(iso(december.end)).toBe('2027-01-01T00:00:00.000Z');
    expect(periodOf(at('2026-12-31T23:30:00Z'), 'Asia/Tokyo').month).toBe('2027-01');
  });

  it('reads offsets and refuses what is no zone or month', () => {
    expect(utcOffsetMs(at('2026-07-01T00:00:00Z'), 'Europe/Paris')).toBe(2 * 3_600_000);
    expect(utcOffsetMs(at('2026-07-01T00:00:00Z'), 'America/Los_Angeles')).toBe(-7 * 3_600_000);
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(periodNamed('2026-13', 'UTC')).toBeUndefined();
    expect(periodNamed('2026-1', 'UTC')).toBeUndefined();
    expect(periodNamed('march', 'UTC')).toBeUndefined();
  });
});
