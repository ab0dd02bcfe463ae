/**
 * How a store answers a sum over an instant range from rollups: the whole local days inside the
 * range come from the day rollups, and the ragged ends (a running day, a range not starting at
 * midnight) from the raw entries. Both ends follow the period rule of src/core/statement.ts: an
 * expiry counts with `from < at <= to`, anything else with `from <= at < to` (or `<= to`).
 */
import { addDays, type DayCalendar } from '../core/local-day.js';
import type { Instant } from '../core/period.js';

/** A range of the raw rows, counted the period's way. */
export interface RawRange {
  readonly from: Instant;
  readonly to: Instant;
  readonly toIncluded: boolean;
}

export interface SplitRange {
  /** Days `[fromDay, toDay)` read from rollups; `fromDay` null reaches back to the first day. */
  readonly days: { readonly fromDay: string | null; readonly toDay: string } | null;
  readonly raw: readonly RawRange[];
  /**
   * An instant whose expiries the days count but the range does not: a range ending at the last
   * instant of a day reads that whole day from rollups, less the expiries at the next midnight.
   */
  readonly lessExpiriesAt: Instant | null;
}

/** `from` at or below this reaches back to the beginning of the org's history. */
export const BEGINNING = Number.MIN_SAFE_INTEGER;

export function splitRange(
  calendar: DayCalendar,
  from: Instant,
  to: Instant,
  toIncluded = false,
): SplitRange {
  // The day holding `to` is never whole, but when `to` is its last instant: the rollups stop
  // before it and the rest is raw.
  const endsDay = toIncluded && calendar.dayOf(to + 1).start === to + 1;
  const last = calendar.dayOf(endsDay ? to + 1 : to);
  const tail: RawRange[] = endsDay ? [] : [{ from: last.start, to, toIncluded }];
  const lessExpiriesAt = endsDay ? to + 1 : null;
  if (from <= BEGINNING) {
    return { days: { fromDay: null, toDay: last.key }, raw: tail, lessExpiriesAt };
  }
  const containing = calendar.dayOf(from);
  const first = containing.start === from ? containing : calendar.named(addDays(containing.key, 1));
  if (first.start >= last.start) {
    return { days: null, raw: [{ from, to, toIncluded }], lessExpiriesAt: null };
  }
  const raw: RawRange[] = [];
  if (from < first.start) raw.push({ from, to: first.start, toIncluded: false });
  raw.push(...tail);
  return { days: { fromDay: first.key, toDay: last.key }, raw, lessExpiriesAt };
}
