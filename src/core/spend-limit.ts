/**
 * Spending limits: a member's or key's allowance and a project's budget. A limit allows at most
 * `credits` per window (a day, an ISO week from Monday, a calendar month, all in the org's time
 * zone, or the whole life of the limit) and counts what was spent in its current window. A new
 * window starts from zero exactly at its boundary: nothing carries over.
 *
 * Holds count when they are placed; a capture or void settles the difference in the window where
 * the hold was counted, if that window is still the current one (an old window is gone anyway).
 */
import type { Micros } from './amount.js';
import { dayStart, localDate, periodOf, type Instant } from './period.js';

export const LIMIT_PERIODS = ['day', 'week', 'month', 'total'] as const;
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];

export function isLimitPeriod(value: unknown): value is LimitPeriod {
  return typeof value === 'string' && (LIMIT_PERIODS as readonly string[]).includes(value);
}

export interface SpendLimit {
  readonly credits: Micros;
  readonly period: LimitPeriod;
  /** Start of the window `used` counts in. */
  readonly windowStart: Instant;
  readonly used: Micros;
}

export interface SpendWindow {
  readonly start: Instant;
  /** Null for a limit over the whole life of the limit. */
  readonly end: Instant | null;
}

/** The window of `period` that contains `at`, in `timeZone`. */
export function windowOf(period: LimitPeriod, at: Instant, timeZone: string): SpendWindow {
  if (period === 'total') return { start: 0, end: null };
  if (period === 'month') {
    const month = periodOf(at, timeZone);
    return { start: month.start, end: month.end };
  }
  let { year, month, day } = localDate(at, timeZone);
  if (period === 'week') {
    // Calendar arithmetic on the date alone, then back to the zone: Monday is ISO's first day.
    const date = new Date(Date.UTC(year, month - 1, day));
    const sinceMonday = (date.getUTCDay() + 6) % 7;
    date.setUTCDate(date.getUTCDate() - sinceMonday);
    [year, month, day] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  }
  const length = period === 'week' ? 7 : 1;
  const next = new Date(Date.UTC(year, month - 1, day + length));
  return {
    start: dayStart(year, month, day, timeZone),
    end: dayStart(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
  };
}

/** What the limit has spent in the window containing `at`. */
export function usedAt(limit: SpendLimit, at: Instant, timeZone: string): Micros {
  return windowOf(limit.period, at, timeZone).start === limit.windowStart ? limit.used : 0n;
}

/** What the limit still allows in the window containing `at`. */
export function leftAt(limit: SpendLimit, at: Instant, timeZone: string): Micros {
  const left = limit.credits - usedAt(limit, at, timeZone);
  return left > 0n ? left : 0n;
}

/** The limit after spending `credits` at `at` (the caller checked it fits). */
export function spend<L extends SpendLimit>(
  limit: L,
  at: Instant,
  timeZone: string,
  credits: Micros,
): L {
  const start = windowOf(limit.period, at, timeZone).start;
  const used = (start === limit.windowStart ? limit.used : 0n) + credits;
  return { ...limit, windowStart: start, used };
}

/**
 * The limit after giving back `credits` spent at `spentAt` (a refund, a void, the unused part of
 * a capture): only while the window they were counted in is still the limit's current one.
 */
export function giveBack<L extends SpendLimit>(
  limit: L,
  spentAt: Instant,
  timeZone: string,
  credits: Micros,
): L {
  if (windowOf(limit.period, spentAt, timeZone).start !== limit.windowStart) return limit;
  const used = limit.used > credits ? limit.used - credits : 0n;
  return { ...limit, used };
}
