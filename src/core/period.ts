/**
 * Periods are calendar months in the org's IANA time zone: `[start, end)` where start is local
 * midnight of the first day. Instants are epoch milliseconds. Where local midnight does not exist
 * (a DST jump at 00:00, as in Santiago or Beirut), the period starts at the first instant after
 * the gap, as calendars do.
 */

export type Instant = number;

export interface Period {
  /** "2026-02" */
  readonly month: string;
  readonly start: Instant;
  readonly end: Instant;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

interface LocalTime {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localTime(instant: Instant, timeZone: string): LocalTime {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds. */
export function utcOffsetMs(instant: Instant, timeZone: string): number {
  const local = localTime(instant, timeZone);
  const asUtc = Date.UTC(
    local.year,
    local.month - 1,
    local.day,
    local.hour,
    local.minute,
    local.second,
  );
  const wholeSeconds = Math.floor(instant / 1000) * 1000;
  return asUtc - wholeSeconds;
}

/** The first instant at which the zone's calendar shows `year-month-01`. */
export function monthStart(year: number, month: number, timeZone: string): Instant {
  return dayStart(year, month, 1, timeZone);
}

/** The first instant at which the zone's calendar shows `year-month-day` (midnight, or later in a gap). */
export function dayStart(year: number, month: number, day: number, timeZone: string): Instant {
  const wall = Date.UTC(year, month - 1, day);
  // Offsets around the target differ by at most a few hours; try the offsets seen on either side.
  const candidates = new Set<number>();
  for (const probe of [wall - 86_400_000, wall, wall + 86_400_000]) {
    candidates.add(wall - utcOffsetMs(probe, timeZone));
  }
  let best: Instant | undefined;
  for (const candidate of candidates) {
    const local = localTime(candidate, timeZone);
    const onTarget = local.year === year && local.month === month && local.day === day;
    if (onTarget && local.hour === 0 && local.minute === 0 && local.second === 0) {
      if (best === undefined || candidate < best) best = candidate;
    }
  }
  if (best !== undefined) return best;
  // Midnight fell into a gap: the day starts when the clocks jump. Bisect between an instant
  // surely before the day (whatever the zone's offset) and one surely inside it.
  let low = wall - 86_400_000 - 14 * 3_600_000;
  let high = wall + 86_400_000 + 12 * 3_600_000;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    const local = localTime(middle, timeZone);
    if (Date.UTC(local.year, local.month - 1, local.day) >= wall) high = middle;
    else low = middle;
  }
  return high;
}

/** The zone's calendar date at `instant`. */
export function localDate(
  instant: Instant,
  timeZone: string,
): { year: number; month: number; day: number } {
  const { year, month, day } = localTime(instant, timeZone);
  return { year, month, day };
}

function monthKey(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

function nextMonth(year: number, month: number): [number, number] {
  return month === 12 ? [year + 1, 1] : [year, month + 1];
}

/** The period that contains `instant`. */
export function periodOf(instant: Instant, timeZone: string): Period {
  const local = localTime(instant, timeZone);
  let year = local.year;
  let month = local.month;
  let start = monthStart(year, month, timeZone);
  if (start > instant) {
    // Only possible inside a gap-shifted first day: the instant belongs to the previous month.
    [year, month] = month === 1 ? [year - 1, 12] : [year, month - 1];
    start = monthStart(year, month, timeZone);
  }
  const [nextYear, nextMonthNumber] = nextMonth(year, month);
  return {
    month: monthKey(year, month),
    start,
    end: monthStart(nextYear, nextMonthNumber, timeZone),
  };
}

/** The period named "YYYY-MM", or undefined when the name is not a month. */
export function periodNamed(name: string, timeZone: string): Period | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(name);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  if (month < 1 || month > 12 || year < 1970) return undefined;
  const [nextYear, nextMonthNumber] = nextMonth(year, month);
  return {
    month: name,
    start: monthStart(year, month, timeZone),
    end: monthStart(nextYear, nextMonthNumber, timeZone),
  };
}

/** The period right after `period`. */
export function periodAfter(period: Period, timeZone: string): Period {
  return periodOf(period.end, timeZone);
}
