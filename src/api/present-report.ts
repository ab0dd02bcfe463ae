/** Reports as the JSON of report-schemas.ts: credits as decimal strings, instants in ISO 8601. */
import { formatCredits, type Micros } from '../core/amount.js';
import type { GrantKind } from '../core/grant.js';
import type { Insights } from '../reports/insights-report.js';
import { shareOf } from '../reports/insights/top-consumers.js';
import type { TopConsumers } from '../reports/insights/top-consumers.js';
import type { MonthCard, OrgUsageReport, PeriodTotals, ProjectReport } from '../reports/reports.js';
import type { GroupFigures, UsageFigures } from '../reports/usage-report.js';
import { iso } from './present.js';

const presentFigures = (figures: UsageFigures) => ({
  used: formatCredits(figures.used),
  usageCount: figures.usageCount,
  failures: figures.failures,
  refused: figures.refused,
  refunded: formatCredits(figures.refunded),
});

const presentGroup = (group: GroupFigures) => ({ key: group.key, ...presentFigures(group) });

const presentGroups = (groups: readonly GroupFigures[], total: Micros) =>
  groups.map((group) => ({ ...presentGroup(group), share: shareOf(group.used, total) }));

function presentTimeline(report: OrgUsageReport) {
  return {
    org: report.org.id,
    timezone: report.org.timeZone,
    from: report.from,
    to: report.to,
    start: iso(report.start),
    end: iso(report.end),
    interval: report.interval,
    totals: presentFigures(report.totals),
    buckets: report.buckets.map((bucket, index) => {
      const bounds = report.bucketBounds[index];
      if (!bounds) throw new Error('a bucket without bounds');
      return {
        start: iso(bounds.start),
        end: iso(bounds.end),
        day: bucket.start,
        ...presentFigures(bucket),
        groups: bucket.groups.map(presentGroup),
        others: bucket.others ? presentFigures(bucket.others) : null,
      };
    }),
  };
}

export function presentUsageReport(report: OrgUsageReport) {
  return {
    ...presentTimeline(report),
    groupBy: report.groupBy,
    groups: presentGroups(report.groups, report.totals.used),
    others: report.others
      ? { ...presentFigures(report.others), values: report.others.values }
      : null,
  };
}

export function presentTotals(totals: PeriodTotals) {
  return {
    org: totals.org.id,
    timezone: totals.org.timeZone,
    from: totals.from,
    to: totals.to,
    start: iso(totals.start),
    end: iso(totals.end),
    ...presentFigures(totals),
    added: formatCredits(totals.added),
    addedByKind: Object.fromEntries(
      Object.entries(totals.addedByKind).map(([kind, credits]) => [kind, formatCredits(credits)]),
    ) as Record<GrantKind, string>,
    expired: formatCredits(totals.expired),
    net: formatCredits(totals.net),
  };
}

export function presentMonths(cards: readonly MonthCard[]) {
  return {
    data: cards.map((card) => ({
      month: card.month,
      start: iso(card.start),
      end: iso(card.end),
      used: formatCredits(card.used),
      usageCount: card.usageCount,
      failures: card.failures,
      current: card.current,
    })),
  };
}

export function presentProjectReport(report: ProjectReport) {
  const { project, usage } = report;
  const budget = project.budget;
  return {
    project: {
      id: project.id,
      name: project.name,
      archivedAt: project.archivedAt === null ? null : iso(project.archivedAt),
      budget: budget
        ? {
            credits: formatCredits(budget.credits),
            period: budget.period,
            used: formatCredits(budget.used),
            left: formatCredits(budget.left),
            resetsAt: budget.resetsAt === null ? null : iso(budget.resetsAt),
          }
        : null,
    },
    available: formatCredits(report.available),
    used: formatCredits(usage.totals.used),
    refunded: formatCredits(usage.totals.refunded),
    net: formatCredits(usage.totals.used - usage.totals.refunded),
    usageCount: usage.totals.usageCount,
    failures: usage.totals.failures,
    timeline: presentTimeline(usage),
    features: presentGroups(report.features, usage.totals.used),
    members: presentGroups(report.members, usage.totals.used),
  };
}

const presentTop = (top: TopConsumers) => ({
  top: top.top.map((consumer) => ({
    key: consumer.key,
    used: formatCredits(consumer.used),
    usageCount: consumer.count,
    share: consumer.share,
  })),
  others: top.others
    ? { used: formatCredits(top.others.used), usageCount: top.others.count }
    : null,
});

export function presentInsights(insights: Insights) {
  const { runway, expiring, nextMonth } = insights;
  return {
    org: insights.orgId,
    asOf: iso(insights.asOf),
    from: insights.window.from,
    to: insights.window.to,
    topConsumers: {
      feature: presentTop(insights.topConsumers.feature),
      project: presentTop(insights.topConsumers.project),
      user: presentTop(insights.topConsumers.user),
      model: presentTop(insights.topConsumers.model),
    },
    outliers: insights.outliers.map((outlier) => ({
      ...outlier,
      credits: formatCredits(outlier.credits),
      baseline: formatCredits(outlier.baseline),
    })),
    runway: {
      dailyRate: formatCredits(runway.dailyRate),
      runsOutAt: runway.runsOutAt === null ? null : iso(runway.runsOutAt),
      daysLeft: runway.daysLeft,
      expiringUnused: formatCredits(runway.expiringUnused),
    },
    expiring: {
      within7Days: formatCredits(expiring.within7Days),
      within30Days: formatCredits(expiring.within30Days),
      lots: expiring.lots.map((lot) => ({
        grantId: lot.grantId,
        kind: lot.kind,
        credits: formatCredits(lot.credits),
        expiresAt: iso(lot.expiresAt),
      })),
    },
    nextMonth: {
      ...nextMonth,
      expectedUse: formatCredits(nextMonth.expectedUse),
      covered: formatCredits(nextMonth.covered),
      toBuy: formatCredits(nextMonth.toBuy),
    },
  };
}
