/**
 * The smaller reports as text: the totals of a period, the monthly cards and a project's
 * analytics. The usage table is usage-table.ts; insight is insights-text.ts.
 */
import type { MonthsBody, ProjectReportBody, TotalsBody } from './api-types.js';
import { groupCredits, toMicros } from './credits-text.js';
import { formatPairs, formatTable } from './table.js';
import { rangeText, renderBuckets, renderGroups, renderRefusals } from './usage-table.js';
import { formatZoned } from './zoned-time.js';

const count = (value: number) => value.toLocaleString('en-US');

export function renderTotals(totals: TotalsBody): string {
  const kinds = Object.entries(totals.addedByKind).filter(
    ([, credits]) => toMicros(credits) !== 0n,
  );
  return [
    `Totals of ${totals.org}, ${rangeText(totals.from, totals.to)} (${totals.timezone})`,
    '',
    formatPairs(
      [
        ['used', groupCredits(totals.used)],
        ['usage', count(totals.usageCount)],
        ['failures', count(totals.failures)],
        ['refused', count(totals.refused)],
        ['refunded', groupCredits(totals.refunded)],
        ['added', groupCredits(totals.added)],
        ...kinds.map(([kind, credits]): [string, string] => [`  ${kind}`, groupCredits(credits)]),
        ['expired', groupCredits(totals.expired)],
        ['net', groupCredits(totals.net, { sign: true })],
      ],
      { alignNumbers: true },
    ),
    'net = added − used − expired: how the pool changed over these days.\n',
  ].join('\n');
}

/** The running month first (marked current, its figures so far), then the months before it. */
export function renderMonths(months: MonthsBody): string {
  return formatTable(months.data, [
    { header: 'MONTH', value: (card) => (card.current ? `${card.month} (current)` : card.month) },
    { header: 'USED', value: (card) => groupCredits(card.used), align: 'right' },
    { header: 'USAGE', value: (card) => count(card.usageCount), align: 'right' },
    { header: 'FAILURES', value: (card) => count(card.failures), align: 'right' },
  ]);
}

export function renderProjectReport(report: ProjectReportBody): string {
  const { project, timeline } = report;
  const zone = timeline.timezone;
  const archived =
    project.archivedAt === null ? '' : `, archived ${formatZoned(project.archivedAt, zone)}`;
  const budget = project.budget;
  const pairs: [string, string][] = [
    [
      'budget',
      budget === null
        ? 'none'
        : `${groupCredits(budget.credits)} ${budget.period === 'total' ? 'in total' : `a ${budget.period}`}: ${groupCredits(budget.used)} used, ${groupCredits(budget.left)} left${budget.resetsAt === null ? '' : `, resets ${formatZoned(budget.resetsAt, zone)}`}`,
    ],
    ['org available', groupCredits(report.available)],
    ['used', groupCredits(report.used)],
    ['refunded', groupCredits(report.refunded)],
    ['net', groupCredits(report.net)],
    ['usage', count(report.usageCount)],
    ['failures', count(report.failures)],
  ];
  const parts = [
    `Project ${project.id}${project.name === project.id ? '' : ` (${project.name})`} of ${timeline.org}, ${rangeText(timeline.from, timeline.to)} (${zone})${archived}`,
    '',
    formatPairs(pairs),
    renderBuckets(timeline.interval, timeline.buckets, timeline.totals),
  ];
  const refusals = renderRefusals(timeline.totals);
  if (refusals) parts.push(refusals);
  if (report.features.length > 0) parts.push(renderGroups('feature', report.features, report.used));
  if (report.members.length > 0) parts.push(renderGroups('member', report.members, report.used));
  return parts.join('\n');
}
