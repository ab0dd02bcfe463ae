/**
 * Insight for one org from its day rollups and live state: who consumes most, which days and
 * requests stand out, when the pool runs dry at the recent rate, what expires soon, and what next
 * month is likely to need. The computations are the pure functions of ./insights/.
 */
import type { Micros } from '../core/amount.js';
import type { Grant } from '../core/grant.js';
import { addDays, type LocalDay } from '../core/local-day.js';
import { periodAfter, periodOf, type Instant, type Period } from '../core/period.js';
import { NO_VALUE, type UsageRollup } from '../core/rollup.js';
import type { OrgState } from '../ledger/ports.js';
import type { UsageSum } from './ports.js';
import { expiringCredits, type Expiring } from './insights/expiring.js';
import { nextMonthNeed, RECENT_DAYS, type NextMonthNeed } from './insights/next-month.js';
import {
  findOutliers,
  type DailyUsage,
  type FeatureDay,
  type Outlier,
} from './insights/outliers.js';
import { forecastRunway, type Runway, type UpcomingLot } from './insights/runway.js';
import { topConsumers, type GroupUsage, type TopConsumers } from './insights/top-consumers.js';

/** Upcoming allowance lots are forecast this many periods ahead. */
const PERIODS_AHEAD = 13;

export interface Insights {
  readonly orgId: string;
  readonly asOf: Instant;
  readonly window: { readonly from: string; readonly to: string };
  readonly topConsumers: {
    readonly feature: TopConsumers;
    readonly project: TopConsumers;
    readonly user: TopConsumers;
    readonly model: TopConsumers;
  };
  readonly outliers: Outlier[];
  readonly runway: Runway;
  readonly expiring: Expiring;
  readonly nextMonth: NextMonthNeed;
}

export interface InsightsInput {
  readonly state: OrgState;
  readonly now: Instant;
  readonly today: LocalDay;
  /** The days looked at, `[from, to)`; `to` is the day after today. */
  readonly window: { readonly from: string; readonly to: string };
  /** Usage per day from before the trailing history and the last complete months. */
  readonly overall: readonly UsageSum[];
  /** `feature` rollups from two weeks before the window. */
  readonly features: readonly UsageRollup[];
  /** Usage over the window per project, member and model. */
  readonly projects: readonly UsageSum[];
  readonly users: readonly UsageSum[];
  readonly models: readonly UsageSum[];
  /** Grants with credits available now. */
  readonly grants: readonly Grant[];
  /** The running period and the ones before it, newest first. */
  readonly months: readonly Period[];
}

export function insightsOf(input: InsightsInput): Insights {
  const { state, now, today, window } = input;
  const timeZone = state.org.timeZone;
  const daily: DailyUsage[] = input.overall.map((row) => ({
    day: row.period ?? '',
    used: row.used,
    count: row.usageCount,
  }));
  const featureDays: FeatureDay[] = input.features.map((row) => ({
    day: row.day,
    feature: row.value,
    used: row.used,
    count: row.usageCount,
    largest: row.largest,
    largestId: row.largestId,
  }));

  const recentFrom = addDays(today.key, -RECENT_DAYS);
  const recentDays = daily.filter((row) => row.day >= recentFrom && row.day < today.key);
  let recentUse = 0n;
  for (const row of recentDays) recentUse += row.used;
  const dailyRate = recentUse / BigInt(RECENT_DAYS);

  const lots = input.grants.map((grant) => ({
    credits: grant.remaining - grant.held,
    effectiveAt: grant.effectiveAt,
    expiresAt: grant.expiresAt,
    kind: grant.kind,
    priority: grant.priority,
  }));
  const upcoming = upcomingLots(state, now);
  const [current] = input.months;
  if (!current) throw new Error('insights need the running period');
  const next = periodAfter(current, timeZone);
  const completeMonths = input.months
    .slice(1)
    .reverse()
    .map((period) => ({ month: period.month, used: usedIn(input.overall, period.month) }));
  let carried = 0n;
  for (const lot of lots) {
    if (lot.expiresAt === null || lot.expiresAt > next.start) carried += lot.credits;
  }
  let nextAllowance = 0n;
  for (const lot of upcoming) {
    if (lot.effectiveAt >= next.start && lot.effectiveAt < next.end) nextAllowance += lot.credits;
  }

  return {
    orgId: state.org.id,
    asOf: now,
    window,
    topConsumers: {
      feature: topConsumers(featureUsage(input.features, window.from)),
      project: topConsumers(input.projects.map(groupUsage)),
      user: topConsumers(input.users.map(groupUsage)),
      model: topConsumers(input.models.map(groupUsage)),
    },
    outliers: findOutliers(daily, featureDays, window.from, window.to),
    runway: forecastRunway({ now, timeZone, lots, upcoming, dailyRate }),
    expiring: expiringCredits(
      input.grants.map((grant) => ({
        grantId: grant.id,
        kind: grant.kind,
        credits: grant.remaining - grant.held,
        expiresAt: grant.expiresAt,
      })),
      now,
    ),
    nextMonth: nextMonthNeed({
      now,
      timeZone,
      recentDays,
      completeMonths,
      carriedIntoNextMonth: carried,
      nextAllowance,
    }),
  };
}

/** The lots recurring grants will make in the periods to come, each good for its period. */
function upcomingLots(state: OrgState, now: Instant): UpcomingLot[] {
  const lots: UpcomingLot[] = [];
  for (const schedule of state.schedules) {
    let start = schedule.nextAt;
    for (let made = 0; made < PERIODS_AHEAD; made += 1) {
      if (schedule.endAt !== null && start >= schedule.endAt) break;
      const end = periodOf(start, state.org.timeZone).end;
      if (start >= now) {
        lots.push({
          credits: schedule.credits,
          effectiveAt: start,
          expiresAt: end,
          kind: schedule.kind,
          priority: schedule.priority,
        });
      }
      start = end;
    }
  }
  return lots;
}

function usedIn(sums: readonly UsageSum[], month: string): Micros {
  let used = 0n;
  for (const sum of sums) if (sum.period?.startsWith(month)) used += sum.used;
  return used;
}

function groupUsage(sum: UsageSum): GroupUsage {
  return {
    key: sum.value === null || sum.value === NO_VALUE ? null : sum.value,
    used: sum.used,
    count: sum.usageCount,
  };
}

function featureUsage(rows: readonly UsageRollup[], from: string): GroupUsage[] {
  const byValue = new Map<string, { used: Micros; count: number }>();
  for (const row of rows) {
    if (row.day < from) continue;
    const sum = byValue.get(row.value) ?? { used: 0n, count: 0 };
    byValue.set(row.value, { used: sum.used + row.used, count: sum.count + row.usageCount });
  }
  return [...byValue].map(([value, sum]) => ({
    key: value === NO_VALUE ? null : value,
    used: sum.used,
    count: sum.count,
  }));
}
