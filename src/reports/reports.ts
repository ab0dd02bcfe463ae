/**
 * The reports use cases: usage over time, totals of a period, monthly cards, a project's
 * analytics and insight (top consumers, outliers, runway, expiring credits, next month's need).
 * Every figure comes from the day rollups kept with each write and from the org's live state:
 * nothing is recomputed from the raw history at request time.
 */
import type { Micros } from '../core/amount.js';
import { GRANT_KINDS, type GrantKind } from '../core/grant.js';
import { addDays, calendarOf, daysBetween, parseDayKey } from '../core/local-day.js';
import { periodAfter, periodOf, type Instant, type Period } from '../core/period.js';
import { invalid, ok, refuse, type Result } from '../core/refusal.js';
import { NO_VALUE, VALUE_SEPARATOR, type UsageDimension } from '../core/rollup.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Org } from '../ledger/model.js';
import type { Clock, LedgerStore, TransactionFilter } from '../ledger/ports.js';
import { transactionsCsvChunks } from './transactions-export.js';
import type { ProjectView } from '../ledger/spending-settings.js';
import { insightsOf, type Insights } from './insights-report.js';
import type { RebuildProgress, RebuildResult, ReportStore, UsageSum } from './ports.js';
import {
  addFigures,
  buildUsageReport,
  bucketsOf,
  emptyFigures,
  sortGroups,
  DEFAULT_TOP,
  type GroupFigures,
  type Interval,
  type UsageSums,
  type UsageFigures,
  type UsageReport,
} from './usage-report.js';

/** What usage can be split by; `user` is the member (or key) a charge is attributed to. */
export const GROUP_BYS = ['feature', 'project', 'user', 'model', 'kind'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** At most this many buckets in one report: ten years of months, three of days. */
export const MAX_BUCKETS = 1100;
export const MAX_MONTH_CARDS = 24;
/** At most this many values named in a grouped report. */
export const MAX_TOP = 1000;

export interface DayRange {
  /** Local days "YYYY-MM-DD"; `to` is the day after the last. */
  readonly from?: string;
  readonly to?: string;
}

export interface OrgUsageReport extends UsageReport {
  readonly org: Org;
  readonly groupBy: GroupBy | null;
  /** Instants of the range's ends in the org's time zone. */
  readonly start: Instant;
  readonly end: Instant;
  readonly bucketBounds: readonly { start: Instant; end: Instant }[];
}

export interface PeriodTotals extends UsageFigures {
  readonly org: Org;
  readonly from: string;
  readonly to: string;
  readonly start: Instant;
  readonly end: Instant;
  readonly added: Micros;
  readonly addedByKind: Record<GrantKind, Micros>;
  readonly expired: Micros;
  /** The change of the pool over the range: added − used − expired. */
  readonly net: Micros;
}

export interface MonthCard {
  readonly month: string;
  readonly start: Instant;
  readonly end: Instant;
  readonly used: Micros;
  readonly usageCount: number;
  readonly failures: number;
  readonly current: boolean;
}

export interface ProjectReport {
  readonly org: Org;
  readonly project: ProjectView;
  readonly available: Micros;
  readonly usage: OrgUsageReport;
  readonly features: GroupFigures[];
  readonly members: GroupFigures[];
}

export class Reports {
  constructor(
    private readonly ledger: Ledger,
    private readonly store: LedgerStore & ReportStore,
    private readonly clock: Clock,
  ) {}

  async usage(
    orgId: string,
    options: DayRange & { interval?: Interval; groupBy?: GroupBy; top?: number },
  ): Promise<Result<OrgUsageReport>> {
    const org = await this.store.getOrg(orgId);
    if (!org) return unknownOrg(orgId);
    const interval = options.interval ?? 'day';
    const range = this.rangeOf(org, options, interval);
    if (!range.ok) return range;
    const top = options.top ?? DEFAULT_TOP;
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
      return invalid('top', `top must be an integer from 1 to ${MAX_TOP}`);
    }
    const { from, to } = range.value;
    const groupBy = options.groupBy ?? null;
    const sums = await this.usageSums(orgId, from, to, interval, groupBy, top);
    return ok(this.withBounds(org, groupBy, buildUsageReport(from, to, interval, sums, top)));
  }

  /** The sums of a usage report, summed in the database; grouped, the top values' per bucket. */
  private async usageSums(
    orgId: string,
    fromDay: string,
    toDay: string,
    per: Interval,
    groupBy: UsageDimension | null,
    top: number,
    values?: readonly string[],
  ): Promise<UsageSums> {
    const range = { fromDay, toDay };
    if (groupBy === null) {
      return { overall: await this.store.usageSums(orgId, { dimension: 'all', ...range, per }) };
    }
    const dimension = groupBy;
    // The values of a dimension add up to the whole, but for credit kinds, where a charge
    // drawing on two kinds counts in each.
    const [overall, perPeriod, perValue] = await Promise.all([
      this.store.usageSums(orgId, { dimension: 'all', ...range, per }),
      dimension === 'kind'
        ? this.store.usageSums(orgId, { dimension, ...range, per, ...(values ? { values } : {}) })
        : undefined,
      this.store.usageSums(orgId, {
        dimension,
        ...range,
        byValue: true,
        ...(values ? { values } : {}),
      }),
    ]);
    const named = sortGroups(
      new Map(perValue.map((sum) => [sum.value ?? '', { ...sum, key: sum.value }])),
    )
      .slice(0, top)
      .map((group) => group.key ?? '');
    const topPerPeriod = await this.store.usageSums(orgId, {
      dimension,
      ...range,
      per,
      byValue: true,
      values: named,
    });
    return { overall, grouped: { perPeriod: perPeriod ?? overall, perValue, topPerPeriod } };
  }

  async totals(orgId: string, options: DayRange): Promise<Result<PeriodTotals>> {
    const org = await this.store.getOrg(orgId);
    if (!org) return unknownOrg(orgId);
    const range = this.rangeOf(org, options, 'day');
    if (!range.ok) return range;
    const { from, to } = range.value;
    const calendar = calendarOf(org.timeZone);
    const start = calendar.named(from).start;
    const end = calendar.named(to).start;
    // A range reaching into the future counts what is written up to now.
    const now = this.clock.now();
    const [usage, entries] = await Promise.all([
      this.store.usageSums(orgId, { dimension: 'all', fromDay: from, toDay: to }),
      this.store.entryTotals(orgId, start, Math.min(end, now), end > now),
    ]);
    const figures = emptyFigures();
    for (const row of usage) addFigures(figures, row);
    const addedByKind = Object.fromEntries(GRANT_KINDS.map((kind) => [kind, 0n])) as Record<
      GrantKind,
      Micros
    >;
    let expired = 0n;
    for (const total of entries) {
      if (total.type === 'expiry') expired -= total.amount;
      else if (total.type !== 'usage') addedByKind[total.kind] += total.amount;
    }
    const added = Object.values(addedByKind).reduce((sum, amount) => sum + amount, 0n);
    return ok({
      org,
      from,
      to,
      start,
      end,
      ...figures,
      added,
      addedByKind,
      expired,
      net: added - figures.used - expired,
    });
  }

  /** The running month (flagged current) and the `count - 1` before it, newest first. */
  async months(orgId: string, count = 4): Promise<Result<MonthCard[]>> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_MONTH_CARDS) {
      return invalid('count', `count must be an integer from 1 to ${MAX_MONTH_CARDS}`);
    }
    const org = await this.store.getOrg(orgId);
    if (!org) return unknownOrg(orgId);
    const periods = lastPeriods(this.clock.now(), org.timeZone, count);
    const first = periods[periods.length - 1] as Period;
    const current = periods[0] as Period;
    const sums = await this.store.usageSums(orgId, {
      dimension: 'all',
      fromDay: `${first.month}-01`,
      toDay: `${periodAfter(current, org.timeZone).month}-01`,
      per: 'month',
    });
    return ok(
      periods.map((period) => {
        const figures = emptyFigures();
        for (const sum of sums) if (sum.period === `${period.month}-01`) addFigures(figures, sum);
        return {
          month: period.month,
          start: period.start,
          end: period.end,
          used: figures.used,
          usageCount: figures.usageCount,
          failures: figures.failures,
          current: period === current,
        };
      }),
    );
  }

  async project(
    orgId: string,
    projectId: string,
    options: DayRange & { interval?: Interval },
  ): Promise<Result<ProjectReport>> {
    const org = await this.store.getOrg(orgId);
    if (!org) return unknownOrg(orgId);
    const projects = await this.ledger.listProjects(orgId);
    if (!projects.ok) return projects;
    const project = projects.value.find((candidate) => candidate.id === projectId);
    if (!project) {
      return refuse('unknown_project', `no project ${projectId} in this org`, {
        project: projectId,
      });
    }
    const interval = options.interval ?? 'day';
    const range = this.rangeOf(org, options, interval);
    if (!range.ok) return range;
    const { from, to } = range.value;
    const prefix = projectId + VALUE_SEPARATOR;
    const days = { fromDay: from, toDay: to };
    const [timeline, features, members, balance] = await Promise.all([
      this.store.usageSums(orgId, {
        dimension: 'project',
        ...days,
        per: interval,
        values: [projectId],
      }),
      this.store.usageSums(orgId, {
        dimension: 'project_feature',
        ...days,
        byValue: true,
        valuePrefix: prefix,
      }),
      this.store.usageSums(orgId, {
        dimension: 'project_user',
        ...days,
        byValue: true,
        valuePrefix: prefix,
      }),
      this.ledger.balance(orgId),
    ]);
    if (!balance.ok) return balance;
    const usage = buildUsageReport(from, to, interval, { overall: timeline });
    return ok({
      org,
      project,
      available: balance.value.available,
      usage: this.withBounds(org, null, usage),
      features: groupTotals(features, prefix),
      members: groupTotals(members, prefix),
    });
  }

  async insights(orgId: string, options: { days?: number } = {}): Promise<Result<Insights>> {
    const days = options.days ?? 30;
    if (!Number.isInteger(days) || days < 7 || days > 365) {
      return invalid('days', 'days must be an integer from 7 to 365');
    }
    const state = await this.store.loadState(orgId);
    if (!state) return unknownOrg(orgId);
    const now = this.clock.now();
    const today = calendarOf(state.org.timeZone).dayOf(now);
    const from = addDays(today.key, -days + 1);
    const to = addDays(today.key, 1);
    // Trailing medians look back two weeks before the window; next month's need three months.
    const history = addDays(from, -14);
    const months = lastPeriods(now, state.org.timeZone, 4);
    const monthsFrom = `${(months[months.length - 1] as Period).month}-01`;
    const byValue = (dimension: UsageDimension) =>
      this.store.usageSums(orgId, { dimension, fromDay: from, toDay: to, byValue: true });
    const [overall, features, projects, users, models, grants] = await Promise.all([
      this.store.usageSums(orgId, {
        dimension: 'all',
        fromDay: monthsFrom < history ? monthsFrom : history,
        toDay: to,
        per: 'day',
      }),
      this.store.usageRollups(orgId, 'feature', history, to),
      byValue('project'),
      byValue('user'),
      byValue('model'),
      this.ledger.listGrants(orgId, { active: true, at: now }),
    ]);
    if (!grants.ok) return grants;
    return ok(
      insightsOf({
        state,
        now,
        today,
        window: { from, to },
        overall,
        features,
        projects,
        users,
        models,
        grants: grants.value,
        months,
      }),
    );
  }

  /** The org's log, filtered, as CSV chunks (see transactions-export.ts). */
  async transactionsCsv(
    orgId: string,
    filter: TransactionFilter,
  ): Promise<Result<AsyncGenerator<Buffer>>> {
    if (!(await this.store.getOrg(orgId))) return unknownOrg(orgId);
    return ok(transactionsCsvChunks(this.store, orgId, filter));
  }

  /** Recomputes the org's rollups from its raw rows (see ReportStore.rebuildRollups). */
  async rebuild(
    orgId: string,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<Result<RebuildResult>> {
    const rebuilt = await this.store.rebuildRollups(orgId, onProgress);
    return rebuilt ? ok(rebuilt) : unknownOrg(orgId);
  }

  /**
   * Builds the rollups of orgs whose history predates them (an upgraded installation), one org
   * at a time; answers how many were built.
   */
  async buildPending(
    onOrg?: (orgId: string, index: number, count: number) => void,
  ): Promise<number> {
    const pending = await this.store.pendingRollups();
    for (const [index, orgId] of pending.entries()) {
      onOrg?.(orgId, index, pending.length);
      await this.store.rebuildRollups(orgId);
    }
    return pending.length;
  }

  /**
   * The days of a report: `[from, to)`, by default the last 30 days, 12 weeks or 12 months up
   * to today included.
   */
  private rangeOf(
    org: Org,
    options: DayRange,
    interval: Interval,
  ): Result<{ from: string; to: string }> {
    for (const field of ['from', 'to'] as const) {
      const value = options[field];
      if (value !== undefined && !parseDayKey(value)) {
        return invalid(field, `${field} must be a date, YYYY-MM-DD, in the org's time zone`);
      }
    }
    const today = calendarOf(org.timeZone).dayOf(this.clock.now());
    const to = options.to ?? addDays(today.key, 1);
    const from = options.from ?? defaultFrom(to, interval);
    if (from >= to) return invalid('to', 'to must be after from');
    const count = interval === 'day' ? daysBetween(from, to) : bucketsOf(from, to, interval).length;
    if (count > MAX_BUCKETS) {
      return invalid(
        'interval',
        `at most ${MAX_BUCKETS} ${interval}s in one report: choose a longer interval or a shorter range`,
      );
    }
    return ok({ from, to });
  }

  private withBounds(org: Org, groupBy: GroupBy | null, report: UsageReport): OrgUsageReport {
    const calendar = calendarOf(org.timeZone);
    const startOf = (day: string) => calendar.named(day).start;
    return {
      ...report,
      org,
      groupBy,
      start: startOf(report.from),
      end: startOf(report.to),
      bucketBounds: report.buckets.map((bucket) => ({
        start: startOf(bucket.start),
        end: startOf(bucket.end),
      })),
    };
  }
}

function defaultFrom(to: string, interval: Interval): string {
  if (interval === 'day') return addDays(to, -30);
  const last = parseDayKey(addDays(to, -1));
  if (!last) throw new Error(`not a day: ${to}`);
  if (interval === 'week') {
    // The week holding the last day (from its Monday) and the eleven before it.
    const weekday = new Date(Date.UTC(last.year, last.month - 1, last.day)).getUTCDay();
    return addDays(to, -1 - ((weekday + 6) % 7) - 7 * 11);
  }
  // The month holding the last day and the eleven before it.
  const months = last.year * 12 + (last.month - 1) - 11;
  const year = Math.floor(months / 12);
  return `${String(year).padStart(4, '0')}-${String((months % 12) + 1).padStart(2, '0')}-01`;
}

/** The period holding `now` and the `count - 1` before it, newest first. */
function lastPeriods(now: Instant, timeZone: string, count: number): Period[] {
  const periods = [periodOf(now, timeZone)];
  while (periods.length < count) {
    const newest = periods[periods.length - 1] as Period;
    periods.push(periodOf(newest.start - 1, timeZone));
  }
  return periods;
}

/** Sums of a two-level dimension per second-level value, most used first. */
function groupTotals(sums: readonly UsageSum[], prefix: string): GroupFigures[] {
  return sortGroups(
    new Map(
      sums.map((sum) => {
        const value = (sum.value ?? '').slice(prefix.length);
        return [value, { ...sum, key: value === NO_VALUE ? null : value }];
      }),
    ),
  );
}

function unknownOrg<T>(orgId: string): Result<T> {
  return refuse('unknown_org', `no org ${orgId}`, { org: orgId });
}
