/**
 * Usage over time from day rollups: buckets of a day, a week (Monday to Sunday) or a calendar
 * month in the org's time zone, cut at the range's ends, each split by the values of one
 * dimension, with totals per value and for the whole range. Pure: rows in, report out.
 */
import type { Micros } from '../core/amount.js';
import { addDays, parseDayKey } from '../core/local-day.js';
import { NO_VALUE, type UsageRollup } from '../core/rollup.js';

export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

/** What usage rows add up to over some days. */
export interface UsageFigures {
  used: Micros;
  usageCount: number;
  failures: number;
  refused: number;
  refunded: Micros;
}

export interface GroupFigures extends UsageFigures {
  /** The dimension's value; null for usage without one (no project, no member, no model). */
  readonly key: string | null;
}

export interface UsageBucket extends UsageFigures {
  /** First day, "YYYY-MM-DD", and the day after the last. */
  readonly start: string;
  readonly end: string;
  /** By value, most used first. */
  readonly groups: GroupFigures[];
}

export interface UsageReport {
  readonly from: string;
  readonly to: string;
  readonly interval: Interval;
  readonly totals: UsageFigures;
  /** Every value over the whole range, most used first. */
  readonly groups: GroupFigures[];
  readonly buckets: UsageBucket[];
}

export function emptyFigures(): UsageFigures {
  return { used: 0n, usageCount: 0, failures: 0, refused: 0, refunded: 0n };
}

export function addFigures(into: UsageFigures, row: UsageFigures): void {
  into.used += row.used;
  into.usageCount += row.usageCount;
  into.failures += row.failures;
  into.refused += row.refused;
  into.refunded += row.refunded;
}

/** The buckets covering days `[from, to)`: whole days, weeks or months, cut at both ends. */
export function bucketsOf(
  from: string,
  to: string,
  interval: Interval,
): { start: string; end: string }[] {
  const buckets: { start: string; end: string }[] = [];
  for (let start = from; start < to;) {
    const next = nextBoundary(start, interval);
    const end = next < to ? next : to;
    buckets.push({ start, end });
    start = end;
  }
  return buckets;
}

function nextBoundary(day: string, interval: Interval): string {
  if (interval === 'day') return addDays(day, 1);
  const date = parseDayKey(day);
  if (!date) throw new Error(`not a day: ${day}`);
  if (interval === 'week') {
    const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    // Weeks start on Monday (ISO 8601): Monday is 1, Sunday 0.
    return addDays(day, weekday === 0 ? 1 : 8 - weekday);
  }
  const [year, month] = date.month === 12 ? [date.year + 1, 1] : [date.year, date.month + 1];
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`;
}

/**
 * The report from rollup rows of one dimension (`grouped`) and, for the totals, of the `all`
 * dimension (`overall`). Credit kinds count a charge once per kind it drew on, so their counts
 * may add up to more than the totals: the totals always come from `overall`.
 */
export function buildUsageReport(
  from: string,
  to: string,
  interval: Interval,
  overall: readonly UsageRollup[],
  grouped: readonly UsageRollup[] | undefined,
): UsageReport {
  const ranges = bucketsOf(from, to, interval);
  const buckets: UsageBucket[] = ranges.map((range) => ({
    ...range,
    ...emptyFigures(),
    groups: [],
  }));
  const bucketOfDay = new Map<string, number>();
  ranges.forEach((range, index) => {
    for (let day = range.start; day < range.end; day = addDays(day, 1)) {
      bucketOfDay.set(day, index);
    }
  });
  const totals = emptyFigures();
  for (const row of overall) {
    const bucket = buckets[bucketOfDay.get(row.day) ?? -1];
    if (!bucket) continue;
    addFigures(bucket, row);
    addFigures(totals, row);
  }
  const groups = new Map<string, GroupFigures>();
  const bucketGroups = buckets.map(() => new Map<string, GroupFigures>());
  for (const row of grouped ?? []) {
    const index = bucketOfDay.get(row.day);
    if (index === undefined) continue;
    addFigures(groupIn(groups, row.value), row);
    addFigures(groupIn(bucketGroups[index] as Map<string, GroupFigures>, row.value), row);
  }
  bucketGroups.forEach((byValue, index) => {
    (buckets[index] as UsageBucket).groups.push(...sortGroups(byValue));
  });
  return { from, to, interval, totals, groups: sortGroups(groups), buckets };
}

function groupIn(byValue: Map<string, GroupFigures>, value: string): GroupFigures {
  let figures = byValue.get(value);
  if (!figures) {
    figures = { key: value === NO_VALUE ? null : value, ...emptyFigures() };
    byValue.set(value, figures);
  }
  return figures;
}

/** Most used first; then most refunded, failed or refused; then by key, none last. */
export function sortGroups(byValue: Map<string, GroupFigures>): GroupFigures[] {
  return [...byValue.values()].sort(
    (a, b) =>
      compareDescending(a.used, b.used) ||
      b.usageCount - a.usageCount ||
      compareDescending(a.refunded, b.refunded) ||
      b.failures + b.refused - (a.failures + a.refused) ||
      compareKeys(a.key, b.key),
  );
}

function compareDescending(a: bigint, b: bigint): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
