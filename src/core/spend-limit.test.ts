import { describe, expect, it } from 'vitest';
import { credits } from './amount.js';
import { giveBack, leftAt, spend, usedAt, windowOf, type SpendLimit } from './spend-limit.js';

const NY = 'America/New_York';
const at = (iso: string) => Date.parse(iso);

describe('spending windows', () => {
  it('a day runs from midnight to midnight in the zone, 23 hours on the day clocks spring forward', () => {
    expect(windowOf('day', at('2026-03-10T12:00:00Z'), NY)).toEqual({
      start: at('2026-03-10T04:00:00Z'),
      end: at('2026-03-11T04:00:00Z'),
    });
    const shortDay = windowOf('day', at('2026-03-08T12:00:00Z'), NY);
    expect(shortDay).toEqual({
      start: at('2026-03-08T05:00:00Z'),
      end: at('2026-03-09T04:00:00Z'),
    });
    expect((shortDay.end as number) - shortDay.start).toBe(23 * 3600_000);
  });

  it('a week starts on Monday at midnight in the zone', () => {
    // Sunday 2026-03-15 23:30 in New York is still the week of Monday the 9th.
    expect(windowOf('week', at('2026-03-16T03:30:00Z'), NY)).toEqual({
      start: at('2026-03-09T04:00:00Z'),
      end: at('2026-03-16T04:00:00Z'),
    });
    expect(windowOf('week', at('2026-03-16T04:00:00Z'), NY).start).toBe(at('2026-03-16T04:00:00Z'));
  });

  it('a month is the calendar month in the zone; a total never ends', () => {
    expect(windowOf('month', at('2026-04-01T03:59:59.999Z'), NY)).toEqual({
      start: at('2026-03-01T05:00:00Z'),
      end: at('2026-04-01T04:00:00Z'),
    });
    expect(windowOf('total', at('2026-04-01T00:00:00Z'), NY)).toEqual({ start: 0, end: null });
  });

  it('the same instant falls on different days in different zones', () => {
    const instant = at('2026-06-30T23:30:00Z');
    expect(windowOf('day', instant, 'UTC').start).toBe(at('2026-06-30T00:00:00Z'));
    expect(windowOf('day', instant, 'Asia/Tokyo').start).toBe(at('2026-06-30T15:00:00Z'));
  });
});

describe('a limit', () => {
  const daily: SpendLimit = {
    credits: credits(10),
    period: 'day',
    windowStart: at('2026-03-10T04:00:00Z'),
    used: 0n,
  };

  it('counts spending in its window and starts from zero exactly at the next one', () => {
    const spent = spend(daily, at('2026-03-10T15:00:00Z'), NY, credits(8));
    expect(usedAt(spent, at('2026-03-11T03:59:59.999Z'), NY)).toBe(credits(8));
    expect(leftAt(spent, at('2026-03-11T03:59:59.999Z'), NY)).toBe(credits(2));
    expect(usedAt(spent, at('2026-03-11T04:00:00Z'), NY)).toBe(0n);
    expect(leftAt(spent, at('2026-03-11T04:00:00Z'), NY)).toBe(credits(10));
    const nextDay = spend(spent, at('2026-03-11T04:00:00Z'), NY, credits(3));
    expect(nextDay.used).toBe(credits(3));
    expect(nextDay.windowStart).toBe(at('2026-03-11T04:00:00Z'));
  });

  it('gives back only within the window it counted in, never below zero', () => {
    const spent = spend(daily, at('2026-03-10T15:00:00Z'), NY, credits(8));
    expect(giveBack(spent, at('2026-03-10T16:00:00Z'), NY, credits(5)).used).toBe(credits(3));
    expect(giveBack(spent, at('2026-03-10T16:00:00Z'), NY, credits(50)).used).toBe(0n);
    expect(giveBack(spent, at('2026-03-09T16:00:00Z'), NY, credits(5))).toBe(spent);
  });
});
