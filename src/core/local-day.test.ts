import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, DayCalendar, parseDayKey } from './local-day.js';

const at = (iso: string) => Date.parse(iso);

describe('local days', () => {
  it('names the day an instant falls in, in the zone', () => {
    const paris = new DayCalendar('Europe/Paris');
    expect(paris.dayOf(at('2026-11-22T23:30:00Z')).key).toBe('2026-11-23');
    expect(paris.dayOf(at('2026-11-22T22:59:59.999Z')).key).toBe('2026-11-22');
    const day = paris.dayOf(at('2026-11-23T12:00:00Z'));
    expect(day).toEqual({
      key: '2026-11-23',
      start: at('2026-11-22T23:00:00Z'),
      end: at('2026-11-23T23:00:00Z'),
    });
  });

  it('has days of 23 and 25 hours where the clocks change', () => {
    const newYork = new DayCalendar('America/New_York');
    const spring = newYork.named('2026-03-08');
    expect(spring.end - spring.start).toBe(23 * 3_600_000);
    const autumn = newYork.named('2026-11-01');
    expect(autumn.end - autumn.start).toBe(25 * 3_600_000);
  });

  it('starts a day whose midnight does not exist when the clocks jump', () => {
    // Santiago moves from 00:00 to 01:00 on the first Sunday of September.
    const santiago = new DayCalendar('America/Santiago');
    const day = santiago.named('2026-09-06');
    expect(new Date(day.start).toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(santiago.dayOf(day.start - 1).key).toBe('2026-09-05');
    expect(santiago.dayOf(day.start).key).toBe('2026-09-06');
  });

  it('counts an expiry at midnight in the day it ends, like statements do', () => {
    const utc = new DayCalendar('UTC');
    expect(utc.dayOfEntry('expiry', at('2026-12-01T00:00:00Z')).key).toBe('2026-11-30');
    expect(utc.dayOfEntry('usage', at('2026-12-01T00:00:00Z')).key).toBe('2026-12-01');
  });

  it('parses only real dates and moves by calendar days', () => {
    expect(parseDayKey('2026-02-29')).toBeUndefined();
    expect(parseDayKey('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(parseDayKey('2026-1-01')).toBeUndefined();
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
  });
});
