/**
 * Local days of an org's time zone, the unit of rollups and reports: "2026-11-23" names the day
 * `[start, end)` that the zone's calendar shows as that date. Statements count an expiry at
 * instant T in the period whose credits it ends (`start < T <= end`, src/core/statement.ts); days
 * do the same, so that a month's days add up to its statement exactly.
 */
import { dayStart, localDate, type Instant } from './period.js';

export interface LocalDay {
  /** "2026-11-23" */
  readonly key: string;
  readonly start: Instant;
  readonly end: Instant;
}

const DAY_MS = 86_400_000;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export function dayKeyOf(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** The calendar date named by "YYYY-MM-DD", or undefined when the text is not a real date. */
export function parseDayKey(key: string): { year: number; month: number; day: number } | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (
    year < 1970 ||
    probe.getUTCFullYear() !== year ||
    probe.getUTCMonth() !== month - 1 ||
    probe.getUTCDate() !== day
  ) {
    return undefined;
  }
  return { year, month, day };
}

/** The date `days` after `key` (before, when negative), by the calendar alone. */
export function addDays(key: string, days: number): string {
  const date = parseDayKey(key);
  if (!date) throw new Error(`not a day: ${key}`);
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return dayKeyOf(moved.getUTCFullYear(), moved.getUTCMonth() + 1, moved.getUTCDate());
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = parseDayKey(from);
  const b = parseDayKey(to);
  if (!a || !b) throw new Error(`not days: ${from}, ${to}`);
  return Math.round(
    (Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / DAY_MS,
  );
}

/**
 * The days of one zone, remembered: finding a day's bounds asks Intl, which is slow, and rows
 * arrive mostly in time order, so the last day found answers almost every question.
 */
export class DayCalendar {
  private last: LocalDay | undefined;
  private readonly byKey = new Map<string, LocalDay>();

  constructor(readonly timeZone: string) {}

  /** The local day containing `instant`. */
  dayOf(instant: Instant): LocalDay {
    const last = this.last;
    if (last && instant >= last.start && instant < last.end) return last;
    const { year, month, day } = localDate(instant, this.timeZone);
    let found = this.named(dayKeyOf(year, month, day));
    // Inside a gap-shifted first hour the calendar already shows the day that starts later.
    if (instant < found.start) found = this.named(addDays(found.key, -1));
    this.last = found;
    return found;
  }

  /** The day an entry counts in: an expiry at midnight ends the day before (see above). */
  dayOfEntry(type: string, at: Instant): LocalDay {
    return this.dayOf(type === 'expiry' ? at - 1 : at);
  }

  /** The day named "YYYY-MM-DD" (which must be a real date). */
  named(key: string): LocalDay {
    const cached = this.byKey.get(key);
    if (cached) return cached;
    const date = parseDayKey(key);
    if (!date) throw new Error(`not a day: ${key}`);
    const next = parseDayKey(addDays(key, 1));
    if (!next) throw new Error(`no day after ${key}`);
    const found = {
      key,
      start: dayStart(date.year, date.month, date.day, this.timeZone),
      end: dayStart(next.year, next.month, next.day, this.timeZone),
    };
    if (this.byKey.size > 4096) this.byKey.clear();
    this.byKey.set(key, found);
    return found;
  }
}

const calendars = new Map<string, DayCalendar>();

/** One shared calendar per zone. */
export function calendarOf(timeZone: string): DayCalendar {
  let calendar = calendars.get(timeZone);
  if (!calendar) {
    calendar = new DayCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}
