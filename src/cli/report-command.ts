/**
 * `tally report usage|totals|months|insights|project`: the reports API as tables. Days are local
 * dates in the org's time zone, `--to` excluded, as the API takes them; the server picks the
 * defaults (the last 30 days, 12 weeks or 12 months up to today). `report usage --csv` downloads
 * the server's CSV (stdout, or `--out`).
 */
import type { Command } from 'commander';
import type {
  InsightsBody,
  MonthsBody,
  ProjectReportBody,
  TotalsBody,
  UsageReportBody,
} from './api-types.js';
import { UsageError } from './cli-errors.js';
import { orgPath, type CommandContext } from './command-context.js';
import { downloadCsv } from './csv-download.js';
import { renderInsights } from './insights-text.js';
import { parseChoice, parseDay, parseInteger } from './parse-arguments.js';
import { renderMonths, renderProjectReport, renderTotals } from './report-text.js';
import { renderUsage, TOP_GROUPS } from './usage-table.js';

const INTERVALS = ['day', 'week', 'month'] as const;
/** `user` is accepted too: the API's name for a member. */
const GROUP_BYS = ['feature', 'project', 'member', 'user', 'model', 'kind'] as const;

interface RangeFlags {
  from?: string;
  to?: string;
  interval?: string;
}

interface UsageFlags extends RangeFlags {
  groupBy?: string;
  csv?: boolean;
  out?: string;
}

function rangeQuery(flags: RangeFlags): Record<string, string | undefined> {
  return {
    from: flags.from === undefined ? undefined : parseDay(flags.from, '--from'),
    to: flags.to === undefined ? undefined : parseDay(flags.to, '--to'),
    interval:
      flags.interval === undefined
        ? undefined
        : parseChoice(flags.interval, '--interval', INTERVALS),
  };
}

/** --from and --to, described once for every report that takes them. */
function withRange(command: Command): Command {
  return command
    .option('--from <day>', 'first day, YYYY-MM-DD in the org time zone')
    .option('--to <day>', 'day after the last (excluded); default: tomorrow, so today is in');
}

export function registerReportCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const report = program
    .command('report')
    .description('reports: usage over time, totals, monthly cards, insight, a project');

  withRange(
    report
      .command('usage <org>')
      .description(
        'credits used, usage and failures per day, week or month, split by a dimension; default the last 30 days',
      ),
  )
    .option('--interval <interval>', `${INTERVALS.join(', ')} (default day)`)
    .option(
      '--group-by <dimension>',
      'feature, project, member, model or kind: a column for each of the top 5 and the others',
    )
    .option('--csv', 'the report as CSV, a line per bucket and group: printed, or saved with --out')
    .option('--out <file>', 'where to save the --csv export')
    .action(async (org: string, flags: UsageFlags, command: Command) => {
      const context = contextOf(command);
      if (flags.out !== undefined && !flags.csv) throw new UsageError('--out saves a --csv export');
      const query = {
        ...rangeQuery(flags),
        groupBy:
          flags.groupBy === undefined
            ? undefined
            : parseChoice(flags.groupBy, '--group-by', GROUP_BYS),
      };
      if (flags.csv) {
        const saved = await downloadCsv(
          context,
          orgPath(org, '/reports/usage.csv'),
          query,
          flags.out,
        );
        if (saved.file !== null) {
          context.print(
            { org, format: 'csv', ...saved },
            () =>
              `Saved ${saved.rows.toLocaleString('en-US')} lines to ${saved.file} (${saved.bytes.toLocaleString('en-US')} bytes).\n`,
          );
        }
        return;
      }
      const usage = (
        await context.client.get<UsageReportBody>(orgPath(org, '/reports/usage'), {
          ...query,
          top: String(TOP_GROUPS),
        })
      ).body;
      context.print(usage, () => renderUsage(usage));
    });

  withRange(
    report
      .command('totals <org>')
      .description('totals of a period: used, added by kind, expired and net; default 30 days'),
  ).action(async (org: string, flags: RangeFlags, command: Command) => {
    const context = contextOf(command);
    const { from, to } = rangeQuery(flags);
    const totals = (
      await context.client.get<TotalsBody>(orgPath(org, '/reports/totals'), { from, to })
    ).body;
    context.print(totals, () => renderTotals(totals));
  });

  report
    .command('months <org>')
    .description('monthly cards, newest first: the running month (current), then those before')
    .option('--count <n>', 'how many months, 1 to 24 (default 4)')
    .action(async (org: string, flags: { count?: string }, command: Command) => {
      const context = contextOf(command);
      const count =
        flags.count === undefined
          ? undefined
          : parseInteger(flags.count, '--count', { min: 1, max: 24 });
      const months = (
        await context.client.get<MonthsBody>(orgPath(org, '/reports/months'), { count })
      ).body;
      context.print(months, () => renderMonths(months));
    });

  report
    .command('insights <org>')
    .description('top consumers, outliers, runway, expiring credits and what next month will need')
    .option('--days <n>', 'the days looked at, 7 to 365 (default 30)')
    .action(async (org: string, flags: { days?: string }, command: Command) => {
      const context = contextOf(command);
      const days =
        flags.days === undefined
          ? undefined
          : parseInteger(flags.days, '--days', { min: 7, max: 365 });
      const insights = (
        await context.client.get<InsightsBody>(orgPath(org, '/reports/insights'), { days })
      ).body;
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      context.print(insights, () => renderInsights(insights, zone));
    });

  withRange(
    report
      .command('project <org> <project>')
      .description("a project's analytics: budget, used, refunded, timeline, features and members"),
  )
    .option('--interval <interval>', `${INTERVALS.join(', ')} (default day)`)
    .action(async (org: string, project: string, flags: RangeFlags, command: Command) => {
      const context = contextOf(command);
      const path = orgPath(org, `/projects/${encodeURIComponent(project)}/report`);
      const answer = (await context.client.get<ProjectReportBody>(path, rangeQuery(flags))).body;
      context.print(answer, () => renderProjectReport(answer));
    });
}
