import { describe, expect, it } from 'vitest';
import type { InsightsBody, ProjectReportBody, TotalsBody } from './api-types.js';
import { renderInsights } from './insights-text.js';
import { renderMonths, renderProjectReport, renderTotals } from './report-text.js';

const figures = (used: string, usageCount = 0) => ({
  used,
  usageCount,
  failures: 0,
  refused: 0,
  refunded: '0',
});

describe('renderTotals', () => {
  it('lists the figures, the kinds that added credits, and a signed net', () => {
    const totals: TotalsBody = {
      org: 'org_1',
      timezone: 'Europe/Paris',
      from: '2026-10-01',
      to: '2026-11-01',
      start: '2026-09-30T22:00:00.000Z',
      end: '2026-10-31T23:00:00.000Z',
      ...figures('1200.5', 150),
      refunded: '3',
      added: '1503',
      addedByKind: {
        allowance: '1500',
        purchase: '0',
        trial: '0',
        promo: '0',
        admin_grant: '0',
        refund: '3',
      },
      expired: '299.5',
      net: '3',
    };
    expect(renderTotals(totals).split('\n')).toEqual([
      'Totals of org_1, 2026-10-01 to 2026-10-31 (Europe/Paris)',
      '',
      'used         1,200.5',
      'usage            150',
      'failures           0',
      'refused            0',
      'refunded           3',
      'added          1,503',
      '  allowance    1,500',
      '  refund           3',
      'expired        299.5',
      'net               +3',
      '',
      'net = added − used − expired: how the pool changed over these days.',
      '',
    ]);
  });
});

describe('renderMonths', () => {
  it('marks the running month', () => {
    const card = (month: string, used: string, current = false) => ({
      month,
      start: `${month}-01T00:00:00.000Z`,
      end: `${month}-01T00:00:00.000Z`,
      used,
      usageCount: 1234,
      failures: 2,
      current,
    });
    expect(
      renderMonths({ data: [card('2026-11', '12', true), card('2026-10', '1500')] }).split('\n'),
    ).toEqual([
      'MONTH               USED  USAGE  FAILURES',
      '2026-11 (current)     12  1,234         2',
      '2026-10            1,500  1,234         2',
      '',
    ]);
  });
});

describe('renderProjectReport', () => {
  it('shows the budget, the figures, the timeline and the top features and members', () => {
    const report: ProjectReportBody = {
      project: {
        id: 'gala',
        name: 'Gala night',
        archivedAt: null,
        budget: {
          credits: '2000',
          period: 'month',
          used: '12',
          left: '1988',
          resetsAt: '2026-11-30T23:00:00.000Z',
        },
      },
      available: '5996',
      used: '12',
      refunded: '2',
      net: '10',
      usageCount: 3,
      failures: 0,
      timeline: {
        org: 'org_1',
        timezone: 'Europe/Paris',
        from: '2026-11-01',
        to: '2026-11-03',
        start: '2026-10-31T23:00:00.000Z',
        end: '2026-11-02T23:00:00.000Z',
        interval: 'day',
        totals: { ...figures('12', 3), refunded: '2' },
        buckets: [
          {
            start: '2026-10-31T23:00:00.000Z',
            end: '2026-11-01T23:00:00.000Z',
            day: '2026-11-01',
            ...figures('12', 3),
            groups: [],
            others: null,
          },
          {
            start: '2026-11-01T23:00:00.000Z',
            end: '2026-11-02T23:00:00.000Z',
            day: '2026-11-02',
            ...figures('0'),
            groups: [],
            others: null,
          },
        ],
      },
      features: [{ key: 'image', ...figures('12', 3), share: '100.0' }],
      members: [
        { key: 'ana', ...figures('8', 1), share: '66.7' },
        { key: null, ...figures('4', 2), share: '33.3' },
      ],
    };
    const text = renderProjectReport(report);
    expect(text).toMatch(
      /^Project gala \(Gala night\) of org_1, 2026-11-01 to 2026-11-02 \(Europe\/Paris\)$/m,
    );
    expect(text).toMatch(
      /^budget\s+2,000 a month: 12 used, 1,988 left, resets 2026-12-01 00:00:00$/m,
    );
    expect(text).toMatch(/^org available\s+5,996$/m);
    expect(text).toMatch(/^net\s+10$/m);
    expect(text).toMatch(/^2026-11-01\s+12\s+3\s+0$/m);
    expect(text).toMatch(/^TOTAL\s+12\s+3\s+0$/m);
    expect(text).toMatch(/^refunded\s+2 credits$/m);
    expect(text).toMatch(/^image\s+12\s+100\.0%\s+3\s+0$/m);
    expect(text).toMatch(/^\(none\)\s+4\s+33\.3%\s+2\s+0$/m);
  });
});

describe('renderInsights', () => {
  const top = (key: string, used: string, share: string) => ({ key, used, usageCount: 1, share });
  const empty = { top: [], others: null };
  const insights: InsightsBody = {
    org: 'org_1',
    asOf: '2026-11-23T16:00:00.000Z',
    from: '2026-10-25',
    to: '2026-11-24',
    topConsumers: {
      feature: {
        top: [top('image', '90', '90.0')],
        others: { used: '10', usageCount: 4 },
      },
      project: empty,
      user: { top: [top('ana', '100', '100.0')], others: null },
      model: empty,
    },
    outliers: [
      {
        kind: 'request',
        day: '2026-11-13',
        feature: 'image',
        transactionId: 'chg_1',
        credits: '80',
        baseline: '8',
        ratio: '10.0',
        why: 'one image request of 80 credits, 10.0× the median request of the 14 days before (8 credits)',
      },
      {
        kind: 'day',
        day: '2026-11-12',
        feature: null,
        transactionId: null,
        credits: '164',
        baseline: '22',
        ratio: '7.5',
        why: '164 credits used, 7.5× the median day of the 14 before (22 credits)',
      },
    ],
    runway: {
      dailyRate: '23.5',
      runsOutAt: '2026-12-01T10:00:00.000Z',
      daysLeft: 8,
      expiringUnused: '0',
    },
    expiring: {
      within7Days: '30',
      within30Days: '530',
      lots: [
        {
          grantId: 'grt_1',
          kind: 'trial',
          credits: '30',
          expiresAt: '2026-11-25T23:00:00.000Z',
        },
      ],
    },
    nextMonth: {
      month: '2026-12',
      days: 31,
      expectedUse: '728.5',
      basis: '23.5 credits a day over the last 30 days × 31 days in 2026-12',
      covered: '500',
      toBuy: '229',
    },
  };

  it('reads as sections: top consumers, outliers with why, runway, expiring, next month', () => {
    const text = renderInsights(insights, 'Europe/Paris');
    expect(text).toMatch(
      /^Insights for org_1, 2026-10-25 to 2026-11-23, as of 2026-11-23 17:00:00 \(Europe\/Paris\)$/m,
    );
    expect(text).toMatch(/^TOP FEATURES\s+USED\s+SHARE\s+USAGE$/m);
    // The others' share is what the shown groups leave: 10 of 100.
    expect(text).toMatch(/^others\s+10\s+10\.0%\s+4$/m);
    expect(text).toMatch(/^Top projects: no usage\.$/m);
    expect(text).toMatch(/^TOP MEMBERS/m);
    expect(text).toContain(
      '  2026-11-13  request chg_1: one image request of 80 credits, 10.0× the median request of the 14 days before (8 credits)\n' +
        '  2026-11-12  day: 164 credits used, 7.5× the median day of the 14 before (22 credits)\n',
    );
    expect(text).toMatch(/^runs out\s+2026-12-01 11:00:00 \(in 8 days\)$/m);
    expect(text).toMatch(/^within 30 days\s+530$/m);
    expect(text).toMatch(/^2026-11-26 00:00:00\s+trial\s+30\s+grt_1$/m);
    expect(text).toMatch(/^Next month, 2026-12 \(31 days\):$/m);
    expect(text).toMatch(/^to buy\s+229$/m);
    expect(text).toMatch(/^basis: 23\.5 credits a day/m);
  });

  it('says when nothing stands out and when the pool lasts', () => {
    const quiet = renderInsights(
      {
        ...insights,
        outliers: [],
        runway: { dailyRate: '0', runsOutAt: null, daysLeft: null, expiringUnused: '0' },
      },
      'UTC',
    );
    expect(quiet).toMatch(/^Outliers: none, no day or request stood out\.$/m);
    expect(quiet).toMatch(/^runs out\s+not at this rate: no usage in the last 30 days$/m);
    const lasting = renderInsights(
      { ...insights, runway: { ...insights.runway, runsOutAt: null, daysLeft: null } },
      'UTC',
    );
    expect(lasting).toMatch(/^runs out\s+not within a year at this rate$/m);
  });
});
