/**
 * Usage over time from day rollups: buckets of a day, a week (Monday to Sunday) or a calendar
 * month in the org's time zone, cut at the range's ends, each split by the values of one
 * dimension, with totals per value and for the whole range. Pure: rows in, report out.
 */
import type { Micros } from '../core/amount.js';
import { addDays, parseDayKey } from '../core/local-day.js';
import { NO_VALUE } from '../core/rollup.js';
import type { UsageSum } from './ports.js';

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
  /** The report's named values used in this bucket, most used first. */
  readonly groups: GroupFigures[];
  /** The values not named, summed; null when every value is named. */
  others: UsageFigures | null;
}

export interface UsageReport {
  readonly from: string;
  readonly to: string;
  readonly interval: Interval;
  readonly totals: UsageFigures;
  /** The values most used over the whole range, most used first. */
  readonly groups: GroupFigures[];
  /** The other values summed, and how many they are; null when every value is named. */
  readonly others: (UsageFigures & { readonly values: number }) | null;
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

/** The sums a report is built from, each summed in the database (see ReportStore.usageSums). */
export interface UsageSums {
  /** Every value together (the `all` dimension), per period. */
  readonly overall: readonly UsageSum[];
  /** With a dimension: its values together per period, each value over the range, and the top
   * values per period. */
  readonly grouped?: {
    readonly perPeriod: readonly UsageSum[];
    readonly perValue: readonly UsageSum[];
    readonly topPerPeriod: readonly UsageSum[];
  };
}

/** How many values a report names; the rest are summed as `others`. */
export const DEFAULT_TOP = 10;

/**
 * The report of days `[from, to)` cut in `interval`s. Grouped, it names the `top` values most
 * used over the range, in the range and in every bucket, and sums the rest as `others`. Totals
 * always come from every value together: credit kinds count a charge once per kind it drew on.
 */
export function buildUsageReport(
  from: string,
  to: string,
  interval: Interval,
  sums: UsageSums,
  top = DEFAULT_TOP,
): UsageReport {
  const ranges = bucketsOf(from, to, interval);
  const buckets: UsageBucket[] = ranges.map((range) => ({
    ...range,
    ...emptyFigures(),
    groups: [],
    others: null,
  }));
  const indexByStart = new Map(ranges.map((range, index) => [range.start, index]));
  // A period's first day may come before the range (a week begun on Monday): the first bucket.
  const indexOf = (period: string | null) =>
    period === null || period < from ? 0 : (indexByStart.get(period) ?? -1);
  const totals = emptyFigures();
  for (const sum of sums.overall) {
    const bucket = buckets[indexOf(sum.period)];
    if (bucket) addFigures(bucket, sum);
    addFigures(totals, sum);
  }
  if (!sums.grouped) return { from, to, interval, totals, groups: [], others: null, buckets };

  const ranked = sortGroups(
    new Map(sums.grouped.perValue.map((sum) => [sum.value ?? '', groupOf(sum.value, sum)])),
  );
  const named = ranked.slice(0, top);
  const topKeys = new Set(named.map((group) => group.key));
  const byBucket = buckets.map(() => new Map<string, GroupFigures>());
  for (const sum of sums.grouped.topPerPeriod) {
    const index = indexOf(sum.period);
    const key = keyOf(sum.value);
    if (index < 0 || !topKeys.has(key)) continue;
    const groups = byBucket[index] as Map<string, GroupFigures>;
    const group = groups.get(sum.value ?? '') ?? groupOf(sum.value, emptyFigures());
    addFigures(group, sum);
    groups.set(sum.value ?? '', group);
  }
  const groupTotals = buckets.map(() => emptyFigures());
  for (const sum of sums.grouped.perPeriod) {
    const index = indexOf(sum.period);
    if (index >= 0) addFigures(groupTotals[index] as UsageFigures, sum);
  }
  buckets.forEach((bucket, index) => {
    bucket.groups.push(...sortGroups(byBucket[index] as Map<string, GroupFigures>));
    if (ranked.length > top)
      bucket.others = othersOf(groupTotals[index] as UsageFigures, bucket.groups);
  });
  const rangeTotal = emptyFigures();
  for (const figures of groupTotals) addFigures(rangeTotal, figures);
  return {
    from,
    to,
    interval,
    totals,
    groups: named,
    others:
      ranked.length > top ? { ...othersOf(rangeTotal, named), values: ranked.length - top } : null,
    buckets,
  };
}

const keyOf = (value: string | null): string | null =>
  value === null || value === NO_VALUE ? null : value;

function groupOf(value: string | null, figures: UsageFigures): GroupFigures {
  return { key: keyOf(value), ...pickFigures(figures) };
}

function pickFigures(figures: UsageFigures): UsageFigures {
  const { used, usageCount, failures, refused, refunded } = figures;
  return { used, usageCount, failures, refused, refunded };
}

/** What is left of `total` once the named groups are taken out. */
function othersOf(total: UsageFigures, named: readonly UsageFigures[]): UsageFigures {
  const others = pickFigures(total);
  for (const group of named) {
    others.used -= group.used;
    others.usageCount -= group.usageCount;
    others.failures -= group.failures;
    others.refused -= group.refused;
    others.refunded -= group.refunded;
  }
  return others;
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
