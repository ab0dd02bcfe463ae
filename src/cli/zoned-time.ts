/** Wall-clock time in an org's time zone, both ways: reading instants and showing them. */
import { utcOffsetMs } from '../core/period.js';

/**
 * The instant at which the zone's wall clock shows `year-month-day` plus `msOfDay` (which may
 * run past midnight). In a DST gap the clock time does not exist and the instant after is taken.
 */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  msOfDay: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day) + msOfDay;
  let instant = wall - utcOffsetMs(wall, timeZone);
  // The offset at the first guess may differ from the one at the answer (a DST change between).
  instant = wall - utcOffsetMs(instant, timeZone);
  return instant;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2026-03-01 14:02:11" on the zone's wall clock. */
export function formatZoned(instant: number | string, timeZone: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return String(instant);
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(date)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** The zone's calendar date of an instant: [year, month 1–12, day]. */
export function zonedDate(instant: number, timeZone: string): [number, number, number] {
  const [date = ''] = formatZoned(instant, timeZone).split(' ');
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  return [year, month, day];
}
