/** Billing records to their public JSON: money as integer minor units plus a formatted copy. */
import { formatCredits } from '../core/amount.js';
import type { PlanChangeResult } from '../billing/billing.js';
import { formatMinorUnits } from '../billing/format-money.js';
import type { Pack, Plan, Purchase } from '../billing/model.js';
import type { OrgPlan } from '../billing/org-plan.js';
import type { PlanCost } from '../billing/plan-comparison.js';
import type { HistoryItem } from '../billing/purchase-history.js';
import { iso } from './present.js';

const isoOrNull = (instant: number | null) => (instant === null ? null : iso(instant));

/** Minor units fit a JSON number: billing refuses amounts beyond 10^12. */
const minor = (amount: bigint) => Number(amount);

export function presentPlan(plan: Plan) {
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    currency: plan.currency,
    pricePerCredit: minor(plan.pricePerCredit),
    pricePerCreditFormatted: formatMinorUnits(plan.pricePerCredit, plan.currency),
    monthlyFee: minor(plan.monthlyFee),
    monthlyFeeFormatted: formatMinorUnits(plan.monthlyFee, plan.currency),
    monthlyAllowance: formatCredits(plan.monthlyAllowance),
    expires: plan.expires,
    archivedAt: isoOrNull(plan.archivedAt),
    updatedAt: iso(plan.updatedAt),
  };
}

export function presentPack(pack: Pack) {
  return {
    id: pack.id,
    name: pack.name,
    credits: formatCredits(pack.credits),
    price: minor(pack.price),
    priceFormatted: formatMinorUnits(pack.price, pack.currency),
    currency: pack.currency,
    archivedAt: isoOrNull(pack.archivedAt),
    updatedAt: iso(pack.updatedAt),
  };
}

export function presentOrgPlan(orgPlan: OrgPlan | PlanChangeResult) {
  return {
    plan: presentPlan(orgPlan.plan),
    since: isoOrNull(orgPlan.since),
    renewsAt: isoOrNull(orgPlan.renewsAt),
    expiresAt: isoOrNull(orgPlan.expiresAt),
    noExpiry: !orgPlan.plan.expires,
    next: orgPlan.next && {
      plan: presentPlan(orgPlan.next.plan),
      startsAt: iso(orgPlan.next.startsAt),
    },
    history: orgPlan.history.map((line) => ({
      plan: line.planId,
      startsAt: iso(line.startsAt),
      decidedAt: iso(line.decidedAt),
      by: line.by,
    })),
    ...('change' in orgPlan
      ? {
          change: {
            kind: orgPlan.change.kind,
            startsAt: iso(orgPlan.change.startsAt),
            toppedUp: formatCredits(orgPlan.change.toppedUp),
          },
        }
      : {}),
  };
}

export function presentComparison(months: readonly string[], plans: readonly PlanCost[]) {
  const current = plans.find((cost) => cost.current);
  return {
    months: [...months],
    plans: plans.map((cost) => ({
      plan: presentPlan(cost.plan),
      current: cost.current,
      total: minor(cost.total),
      totalFormatted: formatMinorUnits(cost.total, cost.plan.currency),
      difference:
        current && current.plan.currency === cost.plan.currency
          ? minor(cost.total - current.total)
          : null,
      months: cost.months.map((month) => ({
        month: month.month,
        used: formatCredits(month.used),
        free: formatCredits(month.free),
        bought: month.bought.toString(),
        cost: minor(month.cost),
      })),
    })),
  };
}

export function presentPurchase(purchase: Purchase) {
  return {
    id: purchase.id,
    status: purchase.status,
    pack: purchase.packId,
    description: purchase.description,
    credits: formatCredits(purchase.credits),
    unitPrice: purchase.unitPrice === null ? null : minor(purchase.unitPrice),
    amount: minor(purchase.amount),
    amountFormatted: formatMinorUnits(purchase.amount, purchase.currency),
    currency: purchase.currency,
    provider: purchase.provider,
    paymentUrl: purchase.paymentUrl,
    buyer: purchase.buyer,
    createdAt: iso(purchase.createdAt),
    paidAt: isoOrNull(purchase.paidAt),
    failedAt: isoOrNull(purchase.failedAt),
    refundedAt: isoOrNull(purchase.refundedAt),
    failureReason: purchase.failureReason,
    grantId: purchase.grantId,
    invoiceNumber: purchase.invoiceNumber,
    invoiceUrl:
      purchase.invoiceNumber === null
        ? null
        : `/v1/orgs/${purchase.orgId}/purchases/${purchase.id}/invoice.pdf`,
  };
}

export function presentHistoryItem(item: HistoryItem) {
  return {
    type: item.type,
    id: item.id,
    at: iso(item.at),
    credits: formatCredits(item.credits),
    money: item.money && {
      amount: minor(item.money.amount),
      currency: item.money.currency,
      formatted: formatMinorUnits(item.money.amount, item.money.currency),
    },
    status: item.status,
    kind: item.kind,
    description: item.description,
    invoiceNumber: item.invoiceNumber,
    expiresAt: isoOrNull(item.expiresAt),
  };
}
