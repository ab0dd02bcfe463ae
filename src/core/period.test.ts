import { describe, expect, it } from 'vitest';
import {
  isTimeZone,
  monthStart,
  periodAfter,
  periodNamed,
  periodOf,
  utcOffsetMs,
  type Period,
} from './period.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const iso = (instant: number) => new Date(instant).toISOString();
const at = (text: string) => Date.parse(text);
const named = (month: string, zone: string): Period => {
  const period = periodNamed(month, zone);
  if (!period) throw new Error(`no period ${month}`);
  return period;
};
const span = (period: Period) => ({
  month: period.month,
  start: iso(period.start),
  end: iso(period.end),
});

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

  it('places an instant in the month its zone shows', () => {
    const instant = at('2026-03-31T20:00:00Z');
    expect(periodOf(instant, 'UTC').month).toBe('2026-03');
    expect(periodOf(instant, 'Asia/Tokyo').month).toBe('2026-04');
    expect(periodOf(instant, 'Pacific/Kiritimati').month).toBe('2026-04');
    expect(periodOf(instant, 'Asia/Kolkata').month).toBe('2026-04');
    expect(periodOf(instant, 'America/Los_Angeles').month).toBe('2026-03');
    expect(periodOf(at('2026-04-01T10:59:59.999Z'), 'Pacific/Pago_Pago').month).toBe('2026-03');
    expect(periodOf(at('2026-04-01T11:00:00Z'), 'Pacific/Pago_Pago').month).toBe('2026-04');
    expect(span(periodOf(at('2026-06-10T00:00:00Z'), 'Asia/Kathmandu'))).toEqual({
      month: '2026-06',
      start: '2026-05-31T18:15:00.000Z',
      end: '2026-06-30T18:15:00.000Z',
    });
  });

  it('reads offsets east and west, including half and three-quarter hours', () => {
    const july = at('2026-07-01T00:00:00Z');
    expect(utcOffsetMs(july, 'UTC')).toBe(0);
    expect(utcOffsetMs(july, 'Europe/Paris')).toBe(2 * HOUR);
    expect(utcOffsetMs(at('2026-01-15T00:00:00Z'), 'Europe/Paris')).toBe(HOUR);
    expect(utcOffsetMs(july, 'America/Los_Angeles')).toBe(-7 * HOUR);
    expect(utcOffsetMs(july, 'Asia/Kolkata')).toBe(5.5 * HOUR);
    expect(utcOffsetMs(july, 'Asia/Kathmandu')).toBe(5.75 * HOUR);
    expect(utcOffsetMs(july, 'Pacific/Kiritimati')).toBe(14 * HOUR);
    expect(utcOffsetMs(july, 'Pacific/Pago_Pago')).toBe(-11 * HOUR);
    // Milliseconds within the second do not disturb the offset.
    expect(utcOffsetMs(july + 999, 'Asia/Tokyo')).toBe(9 * HOUR);
  });
});

describe('periods across daylight saving', () => {
  it('Europe/Paris: March loses an hour, October gains one', () => {
    // CET (+1) until 29 March 2026, CEST (+2) until 25 October 2026.
    expect(iso(monthStart(2026, 3, 'Europe/Paris'))).toBe('2026-02-28T23:00:00.000Z');
    expect(iso(monthStart(2026, 4, 'Europe/Paris'))).toBe('2026-03-31T22:00:00.000Z');
    expect(iso(monthStart(2026, 10, 'Europe/Paris'))).toBe('2026-09-30T22:00:00.000Z');
    expect(iso(monthStart(2026, 11, 'Europe/Paris'))).toBe('2026-10-31T23:00:00.000Z');
    const march = periodOf(at('2026-03-15T12:00:00Z'), 'Europe/Paris');
    expect(march.end - march.start).toBe(31 * DAY - HOUR);
    const october = periodOf(at('2026-10-15T12:00:00Z'), 'Europe/Paris');
    expect(october.end - october.start).toBe(31 * DAY + HOUR);
    // Either side of the jumps, still the same month.
    expect(periodOf(at('2026-03-29T00:59:59Z'), 'Europe/Paris')).toEqual(march);
    expect(periodOf(at('2026-03-29T01:00:00Z'), 'Europe/Paris')).toEqual(march);
    expect(periodOf(at('2026-10-25T00:30:00Z'), 'Europe/Paris')).toEqual(october);
    expect(periodOf(at('2026-10-25T01:30:00Z'), 'Europe/Paris')).toEqual(october);
  });

  it('America/New_York: March loses an hour, November gains one', () => {
    // EST (−5) until 8 March 2026, EDT (−4) until 1 November 2026 at 02:00.
    expect(iso(monthStart(2026, 3, 'America/New_York'))).toBe('2026-03-01T05:00:00.000Z');
    expect(iso(monthStart(2026, 4, 'America/New_York'))).toBe('2026-04-01T04:00:00.000Z');
    expect(iso(monthStart(2026, 11, 'America/New_York'))).toBe('2026-11-01T04:00:00.000Z');
    expect(iso(monthStart(2026, 12, 'America/New_York'))).toBe('2026-12-01T05:00:00.000Z');
    const march = named('2026-03', 'America/New_York');
    expect(march.end - march.start).toBe(31 * DAY - HOUR);
    const october = named('2026-10', 'America/New_York');
    expect(october.end - october.start).toBe(31 * DAY);
    const november = named('2026-11', 'America/New_York');
    expect(november.end - november.start).toBe(30 * DAY + HOUR);
    // 01:30 happens twice on 1 November; both are in November.
    expect(periodOf(at('2026-11-01T05:30:00Z'), 'America/New_York').month).toBe('2026-11');
    expect(periodOf(at('2026-11-01T06:30:00Z'), 'America/New_York').month).toBe('2026-11');
    expect(periodOf(at('2026-11-01T03:59:59.999Z'), 'America/New_York').month).toBe('2026-10');
  });
});

describe('month lengths', () => {
  const days = (month: string, zone: string) => {
    const period = named(month, zone);
    return (period.end - period.start) / DAY;
  };

  it('has months of 28, 29, 30 and 31 days, in any zone', () => {
    for (const zone of ['UTC', 'Asia/Tokyo', 'Asia/Kolkata', 'Pacific/Pago_Pago']) {
      expect(days('2026-02', zone)).toBe(28);
      expect(days('2024-02', zone)).toBe(29);
      expect(days('2026-04', zone)).toBe(30);
      expect(days('2026-01', zone)).toBe(31);
    }
    expect(days('2024-02', 'Europe/Paris')).toBe(29);
    expect(days('2026-04', 'America/New_York')).toBe(30);
    expect(days('2100-02', 'UTC')).toBe(28);
    expect(days('2000-02', 'UTC')).toBe(29);
  });

  it('reaches 29 February only in a leap year', () => {
    expect(periodOf(at('2024-02-29T12:00:00Z'), 'UTC').month).toBe('2024-02');
    expect(periodOf(at('2026-02-28T23:59:59.999Z'), 'UTC').month).toBe('2026-02');
    expect(periodOf(at('2026-03-01T00:00:00Z'), 'UTC').month).toBe('2026-03');
  });
});

describe('boundaries: start inclusive, end exclusive', () => {
  it('counts the start in the period and the end in the next', () => {
    for (const zone of ['UTC', 'Asia/Tokyo', 'Asia/Kathmandu', 'America/Los_Angeles']) {
      const start = monthStart(2026, 5, zone);
      expect(periodOf(start, zone).month).toBe('2026-05');
      expect(periodOf(start, zone).start).toBe(start);
      expect(periodOf(start - 1, zone).month).toBe('2026-04');
      expect(periodOf(start - 1, zone).end).toBe(start);
      const may = periodOf(start, zone);
      expect(periodOf(may.end, zone).month).toBe('2026-06');
      expect(periodOf(may.end - 1, zone).month).toBe('2026-05');
    }
  });

  it('chains periods without gaps', () => {
    const zone = 'America/New_York';
    let period = named('2025-12', zone);
    for (const month of ['2026-01', '2026-02', '2026-03', '2026-04']) {
      const next = periodAfter(period, zone);
      expect(next.month).toBe(month);
      expect(next.start).toBe(period.end);
      period = next;
    }
  });

  it('crosses the year', () => {
    const december = periodOf(at('2026-12-31T23:30:00Z'), 'UTC');
    expect(span(december)).toEqual({
      month: '2026-12',
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
    });
    expect(periodOf(at('2027-01-01T00:00:00Z'), 'UTC').month).toBe('2027-01');
    expect(periodOf(at('2026-12-31T23:30:00Z'), 'Asia/Tokyo').month).toBe('2027-01');
    expect(periodOf(at('2026-12-31T09:59:59.999Z'), 'Pacific/Kiritimati').month).toBe('2026-12');
    expect(periodOf(at('2026-12-31T10:00:00Z'), 'Pacific/Kiritimati').month).toBe('2027-01');
    expect(periodOf(at('2027-01-01T10:59:59.999Z'), 'Pacific/Pago_Pago').month).toBe('2026-12');
    expect(span(named('2027-01', 'Pacific/Pago_Pago'))).toEqual({
      month: '2027-01',
      start: '2027-01-01T11:00:00.000Z',
      end: '2027-02-01T11:00:00.000Z',
    });
    expect(periodAfter(named('2026-12', 'America/Los_Angeles'), 'America/Los_Angeles').month).toBe(
      '2027-01',
    );
  });
});

describe('midnights that do not exist or happen twice', () => {
  it('starts a month at the first instant after a DST gap that skips its midnight', () => {
    // Havana: 1 April 2001, 00:00 (−5) jumped to 01:00 (−4).
    expect(iso(monthStart(2001, 4, 'America/Havana'))).toBe('2001-04-01T05:00:00.000Z');
    expect(periodOf(at('2001-04-01T05:00:00Z'), 'America/Havana').month).toBe('2001-04');
    expect(periodOf(at('2001-04-01T05:30:00Z'), 'America/Havana').month).toBe('2001-04');
    expect(periodOf(at('2001-04-01T04:59:59.999Z'), 'America/Havana').month).toBe('2001-03');
    expect(named('2001-03', 'America/Havana').end).toBe(at('2001-04-01T05:00:00Z'));
    // Beirut: 1 May 1973, 00:00 (+2) jumped to 01:00 (+3).
    expect(iso(monthStart(1973, 5, 'Asia/Beirut'))).toBe('1973-04-30T22:00:00.000Z');
    expect(periodOf(at('1973-04-30T21:59:59.999Z'), 'Asia/Beirut').month).toBe('1973-04');
    // Cairo: 1 August 2014, 00:00 (+2) jumped to 01:00 (+3).
    expect(span(named('2014-08', 'Africa/Cairo'))).toEqual({
      month: '2014-08',
      start: '2014-07-31T22:00:00.000Z',
      end: '2014-08-31T21:00:00.000Z',
    });
    // Asunción: 1 October 1972, 00:00 (−4) jumped to 01:00 (−3).
    expect(iso(monthStart(1972, 10, 'America/Asuncion'))).toBe('1972-10-01T04:00:00.000Z');
  });

  it('keeps the repeated hour before a midnight fall-back in the month it shows', () => {
    // Cairo: 31 October 2024 at 24:00 (+3) fell back to 23:00 (+2); November starts after it.
    expect(iso(monthStart(2024, 11, 'Africa/Cairo'))).toBe('2024-10-31T22:00:00.000Z');
    const october = periodOf(at('2024-10-31T21:30:00Z'), 'Africa/Cairo');
    expect(october.month).toBe('2024-10');
    expect(iso(october.end)).toBe('2024-10-31T22:00:00.000Z');
    expect(periodOf(at('2024-10-31T20:59:59.999Z'), 'Africa/Cairo').month).toBe('2024-10');
    expect(periodOf(at('2024-10-31T22:00:00Z'), 'Africa/Cairo').month).toBe('2024-11');
  });
});

describe('names', () => {
  it('names periods YYYY-MM and refuses anything else', () => {
    expect(span(named('2026-02', 'Asia/Tokyo'))).toEqual({
      month: '2026-02',
      start: '2026-01-31T15:00:00.000Z',
      end: '2026-02-28T15:00:00.000Z',
    });
    expect(named('1970-01', 'UTC').start).toBe(0);
    for (const bad of [
      '2026-13',
      '2026-00',
      '2026-1',
      '26-01',
      '1969-12',
      '2026-01 ',
      ' 2026-01',
      '2026/01',
      '2026-01-01',
      '+2026-01',
      'march',
      '',
    ]) {
      expect(periodNamed(bad, 'UTC'), bad).toBeUndefined();
    }
  });

  it('recognises IANA zones and refuses junk', () => {
    for (const zone of ['UTC', 'Europe/Paris', 'Asia/Kathmandu', 'Pacific/Pago_Pago']) {
      expect(isTimeZone(zone), zone).toBe(true);
    }
    for (const junk of [
      '',
      'Mars/Olympus',
      'Europe/',
      'Europe/Paris ',
      ' UTC',
      'America/New York',
      '../etc/passwd',
      '123',
      'Z',
      'Europe/Paris'.padEnd(65, 'x'),
    ]) {
      expect(isTimeZone(junk), junk).toBe(false);
    }
  });
});
