/**
 * Reports: usage over time (also as CSV), totals of a period, monthly cards, a project's
 * analytics and insight, all read from day rollups; and rebuilding those rollups (root).
 */
import { z } from 'zod';
import { formatCredits } from '../../core/amount.js';
import { csvCell, csvLine, csvTextCell } from '../../reports/csv.js';
import { MAX_TOP, type GroupBy, type OrgUsageReport } from '../../reports/reports.js';
import { sendProblem } from '../errors.js';
import {
  presentInsights,
  presentMonths,
  presentProjectReport,
  presentTotals,
  presentUsageReport,
} from '../present-report.js';
import { iso } from '../present.js';
import {
  insightsQuery,
  insightsResponse,
  monthsQuery,
  monthsResponse,
  projectReportParams,
  projectReportQuery,
  projectReportResponse,
  rebuildResponse,
  reportRangeQuery,
  totalsResponse,
  usageQuery,
  usageReportResponse,
} from '../report-schemas.js';
import { orgParams, problemResponse } from '../schemas.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
};

/** The usage query as the report takes it; `member` is another name for `user`. */
function usageOptions(query: z.infer<typeof usageQuery>) {
  const { from, to, interval, groupBy, top } = query;
  return {
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(interval === undefined ? {} : { interval }),
    ...(groupBy === undefined
      ? {}
      : { groupBy: (groupBy === 'member' ? 'user' : groupBy) as GroupBy }),
    ...(top === undefined ? {} : { top }),
  };
}

/** The group of the line summing the values beyond the most used thousand. */
const OTHERS = '(other values)';

const USAGE_CSV_COLUMNS = ['start', 'end', 'day', 'group', 'used', 'usageCount', 'failures'];

/** One line per bucket, or per bucket and value when grouped; amounts exact, instants UTC. */
function usageCsv(report: OrgUsageReport): string {
  const columns = [...USAGE_CSV_COLUMNS, 'refused', 'refunded'];
  if (report.groupBy === null) columns.splice(columns.indexOf('group'), 1);
  const lines = [csvLine(columns.map(csvCell))];
  report.buckets.forEach((bucket, index) => {
    const bounds = report.bucketBounds[index];
    if (!bounds) return;
    const rows =
      report.groupBy === null
        ? [{ ...bucket, key: undefined }]
        : [...bucket.groups, ...(bucket.others ? [{ ...bucket.others, key: OTHERS }] : [])];
    for (const row of rows) {
      const cells = [csvCell(iso(bounds.start)), csvCell(iso(bounds.end)), csvCell(bucket.start)];
      if (report.groupBy !== null) cells.push(csvTextCell(row.key ?? ''));
      cells.push(
        csvCell(formatCredits(row.used)),
        csvCell(row.usageCount),
        csvCell(row.failures),
        csvCell(row.refused),
        csvCell(formatCredits(row.refunded)),
      );
      lines.push(csvLine(cells));
    }
  });
  return lines.join('');
}

export function registerReportRoutes(app: ZodApp, { reports }: RouteContext): void {
  app.get(
    '/v1/orgs/:org/reports/usage',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'Usage over time in day, week or month buckets, split by one dimension',
        params: orgParams,
        querystring: usageQuery,
        response: { 200: usageReportResponse, ...problems },
      },
    },
    async (request, reply) => {
      const report = await reports.usage(request.params.org, usageOptions(request.query));
      return report.ok ? presentUsageReport(report.value) : sendProblem(reply, report.refusal);
    },
  );

  app.get(
    '/v1/orgs/:org/reports/usage.csv',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'The usage report as CSV: a line per bucket, or per bucket and value',
        params: orgParams,
        querystring: usageQuery,
        response: {
          200: {
            description: `RFC 4180 CSV, UTF-8, CRLF; columns ${USAGE_CSV_COLUMNS.join(', ')}, refused, refunded (group only when grouped)`,
            content: { 'text/csv': { schema: z.string() } },
          },
          ...problems,
        },
      },
    },
    async (request, reply) => {
      // Every value, unless the caller asks for fewer: a file is for reading all of it.
      const report = await reports.usage(request.params.org, {
        ...usageOptions(request.query),
        top: request.query.top ?? MAX_TOP,
      });
      if (!report.ok) return sendProblem(reply, report.refusal);
      const { org, from: first, to: last } = report.value;
      const name = `${org.id.replace(/[^A-Za-z0-9_-]/g, '_')}-usage-${first}-${last}.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(usageCsv(report.value));
    },
  );

  app.get(
    '/v1/orgs/:org/reports/totals',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'Totals of a period: used, added by kind, expired, net, usage and failures',
        params: orgParams,
        querystring: reportRangeQuery,
        response: { 200: totalsResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { from, to } = request.query;
      const totals = await reports.totals(request.params.org, {
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
      });
      return totals.ok ? presentTotals(totals.value) : sendProblem(reply, totals.refusal);
    },
  );

  app.get(
    '/v1/orgs/:org/reports/months',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'Monthly cards: the running month (current) and the ones before, newest first',
        params: orgParams,
        querystring: monthsQuery,
        response: { 200: monthsResponse, ...problems },
      },
    },
    async (request, reply) => {
      const months = await reports.months(request.params.org, request.query.count ?? 4);
      return months.ok ? presentMonths(months.value) : sendProblem(reply, months.refusal);
    },
  );

  app.get(
    '/v1/orgs/:org/reports/insights',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'Top consumers, outliers, runway, expiring credits and next month’s need',
        params: orgParams,
        querystring: insightsQuery,
        response: { 200: insightsResponse, ...problems },
      },
    },
    async (request, reply) => {
      const days = request.query.days;
      const insights = await reports.insights(
        request.params.org,
        days === undefined ? {} : { days },
      );
      return insights.ok ? presentInsights(insights.value) : sendProblem(reply, insights.refusal);
    },
  );

  app.get(
    '/v1/orgs/:org/projects/:project/report',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: "A project's analytics: used, refunded, timeline, top features and members",
        params: projectReportParams,
        querystring: projectReportQuery,
        response: { 200: projectReportResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { from, to, interval } = request.query;
      const report = await reports.project(request.params.org, request.params.project, {
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(interval === undefined ? {} : { interval }),
      });
      return report.ok ? presentProjectReport(report.value) : sendProblem(reply, report.refusal);
    },
  );

  app.post(
    '/v1/orgs/:org/rollups/rebuild',
    {
      config: { need: 'root' },
      schema: {
        tags: ['reports'],
        summary: "Recompute the org's rollups from its raw history (root)",
        params: orgParams,
        response: { 200: rebuildResponse, ...problems },
      },
    },
    async (request, reply) => {
      const rebuilt = await reports.rebuild(request.params.org);
      if (!rebuilt.ok) return sendProblem(reply, rebuilt.refusal);
      return { org: request.params.org, ...rebuilt.value };
    },
  );
}
