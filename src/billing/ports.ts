/**
 * The ports billing needs: a store for plans, packs, plan history and purchases, and payment
 * providers. Adapters implement them; only `src/main.ts` (and tests) choose which.
 */
import type { Instant } from '../core/period.js';
import type {
  Pack,
  PaymentProviderName,
  Plan,
  PlanChange,
  Purchase,
  PurchaseStatus,
} from './model.js';

/** A purchase's move to another status, applied only if it is in one of `from`. */
export interface PurchaseTransition {
  readonly from: readonly PurchaseStatus[];
  readonly to: PurchaseStatus;
  readonly at: Instant;
  readonly grantId?: string;
  readonly failureReason?: string;
}

export interface BillingStore {
  /** Inserts the plan or replaces the one with its id. */
  putPlan(plan: Plan): Promise<void>;
  getPlan(planId: string): Promise<Plan | undefined>;
  /** Every plan, archived ones included, by id. */
  listPlans(): Promise<Plan[]>;

  putPack(pack: Pack): Promise<void>;
  getPack(packId: string): Promise<Pack | undefined>;
  /** Every pack, archived ones included, by price then id. */
  listPacks(): Promise<Pack[]>;

  /**
   * Adds a line to the org's plan history, first dropping the lines that start after
   * `change.decidedAt` (a change replaces one still waiting to start).
   */
  changePlan(change: PlanChange): Promise<void>;
  /** The org's plan history, oldest first, including lines that start in the future. */
  planHistory(orgId: string): Promise<PlanChange[]>;
  /** The plan histories of several orgs in one read: by org, each oldest first. */
  planHistories(orgIds: readonly string[]): Promise<PlanChange[]>;

  insertPurchase(purchase: Purchase): Promise<void>;
  getPurchase(orgId: string, purchaseId: string): Promise<Purchase | undefined>;
  /** The purchase a provider's payment belongs to, whatever its org. */
  findPurchaseByProviderRef(
    provider: PaymentProviderName,
    providerRef: string,
  ): Promise<Purchase | undefined>;
  /** Newest first; `before` is the keyset position (createdAt, id) of the previous page's last. */
  listPurchases(
    orgId: string,
    options: {
      limit: number;
      before?: { createdAt: Instant; id: string };
      status?: PurchaseStatus;
    },
  ): Promise<Purchase[]>;
  /** Sets the provider's reference and payment page once the checkout is started. */
  setCheckout(
    purchaseId: string,
    providerRef: string | null,
    paymentUrl: string | null,
  ): Promise<void>;
  /**
   * Moves the purchase to `transition.to` if its status is one of `transition.from`, atomically:
   * of two concurrent confirmations only one moves it. Answers the purchase as it is afterwards
   * and whether this call moved it.
   */
  transitionPurchase(
    purchaseId: string,
    transition: PurchaseTransition,
  ): Promise<{ purchase: Purchase; moved: boolean } | undefined>;
  /**
   * Gives the purchase the next invoice number of the installation (gapless: the counter and
   * the purchase change in one transaction), or answers the number it already has.
   */
  issueInvoice(purchaseId: string, at: Instant): Promise<Purchase | undefined>;

  /** Removes the org's plan history and purchases (its invoices' numbers are never reused). */
  deleteOrg(orgId: string): Promise<void>;
}

/** What a provider answers when a checkout starts. */
export interface Checkout {
  readonly providerRef: string | null;
  readonly paymentUrl: string | null;
}

/** What a provider knows of a payment, when asked again (the stuck-payment case). */
export type PaymentCheck =
  | { readonly status: 'paid'; readonly at: Instant }
  | { readonly status: 'failed'; readonly at: Instant; readonly reason: string }
  | { readonly status: 'refunded'; readonly at: Instant }
  | { readonly status: 'pending' };

export interface CheckoutRequest {
  readonly purchase: Purchase;
  readonly orgName: string;
  /** Where the provider sends the buyer back after paying or giving up. */
  readonly returnUrl: string | undefined;
}

/** A way to be paid. `manual` is built in; Stripe is an adapter. */
export interface PaymentProvider {
  readonly name: PaymentProviderName;
  startCheckout(request: CheckoutRequest): Promise<Checkout>;
  /** Asks the provider what became of the payment. */
  check(purchase: Purchase): Promise<PaymentCheck>;
  /** Gives the money back through the provider. */
  refund(purchase: Purchase): Promise<void>;
}

/** A payment notification a provider pushed (a webhook), verified and read. */
export interface PaymentEvent {
  /** The provider's event id: the same notification may arrive more than once. */
  readonly id: string;
  readonly provider: PaymentProviderName;
  readonly providerRef: string;
  /** Tally's purchase id and its org, when the provider carries them back (metadata). */
  readonly purchaseId: string | null;
  readonly orgId: string | null;
  readonly outcome: PaymentCheck;
}
