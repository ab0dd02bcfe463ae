/**
 * The calendar of the demo year: local days, the weekly and seasonal rhythm of a photo-booth
 * business, and the event weekends (more of them in the busy months, each with an event that fits
 * its season).
 */
import { EVENT_TEMPLATES, type EventTemplate } from './demo-catalog.js';
import type { Random } from './random.js';
import { zonedDate } from './zoned-time.js';

export type CalendarDay = [number, number, number];

const DAY = 86_400_000;

/** Sunday first, as `getUTCDay`. */
export const WEEKDAY = [1.2, 0.55, 0.65, 0.75, 0.9, 1.3, 1.9];
/** January first. */
export const SEASON = [0.7, 0.75, 0.85, 0.95, 1.15, 1.3, 1.25, 1.05, 1.15, 1, 1.15, 1.5];
/** Months each seasonal event fits; the others fit any month. */
const EVENT_MONTHS: Readonly<Record<string, readonly number[]>> = {
  'winter-gala': [1, 2, 11, 12],
  'christmas-market': [11, 12],
  'brightline-holiday-party': [12],
  'spring-fashion-show': [3, 4, 5],
  'riverside-high-prom': [4, 5, 6],
  'university-graduation': [5, 6, 7],
  'harbor-food-festival': [6, 7, 8, 9],
  'county-fair': [7, 8, 9],
  'acme-summer-party': [6, 7, 8],
  'summer-block-party': [6, 7, 8],
  'halloween-masquerade': [10],
};

/** 0 for Sunday to 6 for Saturday. */
export function weekdayOf([year, month, day]: Readonly<CalendarDay>): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** Each local calendar day from `start` to `end`, as [year, month, day]. */
export function calendarDays(start: number, end: number, zone: string): CalendarDay[] {
  const [year, month, day] = zonedDate(start, zone);
  const [lastYear, lastMonth, lastDay] = zonedDate(end, zone);
  const last = Date.UTC(lastYear, lastMonth - 1, lastDay);
  const days: CalendarDay[] = [];
  for (let utc = Date.UTC(year, month - 1, day); utc <= last; utc += DAY) {
    const date = new Date(utc);
    days.push([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]);
  }
  return days;
}

export interface PlannedEvent {
  project: string;
  template: EventTemplate;
  dates: CalendarDay[];
}

/** Event weekends: more of them in the busy months, each matched with an event that fits. */
export function chooseEvents(
  days: readonly CalendarDay[],
  months: number,
  random: Random,
): PlannedEvent[] {
  // Saturdays with a Friday before and a Sunday after inside the range.
  const saturdays = days
    .map((date, index) => ({ date, index }))
    .filter(({ date, index }) => weekdayOf(date) === 6 && index >= 2 && index + 1 < days.length);
  const wanted = Math.min(saturdays.length, Math.max(2, Math.round(months * 1.5)));
  const chosen: typeof saturdays = [];
  const pool = [...saturdays];
  while (chosen.length < wanted && pool.length > 0) {
    const pick = random.weighted(pool.map((entry) => [entry, SEASON[entry.date[1] - 1] ?? 1]));
    chosen.push(pick);
    pool.splice(pool.indexOf(pick), 1);
  }
  chosen.sort((a, b) => a.index - b.index);
  const used = new Map<string, number>();
  return chosen.map(({ date, index }) => {
    const fits = (template: EventTemplate) =>
      EVENT_MONTHS[template.project]?.includes(date[1]) ?? true;
    const fresh = EVENT_TEMPLATES.filter((template) => !used.has(template.project));
    const template = random.pick(
      fresh.filter(fits).length > 0 ? fresh.filter(fits) : EVENT_TEMPLATES.filter(fits),
    );
    const times = (used.get(template.project) ?? 0) + 1;
    used.set(template.project, times);
    const dates =
      template.shape === 'fair'
        ? [days[index - 1], date, days[index + 1]].filter((day) => day !== undefined)
        : [date];
    return {
      project: times > 1 ? `${template.project}-${times}` : template.project,
      template,
      dates,
    };
  });
}
