import { describe, expect, it } from 'vitest';
import { credits } from '../../core/amount.js';
import { nextMonthNeed, type NextMonthInput } from './next-month.js';
import type { DailyUsage } from './outliers.js';

const now = Date.parse('2026-07-15T10:00:00+02:00');

/** `used` on each of the 30 local days before 2026-07-15: 2026-06-15 to 2026-07-14. */
function lastThirtyDays(used: bigint): DailyUsage[] {
  return Array.from({ length: 30 }, (_, index) => ({
    day: new Date(Date.UTC(2026, 5, 15 + index)).toISOString().slice(0, 10),
    used,
    count: 1,
  }));
}

function need(fields: Partial<NextMonthInput>) {
  return nextMonthNeed({
    now,
    timeZone: 'Europe/Paris',
    recentDays: [],
    completeMonths: [],
    carriedIntoNextMonth: 0n,
    nextAllowance: 0n,
    ...fields,
  });
}

const months = (...perDay: number[]) =>
  perDay.map((rate, index) => {
    const month = `2026-0${4 + index}`;
    const days = [30, 31, 30][index] ?? 30;
    return { month, used: credits(rate * days) };
  });

describe('nextMonthNeed', () => {
  it('carries the last 30 days’ rate over next month and says what is left to buy', () => {
    expect(
      need({
        recentDays: lastThirtyDays(credits(10)),
        completeMonths: months(10, 10, 10),
        carriedIntoNextMonth: credits(100),
        nextAllowance: credits(50),
      }),
    ).toEqual({
      month: '2026-08',
      days: 31,
      expectedUse: credits(310),
      basis:
        '10 credits a day over the last 30 days × 31 days in 2026-08, at or above the average of the 3 complete months 2026-04 to 2026-06 (10 credits a day)',
      covered: credits(150),
      toBuy: credits(160),
    });
  });

  it('expects nothing, and asks for nothing, without any usage', () => {
    expect(need({ carriedIntoNextMonth: credits(5) })).toEqual({
      month: '2026-08',
      days: 31,
      expectedUse: 0n,
      basis: 'no usage in the last 30 days',
      covered: 0n,
      toBuy: 0n,
    });
    expect(need({ completeMonths: [{ month: '2026-06', used: 0n }] }).basis).toBe(
      'no usage in the last 30 days or in 2026-06',
    );
  });

  it('weighs a recent dip half against the longer average', () => {
    const result = need({
      recentDays: lastThirtyDays(credits(10)),
      completeMonths: months(20, 10, 20),
    });
    // (310 + 1,510 × 31 / 91) / 2, each rounded half up to the micro-credit.
    expect(result.expectedUse).toBe((310_000_000n + 514_395_604n) / 2n);
    expect(result.basis).toBe(
      'the mean of 10 credits a day over the last 30 days and about 16.59 credits a day over the 3 complete months 2026-04 to 2026-06, × 31 days in 2026-08: recent usage is below the longer average but not in a steady decline, so both count half',
    );
    expect(result.toBuy).toBe(credits(413));
  });

  it('follows a steady decline with the recent rate alone', () => {
    const result = need({
      recentDays: lastThirtyDays(credits(10)),
      completeMonths: months(30, 20, 15),
    });
    expect(result.expectedUse).toBe(credits(310));
    expect(result.basis).toBe(
      '10 credits a day over the last 30 days × 31 days in 2026-08; usage fell month after month over the 3 complete months 2026-04 to 2026-06 and again since, so the lower recent rate is used',
    );
  });

  it('follows a rise with the recent rate, the highest evidence', () => {
    const result = need({ recentDays: lastThirtyDays(credits(12)), completeMonths: months(5, 8) });
    expect(result.expectedUse).toBe(credits(372));
    expect(result.basis).toBe(
      '12 credits a day over the last 30 days × 31 days in 2026-08, at or above the average of the 2 complete months 2026-04 to 2026-05 (about 6.52 credits a day)',
    );
  });

  it('blends with a single complete month, and with no recent usage at all', () => {
    const single = need({ completeMonths: [{ month: '2026-06', used: credits(300) }] });
    expect(single.expectedUse).toBe(credits(155));
    expect(single.basis).toBe(
      'the mean of 0 credits a day over the last 30 days and 10 credits a day over 2026-06, × 31 days in 2026-08: recent usage is below the longer average but not in a steady decline, so both count half',
    );
  });

  it('only counts the 30 complete local days before today, and the last 3 months', () => {
    const recentDays = [
      { day: '2026-06-14', used: credits(1000), count: 1 },
      { day: '2026-06-15', used: credits(30), count: 1 },
      { day: '2026-07-14', used: credits(60), count: 1 },
      { day: '2026-07-15', used: credits(1000), count: 1 },
    ];
    expect(need({ recentDays }).expectedUse).toBe(credits(93));
    const four = [{ month: '2026-03', used: credits(100_000) }, ...months(3, 3, 3)];
    expect(need({ recentDays: lastThirtyDays(credits(3)), completeMonths: four })).toMatchObject({
      expectedUse: credits(93),
    });
  });

  it('rounds what is left to buy up to whole credits, and covers no more than expected', () => {
    const recentDays = lastThirtyDays(0n);
    recentDays[0] = { day: '2026-06-15', used: credits(300) + 30n, count: 1 };
    expect(need({ recentDays })).toMatchObject({
      expectedUse: credits(310) + 31n,
      covered: 0n,
      toBuy: credits(311),
    });
    expect(
      need({ recentDays, carriedIntoNextMonth: credits(300), nextAllowance: credits(10) }),
    ).toMatchObject({ covered: credits(310), toBuy: credits(1) });
    expect(need({ recentDays, nextAllowance: credits(1000) })).toMatchObject({
      covered: credits(310) + 31n,
      toBuy: 0n,
    });
    expect(
      need({ recentDays: lastThirtyDays(credits(1)), carriedIntoNextMonth: credits(10) }).basis,
    ).toBe('1 credit a day over the last 30 days × 31 days in 2026-08');
  });

  it('names next month in the org’s time zone, across years and leap Februaries', () => {
    const lateInNewYork = Date.parse('2026-07-31T23:30:00-04:00');
    expect(need({ now: lateInNewYork, timeZone: 'America/New_York' })).toMatchObject({
      month: '2026-08',
      days: 31,
    });
    expect(need({ now: lateInNewYork, timeZone: 'UTC' })).toMatchObject({
      month: '2026-09',
      days: 30,
    });
    expect(need({ now: Date.parse('2026-12-20T12:00:00Z'), timeZone: 'UTC' })).toMatchObject({
      month: '2027-01',
      days: 31,
    });
    expect(need({ now: Date.parse('2028-01-10T12:00:00Z'), timeZone: 'UTC' })).toMatchObject({
      month: '2028-02',
      days: 29,
    });
    expect(need({ now: Date.parse('2027-01-10T12:00:00Z'), timeZone: 'UTC' })).toMatchObject({
      month: '2027-02',
      days: 28,
    });
  });

  it('stays exact near 10^18 micro-credits', () => {
    const result = need({
      recentDays: lastThirtyDays(10n ** 17n),
      carriedIntoNextMonth: 10n ** 18n,
      nextAllowance: 1n,
    });
    expect(result.expectedUse).toBe(31n * 10n ** 17n);
    expect(result.toBuy).toBe(21n * 10n ** 17n);
    expect(result.basis).toBe(
      '100,000,000,000 credits a day over the last 30 days × 31 days in 2026-08',
    );
  });

  it('refuses nonsense input', () => {
    expect(() => need({ carriedIntoNextMonth: -1n })).toThrow(RangeError);
    expect(() => need({ nextAllowance: -1n })).toThrow(RangeError);
    expect(() => need({ completeMonths: [{ month: '2026-13', used: 0n }] })).toThrow(RangeError);
    expect(() => need({ completeMonths: [{ month: '2026-6', used: 0n }] })).toThrow(RangeError);
    expect(() => need({ recentDays: [{ day: '2026-06-31', used: 0n, count: 0 }] })).toThrow(
      RangeError,
    );
  });
});
