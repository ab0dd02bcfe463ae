/**
 * Billing's use cases: the plans and packs root sells, each org's plan, purchases from checkout to
 * the credits they add, invoices and purchase history. Credits only ever enter through the
 * ledger: a paid purchase is a `purchase` grant made under the idempotency key
 * `purchase:<id>`, so whatever retries, duplicate or reordered notifications arrive, and on
 * whichever server, the credits are granted exactly once.
 */
import { formatCredits, MICROS_PER_CREDIT, type Micros } from '../core/amount.js';
import { periodOf, type Instant } from '../core/period.js';
import { invalid, ok, refuse, type Result } from '../core/refusal.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Org } from '../ledger/model.js';
import type { Clock, IdGenerator } from '../ledger/ports.js';
import type { InvoiceSeller } from './invoice-document.js';
import { invoiceDocumentOf } from './invoice-of-purchase.js';
import { renderInvoicePdf } from './invoice-pdf.js';
import { groupDecimal } from './format-money.js';
import { MAX_MONEY, packOf, planOf, type PackInput, type PlanInput } from './catalog.js';
import { KeyedLock } from './keyed-lock.js';
import type {
  Pack,
  PaymentProviderName,
  Plan,
  PlanChange,
  Purchase,
  PurchaseStatus,
} from './model.js';
import { DEFAULT_PLAN_ID, isUpgrade, orgPlanAt, type OrgPlan } from './org-plan.js';
import { comparePlans, type PlanCost } from './plan-comparison.js';
import type { BillingStore, PaymentCheck, PaymentEvent, PaymentProvider } from './ports.js';
import { historyItems, type HistoryItem } from './purchase-history.js';

export interface PurchaseLimits {
  /** The smallest custom amount, in micro-credits (a pack may be smaller). */
  readonly customMinimum: Micros;
  readonly customMaximum: Micros;
}

export interface BillingDependencies {
  store: BillingStore;
  ledger: Ledger;
  /** The providers configured; `manual` is always there. */
  providers: ReadonlyMap<PaymentProviderName, PaymentProvider>;
  /** The provider a purchase uses when it names none. */
  defaultProvider: PaymentProviderName;
  limits: PurchaseLimits;
  /** Who invoices: the installation's operator. */
  seller: InvoiceSeller;
  /**
   * Per provider that pushes notifications: checks a webhook's signature on its raw bytes and
   * reads it; null for event types Tally does not act on.
   */
  webhookReaders: ReadonlyMap<PaymentProviderName, WebhookReader>;
  clock: Clock;
  ids: IdGenerator;
}

export type WebhookReader = (
  rawBody: Buffer,
  signature: string | undefined,
) => Result<PaymentEvent | null>;

export interface PurchaseInput {
  pack?: string;
  credits?: Micros;
  provider?: PaymentProviderName;
  returnUrl?: string;
}

export interface PlanChangeResult extends OrgPlan {
  readonly change: {
    readonly kind: 'upgrade' | 'downgrade' | 'unchanged';
    readonly startsAt: Instant;
    /** Free credits added now to the current period (upgrades). */
    readonly toppedUp: Micros;
  };
}

export interface PlanComparison {
  readonly months: readonly string[];
  readonly plans: readonly PlanCost[];
}

export interface PurchasePage {
  readonly data: Purchase[];
  readonly nextCursor: { createdAt: Instant; id: string } | null;
}

export interface HistoryPage {
  readonly data: HistoryItem[];
  readonly nextCursor: { at: Instant; id: string } | null;
}

/** The reason a purchase answers when a provider cannot be reached. */
function providerFailed(provider: string, error: unknown): Result<never> {
  const message = error instanceof Error ? error.message : String(error);
  return refuse('payment_provider_failed', `${provider}: ${message}`, { provider });
}

export class Billing {
  private readonly locks = new KeyedLock();

  constructor(private readonly deps: BillingDependencies) {}

  private now(): Instant {
    return this.deps.clock.now();
  }

  // Plans and packs ------------------------------------------------------------------------------

  listPlans(): Promise<Plan[]> {
    return this.deps.store.listPlans();
  }

  async putPlan(id: string, input: PlanInput): Promise<Result<Plan>> {
    const existing = await this.deps.store.getPlan(id);
    const plan = planOf(id, input, existing, this.now());
    if (plan.ok) await this.deps.store.putPlan(plan.value);
    return plan;
  }

  async getPlan(id: string): Promise<Result<Plan>> {
    const plan = await this.deps.store.getPlan(id);
    return plan ? ok(plan) : refuse('unknown_plan', `no plan ${id}`, { plan: id });
  }

  listPacks(): Promise<Pack[]> {
    return this.deps.store.listPacks();
  }

  async putPack(id: string, input: PackInput): Promise<Result<Pack>> {
    const existing = await this.deps.store.getPack(id);
    const pack = packOf(id, input, existing, this.now());
    if (pack.ok) await this.deps.store.putPack(pack.value);
    return pack;
  }

  // An org's plan --------------------------------------------------------------------------------

  private async plansById(): Promise<Map<string, Plan>> {
    return new Map((await this.deps.store.listPlans()).map((plan) => [plan.id, plan]));
  }

  private async orgOf(orgId: string): Promise<Result<Org>> {
    return this.deps.ledger.getOrg(orgId);
  }

  async orgPlan(orgId: string): Promise<Result<OrgPlan>> {
    const org = await this.orgOf(orgId);
    if (!org.ok) return org;
    const found = orgPlanAt(
      await this.deps.store.planHistory(orgId),
      await this.plansById(),
      this.now(),
      org.value.timeZone,
    );
    return found
      ? ok(found)
      : refuse('unknown_plan', `the org's plan is not defined any more`, { org: orgId });
  }

  /**
   * The plan in force now of each of `orgs` (a page of the org list), read in two queries
   * whatever their number; an org whose plan is no longer defined is left out, as `orgPlan`
   * refuses it.
   */
  async plansInForce(orgs: readonly Org[]): Promise<Map<string, Plan>> {
    const [lines, plans] = await Promise.all([
      this.deps.store.planHistories(orgs.map((org) => org.id)),
      this.plansById(),
    ]);
    const histories = new Map<string, PlanChange[]>();
    for (const line of lines) {
      const history = histories.get(line.orgId);
      if (history) history.push(line);
      else histories.set(line.orgId, [line]);
    }
    const now = this.now();
    const found = new Map<string, Plan>();
    for (const org of orgs) {
      const inForce = orgPlanAt(histories.get(org.id) ?? [], plans, now, org.timeZone);
      if (inForce) found.set(org.id, inForce.plan);
    }
    return found;
  }

  /**
   * Puts a new org on its first plan: history starts at its creation and, unless the org was
   * given an allowance of its own, the plan's allowance starts now.
   */
  async startOrg(org: Org, planId: string, ownAllowance: boolean): Promise<Result<OrgPlan>> {
    const plan = await this.deps.store.getPlan(planId);
    if (!plan) return refuse('unknown_plan', `no plan ${planId}`, { plan: planId });
    if (!ownAllowance && plan.monthlyAllowance > 0n) {
      const set = await this.deps.ledger.setMonthlyAllowance(org.id, {
        credits: plan.monthlyAllowance,
        topUpNow: true,
        note: `${plan.name} plan`,
        // Dated with the org, which may be created in the past to record history.
        at: org.createdAt,
      });
      if (!set.ok) return set;
    }
    await this.deps.store.changePlan({
      orgId: org.id,
      planId,
      startsAt: org.createdAt,
      decidedAt: org.createdAt,
      by: null,
    });
    return this.orgPlan(org.id);
  }

  /**
   * Moves the org to another plan. Credits already granted are never touched. An upgrade starts
   * now and tops the current period's free credits up to the new allowance (the difference, not
   * prorated); a downgrade or a cancellation to pay-as-you-go starts with the next period.
   */
  async changePlan(orgId: string, planId: string, by: string): Promise<Result<PlanChangeResult>> {
    return this.locks.run(`plan:${orgId}`, async () => {
      const current = await this.orgPlan(orgId);
      if (!current.ok) return current;
      const target = await this.deps.store.getPlan(planId);
      if (!target) return refuse('unknown_plan', `no plan ${planId}`, { plan: planId });
      const now = this.now();
      const from = current.value.plan;
      if (target.id === from.id && current.value.next === null) {
        return ok({ ...current.value, change: { kind: 'unchanged', startsAt: now, toppedUp: 0n } });
      }
      if (target.archivedAt !== null && target.id !== from.id) {
        return refuse('plan_unavailable', `the plan ${planId} can no longer be chosen`, {
          plan: planId,
        });
      }
      const upgrade = target.id !== from.id && isUpgrade(from, target);
      const allowance = await this.deps.ledger.setMonthlyAllowance(orgId, {
        credits: target.monthlyAllowance,
        topUpNow: upgrade,
        note: `${target.name} plan`,
      });
      if (!allowance.ok) return allowance;
      // Staying on the current plan cancels a change still waiting: it starts now, as a no-op.
      const startsAt = upgrade || target.id === from.id ? now : allowance.value.from;
      await this.deps.store.changePlan({ orgId, planId, startsAt, decidedAt: now, by });
      const after = await this.orgPlan(orgId);
      if (!after.ok) return after;
      const kind = target.id === from.id ? 'unchanged' : upgrade ? 'upgrade' : 'downgrade';
      return ok({
        ...after.value,
        change: { kind, startsAt, toppedUp: allowance.value.toppedUp },
      });
    });
  }

  /** What the last three complete months would have cost on each plan that can be chosen. */
  async comparePlans(orgId: string): Promise<Result<PlanComparison>> {
    const current = await this.orgPlan(orgId);
    if (!current.ok) return current;
    const org = await this.orgOf(orgId);
    if (!org.ok) return org;
    const months = lastMonths(this.now(), org.value.timeZone, 3);
    const usage = [];
    for (const month of months) {
      const statement = await this.deps.ledger.statement(orgId, month);
      usage.push({ month, used: statement.ok ? statement.value.consumed : 0n });
    }
    const plans = (await this.deps.store.listPlans()).filter(
      (plan) => plan.archivedAt === null || plan.id === current.value.plan.id,
    );
    return ok({ months, plans: comparePlans(plans, usage, current.value.plan.id) });
  }

  // Purchases ------------------------------------------------------------------------------------

  private provider(name: PaymentProviderName): Result<PaymentProvider> {
    const provider = this.deps.providers.get(name);
    return provider
      ? ok(provider)
      : refuse('payment_provider_unavailable', `payments through ${name} are not configured`, {
          provider: name,
        });
  }

  /** What a purchase will be: a pack at its price, or a custom amount at the plan's price. */
  private async priced(
    orgId: string,
    input: PurchaseInput,
  ): Promise<
    Result<
      Pick<Purchase, 'packId' | 'description' | 'credits' | 'unitPrice' | 'amount' | 'currency'>
    >
  > {
    if ((input.pack === undefined) === (input.credits === undefined)) {
      return invalid('pack', 'name either a pack or an amount of credits');
    }
    if (input.pack !== undefined) {
      const pack = await this.deps.store.getPack(input.pack);
      if (!pack) return refuse('unknown_pack', `no pack ${input.pack}`, { pack: input.pack });
      if (pack.archivedAt !== null) {
        return refuse('pack_unavailable', `the pack ${pack.id} is no longer sold`, {
          pack: pack.id,
        });
      }
      return ok({
        packId: pack.id,
        description: `${pack.name} (${groupDecimal(formatCredits(pack.credits))} credits)`,
        credits: pack.credits,
        unitPrice: null,
        amount: pack.price,
        currency: pack.currency,
      });
    }
    const credits = input.credits ?? 0n;
    if (credits % MICROS_PER_CREDIT !== 0n) {
      return invalid('credits', 'a custom purchase is a whole number of credits');
    }
    const { customMinimum, customMaximum } = this.deps.limits;
    if (credits < customMinimum) {
      return refuse(
        'purchase_below_minimum',
        `a custom purchase is at least ${formatCredits(customMinimum)} credits`,
        { minimum: customMinimum, credits },
      );
    }
    if (credits > customMaximum) {
      return refuse(
        'purchase_above_maximum',
        `a custom purchase is at most ${formatCredits(customMaximum)} credits`,
        { maximum: customMaximum, credits },
      );
    }
    const plan = await this.orgPlan(orgId);
    if (!plan.ok) return plan;
    const { pricePerCredit, currency } = plan.value.plan;
    if ((credits / MICROS_PER_CREDIT) * pricePerCredit > MAX_MONEY) {
      return refuse('purchase_above_maximum', 'the amount is more than one payment can carry', {
        credits,
      });
    }
    return ok({
      packId: null,
      description: `${groupDecimal(formatCredits(credits))} credits (${plan.value.plan.name} plan price)`,
      credits,
      unitPrice: pricePerCredit,
      amount: (credits / MICROS_PER_CREDIT) * pricePerCredit,
      currency,
    });
  }

  /**
   * Starts a purchase: `pending` until the provider confirms payment. A manual purchase gets its
   * invoice now (it is what the buyer pays); a card payment gets it once paid.
   */
  async createPurchase(
    orgId: string,
    input: PurchaseInput,
    buyer: string,
  ): Promise<Result<Purchase>> {
    const org = await this.orgOf(orgId);
    if (!org.ok) return org;
    const providerName = input.provider ?? this.deps.defaultProvider;
    const provider = this.provider(providerName);
    if (!provider.ok) return provider;
    const priced = await this.priced(orgId, input);
    if (!priced.ok) return priced;
    const purchase: Purchase = {
      id: this.deps.ids.next('pur_'),
      orgId,
      ...priced.value,
      provider: providerName,
      providerRef: null,
      paymentUrl: null,
      status: 'pending',
      buyer,
      createdAt: this.now(),
      paidAt: null,
      failedAt: null,
      refundedAt: null,
      failureReason: null,
      grantId: null,
      invoiceNumber: null,
      invoicedAt: null,
    };
    await this.deps.store.insertPurchase(purchase);
    let checkout;
    try {
      checkout = await provider.value.startCheckout({
        purchase,
        orgName: org.value.name,
        returnUrl: input.returnUrl,
      });
    } catch (error) {
      await this.deps.store.transitionPurchase(purchase.id, {
        from: ['pending'],
        to: 'failed',
        at: this.now(),
        failureReason: 'the payment provider could not start the checkout',
      });
      return providerFailed(providerName, error);
    }
    if (checkout.providerRef !== null || checkout.paymentUrl !== null) {
      await this.deps.store.setCheckout(purchase.id, checkout.providerRef, checkout.paymentUrl);
    }
    if (providerName === 'manual') await this.deps.store.issueInvoice(purchase.id, this.now());
    return this.getPurchase(orgId, purchase.id);
  }

  async getPurchase(orgId: string, purchaseId: string): Promise<Result<Purchase>> {
    const purchase = await this.deps.store.getPurchase(orgId, purchaseId);
    return purchase
      ? ok(purchase)
      : refuse('unknown_purchase', `no purchase ${purchaseId}`, { purchase: purchaseId });
  }

  async listPurchases(
    orgId: string,
    options: {
      limit: number;
      cursor?: { createdAt: Instant; id: string };
      status?: PurchaseStatus;
    },
  ): Promise<Result<PurchasePage>> {
    const org = await this.orgOf(orgId);
    if (!org.ok) return org;
    const rows = await this.deps.store.listPurchases(orgId, {
      limit: options.limit + 1,
      ...(options.cursor ? { before: options.cursor } : {}),
      ...(options.status ? { status: options.status } : {}),
    });
    const data = rows.slice(0, options.limit);
    const last = data.at(-1);
    return ok({
      data,
      nextCursor:
        rows.length > options.limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    });
  }

  /**
   * The one way credits of a purchase enter the pool. The grant is idempotent under the
   * purchase's key, so a confirmation retried after a crash between grant and status finds the
   * same grant; the status moves only from pending or failed (a late payment is still money).
   */
  private async confirmPaid(purchase: Purchase, at: Instant): Promise<Result<Purchase>> {
    if (purchase.status === 'paid' || purchase.status === 'refunded') return ok(purchase);
    const grant = await this.deps.ledger.grant(purchase.orgId, {
      kind: 'purchase',
      credits: purchase.credits,
      note: purchase.description,
      idempotencyKey: `purchase:${purchase.id}`,
    });
    if (!grant.ok) return grant;
    const moved = await this.deps.store.transitionPurchase(purchase.id, {
      from: ['pending', 'failed'],
      to: 'paid',
      at,
      grantId: grant.value.id,
    });
    await this.deps.store.issueInvoice(purchase.id, at);
    return moved ? this.getPurchase(purchase.orgId, purchase.id) : ok(purchase);
  }

  private async markFailed(purchase: Purchase, at: Instant, reason: string) {
    // Only a payment still pending can fail: a late "expired" after "paid" changes nothing.
    await this.deps.store.transitionPurchase(purchase.id, {
      from: ['pending'],
      to: 'failed',
      at,
      failureReason: reason,
    });
    return this.getPurchase(purchase.orgId, purchase.id);
  }

  /**
   * The provider says the money went back: the credits still unspent leave the pool. A refund
   * reported before the payment (notifications can come in any order) first records the
   * payment, so that the credits come and go and the history tells both.
   */
  private async applyRefunded(purchase: Purchase, at: Instant): Promise<Result<Purchase>> {
    if (purchase.status === 'refunded') return ok(purchase);
    let paid = purchase;
    if (purchase.status !== 'paid') {
      const confirmed = await this.confirmPaid(purchase, at);
      if (!confirmed.ok) return confirmed;
      paid = confirmed.value;
    }
    if (paid.grantId) {
      const revoked = await this.deps.ledger.revokeGrant(paid.orgId, paid.grantId, {
        note: `Refund of ${paid.invoiceNumber ?? paid.id}`,
        idempotencyKey: `purchase-refund:${paid.id}`,
      });
      if (!revoked.ok) return revoked;
    }
    await this.deps.store.transitionPurchase(paid.id, { from: ['paid'], to: 'refunded', at });
    return this.getPurchase(paid.orgId, paid.id);
  }

  private apply(purchase: Purchase, outcome: PaymentCheck): Promise<Result<Purchase>> {
    switch (outcome.status) {
      case 'paid':
        return this.confirmPaid(purchase, outcome.at);
      case 'failed':
        return this.markFailed(purchase, outcome.at, outcome.reason);
      case 'refunded':
        return this.applyRefunded(purchase, outcome.at);
      case 'pending':
        return Promise.resolve(ok(purchase));
    }
  }

  /** Root (or the installation's admin) records that a manual invoice was paid. */
  async markPaid(orgId: string, purchaseId: string): Promise<Result<Purchase>> {
    return this.locks.run(purchaseId, async () => {
      const purchase = await this.getPurchase(orgId, purchaseId);
      if (!purchase.ok) return purchase;
      if (purchase.value.provider !== 'manual') {
        return invalid('provider', 'a card payment is confirmed by its provider: re-check it');
      }
      if (purchase.value.status === 'refunded') {
        return refuse('purchase_not_pending', 'the purchase was refunded', {
          status: purchase.value.status,
        });
      }
      return this.confirmPaid(purchase.value, this.now());
    });
  }

  /** An admin gives up a purchase not paid yet; its invoice stays, void. */
  async cancelPurchase(orgId: string, purchaseId: string): Promise<Result<Purchase>> {
    return this.locks.run(purchaseId, async () => {
      const purchase = await this.getPurchase(orgId, purchaseId);
      if (!purchase.ok) return purchase;
      if (purchase.value.status !== 'pending') {
        return refuse('purchase_not_pending', `the purchase is ${purchase.value.status}`, {
          status: purchase.value.status,
        });
      }
      return this.markFailed(purchase.value, this.now(), 'cancelled');
    });
  }

  /** Asks the provider again what became of a payment: the cure for a stuck one. */
  async recheck(orgId: string, purchaseId: string): Promise<Result<Purchase>> {
    return this.locks.run(purchaseId, async () => {
      const purchase = await this.getPurchase(orgId, purchaseId);
      if (!purchase.ok) return purchase;
      const provider = this.provider(purchase.value.provider);
      if (!provider.ok) return provider;
      if (purchase.value.status === 'refunded') return purchase;
      let outcome: PaymentCheck;
      try {
        outcome = await provider.value.check(purchase.value);
      } catch (error) {
        return providerFailed(purchase.value.provider, error);
      }
      return this.apply(purchase.value, outcome);
    });
  }

  /**
   * Gives the buyer's money back and takes the credits back out. Only a purchase whose credits
   * are all unspent can be refunded: the credits leave first (in one ledger write that checks
   * nothing was spent), then the provider returns the money; if the provider fails, the credits
   * come back as they were.
   */
  async refundPurchase(orgId: string, purchaseId: string): Promise<Result<Purchase>> {
    return this.locks.run(purchaseId, async () => {
      const found = await this.getPurchase(orgId, purchaseId);
      if (!found.ok) return found;
      const purchase = found.value;
      if (purchase.status !== 'paid' || purchase.grantId === null) {
        return refuse('purchase_not_paid', `the purchase is ${purchase.status}`, {
          status: purchase.status,
        });
      }
      const provider = this.provider(purchase.provider);
      if (!provider.ok) return provider;
      const revoked = await this.deps.ledger.revokeGrant(orgId, purchase.grantId, {
        whole: true,
        note: `Refund of ${purchase.invoiceNumber ?? purchase.id}`,
      });
      if (!revoked.ok) {
        return revoked.refusal.code === 'grant_partly_spent'
          ? refuse('purchase_credits_used', 'some of the credits bought are spent or held', {
              ...revoked.refusal.details,
              purchase: purchase.id,
            })
          : revoked;
      }
      try {
        await provider.value.refund(purchase);
      } catch (error) {
        await this.deps.ledger.grant(orgId, {
          kind: 'purchase',
          credits: revoked.value.revoked,
          note: `${purchase.description}: refund failed at ${purchase.provider}`,
        });
        return providerFailed(purchase.provider, error);
      }
      await this.deps.store.transitionPurchase(purchase.id, {
        from: ['paid'],
        to: 'refunded',
        at: this.now(),
      });
      return this.getPurchase(orgId, purchase.id);
    });
  }

  /**
   * A verified notification from a provider. Duplicates and any order are fine: each outcome
   * moves the purchase only forward (pending → paid or failed, failed → paid, paid → refunded).
   */
  async handlePaymentEvent(event: PaymentEvent): Promise<Result<Purchase | null>> {
    const purchase =
      (await this.deps.store.findPurchaseByProviderRef(event.provider, event.providerRef)) ??
      (event.orgId && event.purchaseId
        ? await this.deps.store.getPurchase(event.orgId, event.purchaseId)
        : undefined);
    // Not ours (another system on the same Stripe account): acknowledged and ignored.
    if (!purchase || purchase.provider !== event.provider) return ok(null);
    return this.locks.run(purchase.id, async () => {
      const fresh = await this.getPurchase(purchase.orgId, purchase.id);
      if (!fresh.ok) return fresh;
      return this.apply(fresh.value, event.outcome);
    });
  }

  // History and invoices -------------------------------------------------------------------------

  async history(
    orgId: string,
    options: { limit: number; cursor?: { at: Instant; id: string } },
  ): Promise<Result<HistoryPage>> {
    const grants = await this.deps.ledger.listGrants(orgId);
    if (!grants.ok) return grants;
    const purchases: Purchase[] = [];
    let before: { createdAt: Instant; id: string } | undefined;
    for (;;) {
      const page = await this.deps.store.listPurchases(orgId, {
        limit: 1000,
        ...(before ? { before } : {}),
      });
      purchases.push(...page);
      const last = page.at(-1);
      if (page.length < 1000 || !last) break;
      before = { createdAt: last.createdAt, id: last.id };
    }
    const cursor = options.cursor;
    const items = historyItems(purchases, grants.value).filter(
      (item) => !cursor || item.at < cursor.at || (item.at === cursor.at && item.id < cursor.id),
    );
    const data = items.slice(0, options.limit);
    const last = data.at(-1);
    return ok({
      data,
      nextCursor: items.length > options.limit && last ? { at: last.at, id: last.id } : null,
    });
  }

  /** The purchase's invoice as a PDF, refused while it has none (a card payment not yet paid). */
  async invoicePdf(
    orgId: string,
    purchaseId: string,
  ): Promise<Result<{ number: string; pdf: Buffer }>> {
    const purchase = await this.getPurchase(orgId, purchaseId);
    if (!purchase.ok) return purchase;
    const number = purchase.value.invoiceNumber;
    if (number === null) {
      return refuse('invoice_not_issued', 'a card purchase has its invoice once it is paid', {
        purchase: purchaseId,
      });
    }
    const org = await this.orgOf(orgId);
    if (!org.ok) return org;
    const document = invoiceDocumentOf(
      purchase.value,
      { name: org.value.name },
      this.deps.seller,
      org.value.timeZone,
    );
    return ok({ number, pdf: await renderInvoicePdf(document) });
  }

  /** A provider's webhook: verified on its raw bytes, then applied (see handlePaymentEvent). */
  async receiveWebhook(
    provider: PaymentProviderName,
    rawBody: Buffer,
    signature: string | undefined,
  ): Promise<Result<Purchase | null>> {
    const read = this.deps.webhookReaders.get(provider);
    if (!read) {
      return refuse('payment_provider_unavailable', `${provider} webhooks are not configured`, {
        provider,
      });
    }
    const event = read(rawBody, signature);
    if (!event.ok) return event;
    return event.value ? this.handlePaymentEvent(event.value) : ok(null);
  }

  deleteOrg(orgId: string): Promise<void> {
    return this.deps.store.deleteOrg(orgId);
  }
}

export { DEFAULT_PLAN_ID };

/** The `count` complete months before the one containing `at`, oldest first, as YYYY-MM. */
function lastMonths(at: Instant, timeZone: string, count: number): string[] {
  const months: string[] = [];
  let start = periodOf(at, timeZone).start;
  for (let i = 0; i < count; i += 1) {
    const previous = periodOf(start - 1, timeZone);
    months.unshift(previous.month);
    start = previous.start;
  }
  return months;
}
