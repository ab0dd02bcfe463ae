/**
 * The usage report as a terminal table: one line per bucket (day, week or month) with credits
 * used, usage count and failures, and when the report is split by a dimension, one column per
 * top group and one for the rest, so that a report over hundreds of members still fits a
 * screen. A total line ends the table; a table of the top groups with their shares follows.
 * Every sum is exact: credits are added as bigint micro-credits, never as floats.
 */
import type { UsageBucketBody, UsageFiguresBody, UsageReportBody } from './api-types.js';
import { fromMicros, groupCredits, toMicros } from './credits-text.js';
import { cleanCell, displayWidth, formatPairs, formatTable, type Column } from './table.js';

/** Groups shown as columns (and in the table of groups); the rest is folded into "others". */
export const TOP_GROUPS = 5;
/** Widest header a group's column gets; longer values are cut with an ellipsis. */
const GROUP_HEADER_WIDTH = 18;

/** What the API calls a dimension, as people read it: `user` is the member charged. */
const DIMENSION_NAMES: Record<string, string> = {
  feature: 'feature',
  project: 'project',
  user: 'member',
  member: 'member',
  model: 'model',
  kind: 'credit kind',
};

export const dimensionName = (groupBy: string): string => DIMENSION_NAMES[groupBy] ?? groupBy;

/** The report's days as people say them: "2026-08-01 to 2026-08-31", the last day included. */
export function rangeText(from: string, to: string): string {
  const last = new Date(Date.parse(`${to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return from === last ? from : `${from} to ${last}`;
}

/** A group's value as a header or cell: none for usage without one, long values shortened. */
export function groupLabel(key: string | null, width = GROUP_HEADER_WIDTH): string {
  if (key === null) return '(none)';
  const clean = cleanCell(key);
  if (displayWidth(clean) <= width) return clean;
  let cut = '';
  for (const char of clean) {
    if (displayWidth(cut + char) > width - 1) break;
    cut += char;
  }
  return `${cut}…`;
}

/** used / total in percent with one decimal, half up, exactly: "84.2%". */
export function shareText(used: bigint, total: bigint): string {
  if (total === 0n) return '0.0%';
  const tenths = (used * 2000n + total) / (2n * total);
  return `${tenths / 10n}.${tenths % 10n}%`;
}

const count = (value: number) => value.toLocaleString('en-US');

const bucketLabel = (interval: string) => (bucket: { day: string }) =>
  // A whole month is named by its month; a month cut by the range keeps its first day.
  interval === 'month' && bucket.day.endsWith('-01') ? bucket.day.slice(0, 7) : bucket.day;

const BUCKET_HEADERS: Record<string, string> = { day: 'DAY', week: 'WEEK FROM', month: 'MONTH' };

type GroupUsed = { key: string | null; used: string };
type Line = {
  label: string;
  figures: UsageFiguresBody;
  groups: readonly GroupUsed[];
  others: string | null;
};

/**
 * How a report is split: the groups shown as columns, and what the server summed as the other
 * values (null when it named every value).
 */
export interface Split {
  readonly top: readonly GroupUsed[];
  readonly others: string | null;
}

const sumUsed = (groups: readonly GroupUsed[]) =>
  groups.reduce((sum, group) => sum + toMicros(group.used), 0n);

/**
 * The buckets as lines with a TOTAL line, and with `split`, a column per top group (its credits
 * used in the bucket) and one for the others. Shared by the usage and project reports.
 */
export function renderBuckets(
  interval: string,
  buckets: readonly UsageBucketBody[],
  totals: UsageFiguresBody,
  split: Split = { top: [], others: null },
): string {
  const label = bucketLabel(interval);
  const lines: Line[] = buckets.map((bucket) => ({
    label: label(bucket),
    figures: bucket,
    groups: bucket.groups,
    others: bucket.others?.used ?? (split.others === null ? null : '0'),
  }));
  // The total line's groups are the report's, so its group columns add up like the others.
  lines.push({ label: 'TOTAL', figures: totals, groups: split.top, others: split.others });
  const usedBy = (line: Line, key: string | null) =>
    line.groups.find((group) => group.key === key)?.used ?? '0';
  const columns: Column<Line>[] = [
    { header: BUCKET_HEADERS[interval] ?? interval.toUpperCase(), value: (line) => line.label },
    { header: 'USED', value: (line) => groupCredits(line.figures.used), align: 'right' },
    { header: 'USAGE', value: (line) => count(line.figures.usageCount), align: 'right' },
    { header: 'FAILURES', value: (line) => count(line.figures.failures), align: 'right' },
    ...split.top.map((group): Column<Line> => ({
      header: groupLabel(group.key),
      value: (line) => groupCredits(usedBy(line, group.key)),
      align: 'right',
    })),
  ];
  if (split.others !== null) {
    columns.push({
      header: 'OTHERS',
      value: (line) => groupCredits(line.others ?? '0'),
      align: 'right',
    });
  }
  return formatTable(lines, columns);
}

/** The top groups with their share, usage and failures, and the others summed. */
export function renderGroups(
  name: string,
  groups: UsageReportBody['groups'],
  total: string,
  limit = TOP_GROUPS,
  /** What the server summed beyond the groups it named. */
  summed: UsageReportBody['others'] = null,
): string {
  const shown = groups.slice(0, limit);
  const rest = groups.slice(limit);
  type Row = { label: string; used: string; share: string; usageCount: number; failures: number };
  const rows: Row[] = shown.map((group) => ({
    label: groupLabel(group.key, 40),
    used: group.used,
    share: `${group.share}%`,
    usageCount: group.usageCount,
    failures: group.failures,
  }));
  if (rest.length > 0 || summed !== null) {
    const used = sumUsed(rest) + toMicros(summed?.used ?? '0');
    const values = rest.length + (summed?.values ?? 0);
    rows.push({
      label: `others (${count(values)})`,
      used: fromMicros(used),
      share: shareText(used, toMicros(total)),
      usageCount: rest.reduce((sum, group) => sum + group.usageCount, summed?.usageCount ?? 0),
      failures: rest.reduce((sum, group) => sum + group.failures, summed?.failures ?? 0),
    });
  }
  return formatTable(rows, [
    { header: name.toUpperCase(), value: (row) => row.label },
    { header: 'USED', value: (row) => groupCredits(row.used), align: 'right' },
    { header: 'SHARE', value: (row) => row.share, align: 'right' },
    { header: 'USAGE', value: (row) => count(row.usageCount), align: 'right' },
    { header: 'FAILURES', value: (row) => count(row.failures), align: 'right' },
  ]);
}

/** Refusals and refunds, which the table leaves out, when there were any. */
export function renderRefusals(totals: UsageFiguresBody): string {
  const pairs: [string, string][] = [];
  if (totals.refused > 0) pairs.push(['refused', `${count(totals.refused)} charges or holds`]);
  if (toMicros(totals.refunded) !== 0n) {
    pairs.push(['refunded', `${groupCredits(totals.refunded)} credits`]);
  }
  return pairs.length === 0 ? '' : formatPairs(pairs);
}

export function renderUsage(report: UsageReportBody): string {
  const by = report.groupBy === null ? '' : `, by ${dimensionName(report.groupBy)}`;
  const title = `Usage of ${report.org}, ${rangeText(report.from, report.to)} (${report.timezone}), per ${report.interval}${by}`;
  // The server names the top values (the command asks for TOP_GROUPS) and sums the rest.
  const split = { top: report.groups, others: report.others?.used ?? null };
  const parts = [title, '', renderBuckets(report.interval, report.buckets, report.totals, split)];
  const refusals = renderRefusals(report.totals);
  if (refusals) parts.push(refusals);
  if (report.groupBy !== null && report.groups.length > 0) {
    parts.push(
      renderGroups(
        dimensionName(report.groupBy),
        report.groups,
        report.totals.used,
        TOP_GROUPS,
        report.others,
      ),
    );
  }
  return parts.join('\n');
}
