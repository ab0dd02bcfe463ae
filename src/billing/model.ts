/**
 * What billing keeps: plans and credit packs (defined by root for the whole installation), each
 * org's plan history, and purchases with their invoices. Money is `bigint` minor units of an ISO
 * 4217 currency (cents for USD, yen for JPY), never a float; credits are micro-credits as in the
 * ledger; instants are epoch milliseconds.
 */
import type { Micros } from '../core/amount.js';
import type { Instant } from '../core/period.js';

export interface Plan {
  /** Chosen by root: lowercase letters, digits, dashes ("payg", "basic", "pro"). */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** What one credit costs on this plan, in minor units: custom purchases are priced with it. */
  readonly pricePerCredit: bigint;
  /** The subscription fee per period, in minor units; 0 for pay-as-you-go. */
  readonly monthlyFee: bigint;
  /** Free credits granted each period (valid only in that period); may be 0. */
  readonly monthlyAllowance: Micros;
  /**
   * True for a subscription, which renews each period and shows its renewal (or, once cancelled,
   * its expiry) date; false for a plan with no expiry, like pay-as-you-go.
   */
  readonly expires: boolean;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  /** An archived plan keeps the orgs on it but cannot be chosen any more. */
  readonly archivedAt: Instant | null;
}

export interface Pack {
  readonly id: string;
  readonly name: string;
  readonly credits: Micros;
  /** The pack's price in minor units of `currency`. */
  readonly price: bigint;
  readonly currency: string;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
  readonly archivedAt: Instant | null;
}

/**
 * One line of an org's plan history: the org is on `planId` from `startsAt` until the next
 * line's `startsAt`. A line may start in the future: a downgrade waits for the period's end.
 */
export interface PlanChange {
  readonly orgId: string;
  readonly planId: string;
  readonly startsAt: Instant;
  /** When the change was asked for. */
  readonly decidedAt: Instant;
  /** Who asked: a member's email, a key's name, "root", or null for the org's creation. */
  readonly by: string | null;
}

export const PURCHASE_STATUSES = ['pending', 'paid', 'failed', 'refunded'] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];

export const PAYMENT_PROVIDERS = ['manual', 'stripe'] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDERS)[number];

export interface Purchase {
  readonly id: string;
  readonly orgId: string;
  /** The pack bought, or null for a custom amount at the plan's price per credit. */
  readonly packId: string | null;
  /** What the invoice line says: the pack's name or "2,500 credits". */
  readonly description: string;
  readonly credits: Micros;
  /** Price of one credit in minor units for a custom amount; null for a pack. */
  readonly unitPrice: bigint | null;
  /** What the buyer pays, in minor units. */
  readonly amount: bigint;
  readonly currency: string;
  readonly provider: PaymentProviderName;
  /** The provider's id for the payment (a Stripe Checkout Session id); null for manual. */
  readonly providerRef: string | null;
  /** Where the buyer pays (the Checkout page); null for manual. */
  readonly paymentUrl: string | null;
  readonly status: PurchaseStatus;
  /** Who bought: a member's email, a key's name or "root". */
  readonly buyer: string;
  readonly createdAt: Instant;
  readonly paidAt: Instant | null;
  readonly failedAt: Instant | null;
  readonly refundedAt: Instant | null;
  /** Why the payment failed ("expired", "declined", "cancelled by admin"). */
  readonly failureReason: string | null;
  /** The grant that added the credits, once paid. */
  readonly grantId: string | null;
  /** "TALLY-000042": sequential across the installation, given when the invoice is issued. */
  readonly invoiceNumber: string | null;
  readonly invoicedAt: Instant | null;
}
