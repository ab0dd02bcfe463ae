/**
 * Purchase history: every way credits came in, newest first, each with its credits and, when
 * money changed hands, the money. Purchases come from billing (all of them, failed ones too, so
 * that a user can see a payment that did not go through); free credits, admin grants and refunds
 * come from the ledger's grants.
 */
import type { Micros } from '../core/amount.js';
import type { Grant } from '../core/grant.js';
import type { Instant } from '../core/period.js';
import type { Purchase, PurchaseStatus } from './model.js';

export type HistoryType = 'purchase' | 'free_credits' | 'admin_grant' | 'refund';

export interface HistoryItem {
  readonly type: HistoryType;
  /** The purchase's id, or the grant's. */
  readonly id: string;
  readonly at: Instant;
  readonly credits: Micros;
  /** What was paid, for purchases. */
  readonly money: { readonly amount: bigint; readonly currency: string } | null;
  /** A purchase's status; grants are always `paid` in the sense of added. */
  readonly status: PurchaseStatus | 'added';
  /** The grant kind behind a grant row (allowance, trial, promo, …). */
  readonly kind: Grant['kind'] | null;
  readonly description: string;
  readonly invoiceNumber: string | null;
  readonly expiresAt: Instant | null;
}

const FREE_KINDS: ReadonlySet<Grant['kind']> = new Set(['allowance', 'trial', 'promo']);

const FREE_LABEL: Record<string, string> = {
  allowance: 'Monthly free credits',
  trial: 'Trial credits',
  promo: 'Promotional credits',
};

export function historyItems(
  purchases: readonly Purchase[],
  grants: readonly Grant[],
): HistoryItem[] {
  const purchaseGrants = new Set(purchases.flatMap((p) => (p.grantId ? [p.grantId] : [])));
  const items: HistoryItem[] = purchases.map((purchase) => ({
    type: 'purchase',
    id: purchase.id,
    at: purchase.paidAt ?? purchase.createdAt,
    credits: purchase.credits,
    money: { amount: purchase.amount, currency: purchase.currency },
    status: purchase.status,
    kind: 'purchase',
    description: purchase.description,
    invoiceNumber: purchase.invoiceNumber,
    expiresAt: null,
  }));
  for (const grant of grants) {
    if (purchaseGrants.has(grant.id)) continue;
    const type: HistoryType = FREE_KINDS.has(grant.kind)
      ? 'free_credits'
      : grant.kind === 'refund'
        ? 'refund'
        : grant.kind === 'admin_grant' || grant.kind === 'purchase'
          ? 'admin_grant'
          : 'free_credits';
    items.push({
      type,
      id: grant.id,
      at: grant.effectiveAt,
      credits: grant.amount,
      money: null,
      status: 'added',
      kind: grant.kind,
      description: grant.note ?? FREE_LABEL[grant.kind] ?? labelOf(type),
      invoiceNumber: null,
      expiresAt: grant.expiresAt,
    });
  }
  return items.sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
}

function labelOf(type: HistoryType): string {
  return type === 'refund' ? 'Credits returned' : 'Granted by an admin';
}
