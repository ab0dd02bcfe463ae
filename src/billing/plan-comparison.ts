/**
 * What the org's recent months would have cost on each plan: the credits it used beyond the
 * plan's free allowance, bought at the plan's price per credit, plus the plan's monthly fee. So a
 * user sees whether upgrading pays before doing it.
 */
import { MICROS_PER_CREDIT, type Micros } from '../core/amount.js';
import type { Plan } from './model.js';

export interface MonthUsage {
  /** YYYY-MM. */
  readonly month: string;
  readonly used: Micros;
}

export interface PlanMonthCost {
  readonly month: string;
  readonly used: Micros;
  readonly free: Micros;
  /** Whole credits bought at the plan's price: what the allowance did not cover, rounded up. */
  readonly bought: bigint;
  /** Minor units of the plan's currency. */
  readonly cost: bigint;
}

export interface PlanCost {
  readonly plan: Plan;
  readonly current: boolean;
  readonly months: readonly PlanMonthCost[];
  readonly total: bigint;
}

export function comparePlans(
  plans: readonly Plan[],
  months: readonly MonthUsage[],
  currentPlanId: string,
): PlanCost[] {
  return plans.map((plan) => {
    const costs = months.map(({ month, used }) => {
      const free = used < plan.monthlyAllowance ? used : plan.monthlyAllowance;
      const beyond = used - free;
      const bought = (beyond + MICROS_PER_CREDIT - 1n) / MICROS_PER_CREDIT;
      return { month, used, free, bought, cost: bought * plan.pricePerCredit + plan.monthlyFee };
    });
    return {
      plan,
      current: plan.id === currentPlanId,
      months: costs,
      total: costs.reduce((sum, month) => sum + month.cost, 0n),
    };
  });
}
