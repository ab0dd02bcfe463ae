/**
 * Which plan an org is on at an instant, read from its plan history, and what changing it means.
 * Upgrades start at once; downgrades and cancellations wait for the period's end, so a
 * subscription already paid for runs its course and shows the date it expires.
 */
import { periodOf, type Instant } from '../core/period.js';
import type { Plan, PlanChange } from './model.js';

/** An org that never chose a plan is on this one. */
export const DEFAULT_PLAN_ID = 'payg';

export interface OrgPlan {
  readonly plan: Plan;
  /** When the org went on it; null for the default plan never chosen. */
  readonly since: Instant | null;
  /** A subscription that carries on: the start of its next period. */
  readonly renewsAt: Instant | null;
  /** A subscription that ends (a change is waiting): when it stops. */
  readonly expiresAt: Instant | null;
  /** A change waiting for the period's end. */
  readonly next: { readonly plan: Plan; readonly startsAt: Instant } | null;
  readonly history: readonly PlanChange[];
}

/** The history line in force at `at`: the latest that has started. */
export function lineAt(history: readonly PlanChange[], at: Instant): PlanChange | undefined {
  let found: PlanChange | undefined;
  for (const line of history) if (line.startsAt <= at) found = line;
  return found;
}

export function orgPlanAt(
  history: readonly PlanChange[],
  plans: ReadonlyMap<string, Plan>,
  at: Instant,
  timeZone: string,
): OrgPlan | undefined {
  const line = lineAt(history, at);
  const plan = plans.get(line?.planId ?? DEFAULT_PLAN_ID);
  if (!plan) return undefined;
  const waiting = history.filter((change) => change.startsAt > at).at(-1);
  const nextPlan = waiting ? plans.get(waiting.planId) : undefined;
  const next = waiting && nextPlan ? { plan: nextPlan, startsAt: waiting.startsAt } : null;
  const periodEnd = periodOf(at, timeZone).end;
  return {
    plan,
    since: line?.startsAt ?? null,
    renewsAt: plan.expires && !next ? periodEnd : null,
    expiresAt: plan.expires && next ? next.startsAt : null,
    next,
    history,
  };
}

/**
 * Moving to `to` from `from` is an upgrade when it costs more each month, or costs the same and
 * gives more free credits: the user pays for it, so it starts at once.
 */
export function isUpgrade(from: Plan, to: Plan): boolean {
  if (to.monthlyFee !== from.monthlyFee) return to.monthlyFee > from.monthlyFee;
  return to.monthlyAllowance > from.monthlyAllowance;
}
