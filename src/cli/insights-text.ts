/**
 * Insight as text, in the order an admin reads it: who consumes most, what stood out (each
 * outlier with the server's own sentence saying why), when the pool runs dry at the recent rate,
 * what expires soon, and what next month is likely to need.
 */
import type { InsightsBody } from './api-types.js';
import { groupCredits, toMicros } from './credits-text.js';
import { cleanCell, formatPairs, formatTable } from './table.js';
import { groupLabel, rangeText, shareText } from './usage-table.js';
import { formatZoned } from './zoned-time.js';

type TopBody = InsightsBody['topConsumers']['feature'];

const DIMENSIONS: [keyof InsightsBody['topConsumers'], string][] = [
  ['feature', 'features'],
  ['project', 'projects'],
  ['user', 'members'],
  ['model', 'models'],
];

const count = (value: number) => value.toLocaleString('en-US');
const isZero = (credits: string) => toMicros(credits) === 0n;

function renderTop(name: string, top: TopBody): string {
  if (top.top.length === 0) return `Top ${name}: no usage.\n`;
  const rows = top.top.map((consumer) => ({
    label: groupLabel(consumer.key, 40),
    used: consumer.used,
    share: `${consumer.share}%`,
    usageCount: consumer.usageCount,
  }));
  if (top.others) {
    // The API gives no share for the rest: it is what the shown groups leave of the total.
    const shown = top.top.reduce((sum, consumer) => sum + toMicros(consumer.used), 0n);
    const rest = toMicros(top.others.used);
    rows.push({ label: 'others', share: shareText(rest, shown + rest), ...top.others });
  }
  return formatTable(rows, [
    { header: `TOP ${name.toUpperCase()}`, value: (row) => row.label },
    { header: 'USED', value: (row) => groupCredits(row.used), align: 'right' },
    { header: 'SHARE', value: (row) => row.share, align: 'right' },
    { header: 'USAGE', value: (row) => count(row.usageCount), align: 'right' },
  ]);
}

/** One line each: the server's sentence already holds the amount, the baseline and the ratio. */
function renderOutliers(outliers: InsightsBody['outliers']): string {
  if (outliers.length === 0) return 'Outliers: none, no day or request stood out.\n';
  const lines = outliers.map((outlier) => {
    const what =
      outlier.kind === 'day'
        ? 'day'
        : `request${outlier.transactionId === null ? '' : ` ${outlier.transactionId}`}`;
    return `  ${outlier.day}  ${what}: ${cleanCell(outlier.why)}`;
  });
  return `Outliers:\n${lines.join('\n')}\n`;
}

function renderRunway(runway: InsightsBody['runway'], zone: string): string {
  let runsOut: string;
  if (isZero(runway.dailyRate)) runsOut = 'not at this rate: no usage in the last 30 days';
  else if (runway.runsOutAt === null) runsOut = 'not within a year at this rate';
  else {
    const days = runway.daysLeft ?? 0;
    const when = days === 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${count(days)} days`;
    runsOut = `${formatZoned(runway.runsOutAt, zone)} (${when})`;
  }
  return `Runway:\n${formatPairs([
    ['daily rate', `${groupCredits(runway.dailyRate)} credits a day (last 30 complete days)`],
    ['runs out', runsOut],
    ['expiring unused', `${groupCredits(runway.expiringUnused)} credits at this rate`],
  ])}`;
}

function renderExpiring(expiring: InsightsBody['expiring'], zone: string): string {
  const totals = formatPairs(
    [
      ['within 7 days', groupCredits(expiring.within7Days)],
      ['within 30 days', groupCredits(expiring.within30Days)],
    ],
    { alignNumbers: true },
  );
  if (expiring.lots.length === 0) return `Expiring credits:\n${totals}`;
  return `Expiring credits:\n${totals}\n${formatTable(expiring.lots, [
    { header: `EXPIRES (${zone})`, value: (lot) => formatZoned(lot.expiresAt, zone) },
    { header: 'KIND', value: (lot) => lot.kind },
    { header: 'CREDITS', value: (lot) => groupCredits(lot.credits), align: 'right' },
    { header: 'GRANT', value: (lot) => lot.grantId },
  ])}`;
}

function renderNextMonth(next: InsightsBody['nextMonth']): string {
  return `Next month, ${next.month} (${next.days} days):\n${formatPairs(
    [
      ['expected use', groupCredits(next.expectedUse)],
      ['covered', groupCredits(next.covered)],
      ['to buy', groupCredits(next.toBuy)],
    ],
    { alignNumbers: true },
  )}basis: ${next.basis}\n`;
}

export function renderInsights(insights: InsightsBody, zone: string): string {
  return [
    `Insights for ${insights.org}, ${rangeText(insights.from, insights.to)}, as of ${formatZoned(insights.asOf, zone)} (${zone})`,
    '',
    ...DIMENSIONS.map(([dimension, name]) => renderTop(name, insights.topConsumers[dimension])),
    renderOutliers(insights.outliers),
    renderRunway(insights.runway, zone),
    renderExpiring(insights.expiring, zone),
    renderNextMonth(insights.nextMonth),
  ].join('\n');
}
