/** Schemas of the reports: usage over time, totals, monthly cards, a project's, and insight. */
import { z } from 'zod';
import { GRANT_KINDS } from '../core/grant.js';
import { INTERVALS } from '../reports/usage-report.js';
import { amount, instant } from './schemas.js';

const day = z
  .string()
  .max(10)
  .describe("A date in the org's time zone, YYYY-MM-DD; from is included, to is not");

export const reportRangeQuery = z.object({ from: day.optional(), to: day.optional() });

export const usageQuery = reportRangeQuery.extend({
  interval: z.enum(INTERVALS).optional().describe('Bucket size; default day'),
  groupBy: z
    .enum(['feature', 'project', 'user', 'member', 'model', 'kind'])
    .optional()
    .describe('Split each bucket by this; member is the same as user'),
  top: z.coerce
    .number()
    .int()
    .optional()
    .describe(
      'How many values to name, most used first (default 10, at most 1000); the rest are summed as others',
    ),
});

export const projectReportQuery = reportRangeQuery.extend({
  interval: z.enum(INTERVALS).optional(),
});

export const monthsQuery = z.object({
  count: z.coerce.number().int().optional().describe('How many months, the running one first'),
});

export const insightsQuery = z.object({
  days: z.coerce.number().int().optional().describe('The window looked at, 7 to 365; default 30'),
});

export const projectReportParams = z.object({
  org: z.string().min(1).max(64),
  project: z.string().min(1).max(64),
});

const figures = {
  used: amount.describe('Credits spent by succeeded usage'),
  usageCount: z.number().describe('Succeeded usage transactions'),
  failures: z.number().describe('Failed AI actions and voided holds'),
  refused: z.number().describe('Charges and holds refused (no credits, a limit reached)'),
  refunded: amount.describe('Credits refunds gave back'),
};

const group = z.object({
  key: z.string().nullable().describe('The value; null for usage without one'),
  ...figures,
  share: z.string().describe('Percent of the used credits, one decimal'),
});

const others = z.object(figures).nullable().describe('The values not named, summed');

const bucket = z.object({
  start: instant,
  end: instant,
  day: z.string().describe('The first day of the bucket'),
  ...figures,
  groups: z.array(group.omit({ share: true })),
  others,
});

const usageReport = z.object({
  org: z.string(),
  timezone: z.string(),
  from: z.string(),
  to: z.string(),
  start: instant,
  end: instant,
  interval: z.enum(INTERVALS),
  totals: z.object(figures),
  groups: z.array(group),
  others: z
    .object({ ...figures, values: z.number().describe('How many values are summed here') })
    .nullable(),
  buckets: z.array(bucket),
});

export const usageReportResponse = usageReport.extend({
  groupBy: z.string().nullable(),
});

export const totalsResponse = z.object({
  org: z.string(),
  timezone: z.string(),
  from: z.string(),
  to: z.string(),
  start: instant,
  end: instant,
  ...figures,
  added: amount.describe('Credits granted, refunded and adjusted'),
  addedByKind: z.record(z.enum(GRANT_KINDS), amount),
  expired: amount,
  net: amount.describe('The change of the pool: added − used − expired'),
});

export const monthsResponse = z.object({
  data: z.array(
    z.object({
      month: z.string(),
      start: instant,
      end: instant,
      used: amount,
      usageCount: z.number(),
      failures: z.number(),
      current: z.boolean(),
    }),
  ),
});

export const projectReportResponse = z.object({
  project: z.object({
    id: z.string(),
    name: z.string(),
    archivedAt: instant.nullable(),
    budget: z
      .object({
        credits: amount,
        period: z.string(),
        used: amount,
        left: amount,
        resetsAt: instant.nullable(),
      })
      .nullable(),
  }),
  available: amount.describe("The org's credits available now"),
  used: amount,
  refunded: amount,
  net: amount.describe('What the project cost: used − refunded'),
  usageCount: z.number(),
  failures: z.number(),
  timeline: usageReport.omit({ groups: true, others: true }),
  features: z.array(group),
  members: z.array(group),
});

const topConsumers = z.object({
  top: z.array(
    z.object({
      key: z.string().nullable(),
      used: amount,
      usageCount: z.number(),
      share: z.string(),
    }),
  ),
  others: z.object({ used: amount, usageCount: z.number() }).nullable(),
});

export const insightsResponse = z.object({
  org: z.string(),
  asOf: instant,
  from: z.string(),
  to: z.string(),
  topConsumers: z.object({
    feature: topConsumers,
    project: topConsumers,
    user: topConsumers,
    model: topConsumers,
  }),
  outliers: z.array(
    z.object({
      kind: z.enum(['day', 'request']),
      day: z.string(),
      feature: z.string().nullable(),
      transactionId: z.string().nullable(),
      credits: amount,
      baseline: amount,
      ratio: z.string(),
      why: z.string(),
    }),
  ),
  runway: z.object({
    dailyRate: amount.describe('Credits a day over the last 30 days'),
    runsOutAt: instant
      .nullable()
      .describe('When the pool runs dry at that rate; null: not within a year'),
    daysLeft: z.number().nullable(),
    expiringUnused: amount.describe('Credits that expire before that rate uses them'),
  }),
  expiring: z.object({
    within7Days: amount,
    within30Days: amount,
    lots: z.array(
      z.object({
        grantId: z.string(),
        kind: z.enum(GRANT_KINDS),
        credits: amount,
        expiresAt: instant,
      }),
    ),
  }),
  nextMonth: z.object({
    month: z.string(),
    days: z.number(),
    expectedUse: amount,
    basis: z.string(),
    covered: amount,
    toBuy: amount.describe('Whole credits to buy to cover the expected use'),
  }),
});

export const rebuildResponse = z.object({
  org: z.string(),
  rows: z.number().describe('Log rows and entries summed'),
  usageRollups: z.number(),
  entryRollups: z.number(),
});
