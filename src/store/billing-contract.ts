/**
 * The contract every adapter's billing store passes, run from each adapter's own test file:
 * plans and packs seeded and replaced exactly, plan history per org, purchases walled by org,
 * status moves that only one of several concurrent callers makes, and invoice numbers that are
 * sequential, gapless and never reused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Pack, Plan, Purchase } from '../billing/model.js';
import type { BillingStore } from '../billing/ports.js';

export interface BillingStores {
  billing: BillingStore;
  close(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T00:00:00Z');
const MICROS_PER_CREDIT = 1_000_000n;
/** Above 2^53: survives only if no float is on the way. */
const BEYOND_DOUBLES = 9_007_199_254_740_993n;

const plan = (id: string, changes: Partial<Plan> = {}): Plan => ({
  id,
  name: `Plan ${id}`,
  description: `The ${id} plan.`,
  currency: 'EUR',
  pricePerCredit: 4n,
  monthlyFee: 1_000n,
  monthlyAllowance: 100n * MICROS_PER_CREDIT,
  expires: true,
  createdAt: T0,
  updatedAt: T0,
  archivedAt: null,
  ...changes,
});

const pack = (id: string, changes: Partial<Pack> = {}): Pack => ({
  id,
  name: `Pack ${id}`,
  credits: 500n * MICROS_PER_CREDIT,
  price: 500n,
  currency: 'EUR',
  createdAt: T0,
  updatedAt: T0,
  archivedAt: null,
  ...changes,
});

const purchase = (id: string, orgId: string, changes: Partial<Purchase> = {}): Purchase => ({
  id,
  orgId,
  packId: null,
  description: '2,500 credits',
  credits: 2_500n * MICROS_PER_CREDIT,
  unitPrice: 1n,
  amount: 2_500n,
  currency: 'USD',
  provider: 'manual',
  providerRef: null,
  paymentUrl: null,
  status: 'pending',
  buyer: 'ana@example.com',
  createdAt: T0,
  paidAt: null,
  failedAt: null,
  refundedAt: null,
  failureReason: null,
  grantId: null,
  invoiceNumber: null,
  invoicedAt: null,
  ...changes,
});

export function runBillingContract(name: string, open: () => Promise<BillingStores>): void {
  describe(`billing store contract: ${name}`, () => {
    const opened: BillingStores[] = [];

    async function setUp(): Promise<BillingStore> {
      const stores = await open();
      opened.push(stores);
      return stores.billing;
    }

    afterEach(async () => {
      for (const stores of opened.splice(0)) await stores.close();
    });

    it('starts with three plans and two packs to buy', async () => {
      const billing = await setUp();
      expect(await billing.listPlans()).toEqual([
        {
          id: 'basic',
          name: 'Basic',
          description: '1,500 free credits every month and cheaper credits.',
          currency: 'USD',
          pricePerCredit: 2n,
          monthlyFee: 2_900n,
          monthlyAllowance: 1_500n * MICROS_PER_CREDIT,
          expires: true,
          createdAt: 0,
          updatedAt: 0,
          archivedAt: null,
        },
        {
          id: 'payg',
          name: 'Pay as you go',
          description: 'No subscription: buy credits when you need them.',
          currency: 'USD',
          pricePerCredit: 3n,
          monthlyFee: 0n,
          monthlyAllowance: 0n,
          expires: false,
          createdAt: 0,
          updatedAt: 0,
          archivedAt: null,
        },
        {
          id: 'pro',
          name: 'Pro',
          description: '5,000 free credits every month and the lowest price per credit.',
          currency: 'USD',
          pricePerCredit: 1n,
          monthlyFee: 9_900n,
          monthlyAllowance: 5_000n * MICROS_PER_CREDIT,
          expires: true,
          createdAt: 0,
          updatedAt: 0,
          archivedAt: null,
        },
      ]);
      expect(await billing.listPacks()).toEqual([
        {
          id: 'starter',
          name: 'Starter pack',
          credits: 2_500n * MICROS_PER_CREDIT,
          price: 2_500n,
          currency: 'USD',
          createdAt: 0,
          updatedAt: 0,
          archivedAt: null,
        },
        {
          id: 'studio',
          name: 'Studio pack',
          credits: 12_000n * MICROS_PER_CREDIT,
          price: 10_000n,
          currency: 'USD',
          createdAt: 0,
          updatedAt: 0,
          archivedAt: null,
        },
      ]);
    });

    it('inserts and replaces plans exactly, archived ones included', async () => {
      const billing = await setUp();
      const team = plan('team', {
        pricePerCredit: BEYOND_DOUBLES,
        monthlyFee: 10n ** 15n,
        monthlyAllowance: 10n ** 15n,
      });
      await billing.putPlan(team);
      expect(await billing.getPlan('team')).toEqual(team);
      expect(await billing.getPlan('nope')).toBeUndefined();

      const replaced = plan('team', {
        name: 'Team',
        expires: false,
        monthlyAllowance: 0n,
        createdAt: T0 - 5,
        updatedAt: T0 + 10,
        archivedAt: T0 + 10,
      });
      await billing.putPlan(replaced);
      expect(await billing.getPlan('team')).toEqual(replaced);
      expect((await billing.listPlans()).map((p) => p.id)).toEqual([
        'basic',
        'payg',
        'pro',
        'team',
      ]);
    });

    it('inserts and replaces packs exactly, listed by price then id', async () => {
      const billing = await setUp();
      const huge = pack('huge', { credits: 10n ** 15n, price: BEYOND_DOUBLES });
      await billing.putPack(huge);
      await billing.putPack(pack('b-small', { price: 100n }));
      await billing.putPack(pack('a-small', { price: 100n }));
      expect(await billing.getPack('huge')).toEqual(huge);
      expect(await billing.getPack('nope')).toBeUndefined();

      const archived = pack('a-small', { price: 100n, updatedAt: T0 + 1, archivedAt: T0 + 1 });
      await billing.putPack(archived);
      expect(await billing.getPack('a-small')).toEqual(archived);
      expect((await billing.listPacks()).map((p) => p.id)).toEqual([
        'a-small',
        'b-small',
        'starter',
        'studio',
        'huge',
      ]);
    });

    it('keeps plan history per org, oldest first, a change replacing one still to start', async () => {
      const billing = await setUp();
      await billing.changePlan({
        orgId: 'org_a',
        planId: 'payg',
        startsAt: T0,
        decidedAt: T0,
        by: null,
      });
      await billing.changePlan({
        orgId: 'org_b',
        planId: 'basic',
        startsAt: T0,
        decidedAt: T0,
        by: null,
      });
      await billing.changePlan({
        orgId: 'org_a',
        planId: 'pro',
        startsAt: T0 + 100,
        decidedAt: T0 + 100,
        by: 'ana@example.com',
      });
      // A downgrade waiting for the period's end…
      await billing.changePlan({
        orgId: 'org_a',
        planId: 'basic',
        startsAt: T0 + 1_000,
        decidedAt: T0 + 200,
        by: 'ana@example.com',
      });
      expect((await billing.planHistory('org_a')).map((line) => line.planId)).toEqual([
        'payg',
        'pro',
        'basic',
      ]);

      // …is replaced by a change decided before it starts.
      await billing.changePlan({
        orgId: 'org_a',
        planId: 'payg',
        startsAt: T0 + 1_000,
        decidedAt: T0 + 300,
        by: 'root',
      });
      expect(await billing.planHistory('org_a')).toEqual([
        { orgId: 'org_a', planId: 'payg', startsAt: T0, decidedAt: T0, by: null },
        {
          orgId: 'org_a',
          planId: 'pro',
          startsAt: T0 + 100,
          decidedAt: T0 + 100,
          by: 'ana@example.com',
        },
        { orgId: 'org_a', planId: 'payg', startsAt: T0 + 1_000, decidedAt: T0 + 300, by: 'root' },
      ]);

      // Two lines at the same instant stay in the order they were added.
      await billing.changePlan({
        orgId: 'org_b',
        planId: 'pro',
        startsAt: T0,
        decidedAt: T0,
        by: 'root',
      });
      expect((await billing.planHistory('org_b')).map((line) => line.planId)).toEqual([
        'basic',
        'pro',
      ]);
      expect(await billing.planHistory('org_none')).toEqual([]);

      // Several orgs in one read: each org's lines in the order planHistory gives them.
      expect(await billing.planHistories(['org_b', 'org_none', 'org_a'])).toEqual([
        ...(await billing.planHistory('org_a')),
        ...(await billing.planHistory('org_b')),
      ]);
      expect(await billing.planHistories(['org_b'])).toEqual(await billing.planHistory('org_b'));
      expect(await billing.planHistories(['org_%', 'org_'])).toEqual([]);
      expect(await billing.planHistories([])).toEqual([]);
    });

    it('keeps purchases walled by org and finds them by provider reference', async () => {
      const billing = await setUp();
      const bought = purchase('pur_1', 'org_a', {
        packId: 'starter',
        description: 'Starter pack',
        unitPrice: null,
        credits: 10n ** 15n,
        amount: BEYOND_DOUBLES,
      });
      await billing.insertPurchase(bought);
      expect(await billing.getPurchase('org_a', 'pur_1')).toEqual(bought);
      expect(await billing.getPurchase('org_b', 'pur_1')).toBeUndefined();
      expect(await billing.getPurchase('org_a', 'pur_missing')).toBeUndefined();

      await billing.insertPurchase(purchase('pur_2', 'org_b', { provider: 'stripe' }));
      expect(await billing.findPurchaseByProviderRef('stripe', 'cs_1')).toBeUndefined();
      await billing.setCheckout('pur_2', 'cs_1', 'https://pay.example.com/cs_1');
      expect(await billing.findPurchaseByProviderRef('stripe', 'cs_1')).toEqual(
        purchase('pur_2', 'org_b', {
          provider: 'stripe',
          providerRef: 'cs_1',
          paymentUrl: 'https://pay.example.com/cs_1',
        }),
      );
      expect(await billing.findPurchaseByProviderRef('manual', 'cs_1')).toBeUndefined();
      // A provider's payment belongs to one purchase only.
      await expect(
        billing.insertPurchase(
          purchase('pur_3', 'org_a', { provider: 'stripe', providerRef: 'cs_1' }),
        ),
      ).rejects.toThrow();
      // Manual purchases have no reference, as many as wanted.
      await billing.insertPurchase(purchase('pur_4', 'org_a'));
      expect(await billing.getPurchase('org_a', 'pur_4')).toBeDefined();
    });

    it('lists purchases newest first, page by page, by status', async () => {
      const billing = await setUp();
      // Two purchases per instant, so that the id breaks ties across pages.
      for (let i = 0; i < 7; i++) {
        await billing.insertPurchase(
          purchase(`pur_${i}`, 'org_a', {
            createdAt: T0 + Math.floor(i / 2) * 1_000,
            status: i % 3 === 0 ? 'paid' : 'pending',
          }),
        );
      }
      await billing.insertPurchase(purchase('pur_other', 'org_b', { createdAt: T0 + 10_000 }));

      const ids: string[] = [];
      let before: { createdAt: number; id: string } | undefined;
      for (;;) {
        const page = await billing.listPurchases('org_a', { limit: 3, before });
        ids.push(...page.map((p) => p.id));
        const last = page.at(-1);
        if (page.length < 3 || !last) break;
        before = { createdAt: last.createdAt, id: last.id };
      }
      expect(ids).toEqual(['pur_6', 'pur_5', 'pur_4', 'pur_3', 'pur_2', 'pur_1', 'pur_0']);

      const paid = await billing.listPurchases('org_a', { limit: 10, status: 'paid' });
      expect(paid.map((p) => p.id)).toEqual(['pur_6', 'pur_3', 'pur_0']);
      const paidBefore = await billing.listPurchases('org_a', {
        limit: 10,
        status: 'paid',
        before: { createdAt: T0 + 1_000, id: 'pur_3' },
      });
      expect(paidBefore.map((p) => p.id)).toEqual(['pur_0']);
      expect(await billing.listPurchases('org_c', { limit: 10 })).toEqual([]);
    });

    it('moves a purchase only from the statuses allowed, recording when and why', async () => {
      const billing = await setUp();
      await billing.insertPurchase(purchase('pur_1', 'org_a'));
      await billing.insertPurchase(purchase('pur_2', 'org_a'));

      const refused = await billing.transitionPurchase('pur_1', {
        from: ['paid'],
        to: 'refunded',
        at: T0 + 1,
      });
      expect(refused).toEqual({ purchase: purchase('pur_1', 'org_a'), moved: false });

      const paid = await billing.transitionPurchase('pur_1', {
        from: ['pending', 'failed'],
        to: 'paid',
        at: T0 + 2,
        grantId: 'grant_1',
      });
      expect(paid).toEqual({
        purchase: purchase('pur_1', 'org_a', {
          status: 'paid',
          paidAt: T0 + 2,
          grantId: 'grant_1',
        }),
        moved: true,
      });
      const again = await billing.transitionPurchase('pur_1', {
        from: ['pending'],
        to: 'paid',
        at: T0 + 3,
        grantId: 'grant_2',
      });
      expect(again).toEqual({ purchase: paid?.purchase, moved: false });

      const refunded = await billing.transitionPurchase('pur_1', {
        from: ['paid'],
        to: 'refunded',
        at: T0 + 4,
      });
      expect(refunded?.moved).toBe(true);
      expect(refunded?.purchase).toMatchObject({
        status: 'refunded',
        paidAt: T0 + 2,
        refundedAt: T0 + 4,
        grantId: 'grant_1',
      });

      const failed = await billing.transitionPurchase('pur_2', {
        from: ['pending'],
        to: 'failed',
        at: T0 + 5,
        failureReason: 'expired',
      });
      expect(failed).toEqual({
        purchase: purchase('pur_2', 'org_a', {
          status: 'failed',
          failedAt: T0 + 5,
          failureReason: 'expired',
        }),
        moved: true,
      });
      expect(await billing.getPurchase('org_a', 'pur_2')).toEqual(failed?.purchase);

      expect(
        await billing.transitionPurchase('pur_missing', { from: ['pending'], to: 'paid', at: T0 }),
      ).toBeUndefined();
    });

    it('lets only one of twenty concurrent confirmations move a purchase', async () => {
      const billing = await setUp();
      await billing.insertPurchase(purchase('pur_1', 'org_a'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          billing.transitionPurchase('pur_1', {
            from: ['pending'],
            to: 'paid',
            at: T0 + i,
            grantId: `grant_${i}`,
          }),
        ),
      );
      const winners = results.filter((result) => result?.moved);
      expect(winners).toHaveLength(1);
      const stored = await billing.getPurchase('org_a', 'pur_1');
      expect(stored?.status).toBe('paid');
      expect(stored?.grantId).toBe(winners[0]?.purchase.grantId);
      expect(stored?.paidAt).toBe(winners[0]?.purchase.paidAt);
      for (const result of results) expect(result?.purchase.status).toBe('paid');
    });

    it('numbers invoices sequentially across orgs, once per purchase', async () => {
      const billing = await setUp();
      await billing.insertPurchase(purchase('pur_1', 'org_a'));
      await billing.insertPurchase(purchase('pur_2', 'org_b'));
      await billing.insertPurchase(purchase('pur_3', 'org_a'));

      const first = await billing.issueInvoice('pur_1', T0 + 1);
      expect(first).toEqual(
        purchase('pur_1', 'org_a', { invoiceNumber: 'TALLY-000001', invoicedAt: T0 + 1 }),
      );
      expect((await billing.issueInvoice('pur_2', T0 + 2))?.invoiceNumber).toBe('TALLY-000002');
      // Asking again answers the number the purchase has, and takes no new one.
      expect(await billing.issueInvoice('pur_1', T0 + 3)).toEqual(first);
      expect(await billing.issueInvoice('pur_missing', T0 + 3)).toBeUndefined();
      expect((await billing.issueInvoice('pur_3', T0 + 4))?.invoiceNumber).toBe('TALLY-000003');
      expect((await billing.getPurchase('org_b', 'pur_2'))?.invoiceNumber).toBe('TALLY-000002');
    });

    it('gives twenty concurrent invoices twenty distinct numbers without gaps', async () => {
      const billing = await setUp();
      const ids = Array.from({ length: 20 }, (_, i) => `pur_${i}`);
      for (const [i, id] of ids.entries())
        await billing.insertPurchase(purchase(id, i % 2 === 0 ? 'org_a' : 'org_b'));
      // Each purchase asked twice at once: the second call answers the first's number.
      const issued = await Promise.all(
        [...ids, ...ids].map((id, i) => billing.issueInvoice(id, T0 + i)),
      );
      const numbers = new Set(issued.map((p) => p?.invoiceNumber));
      expect([...numbers].sort()).toEqual(
        Array.from({ length: 20 }, (_, i) => `TALLY-${String(i + 1).padStart(6, '0')}`),
      );
      for (let i = 0; i < ids.length; i++)
        expect(issued[i]?.invoiceNumber).toBe(issued[i + ids.length]?.invoiceNumber);
      for (const [i, id] of ids.entries()) {
        const stored = await billing.getPurchase(i % 2 === 0 ? 'org_a' : 'org_b', id);
        expect(stored?.invoiceNumber).toBe(issued[i]?.invoiceNumber);
      }
    });

    it("removes an org's history and purchases, never reusing its invoice numbers", async () => {
      const billing = await setUp();
      for (const orgId of ['org_a', 'org_b']) {
        await billing.changePlan({ orgId, planId: 'pro', startsAt: T0, decidedAt: T0, by: null });
        await billing.insertPurchase(
          purchase(`pur_${orgId}`, orgId, { provider: 'stripe', providerRef: `cs_${orgId}` }),
        );
      }
      await billing.issueInvoice('pur_org_a', T0 + 1);
      await billing.issueInvoice('pur_org_b', T0 + 2);

      await billing.deleteOrg('org_a');
      expect(await billing.planHistory('org_a')).toEqual([]);
      expect(await billing.listPurchases('org_a', { limit: 10 })).toEqual([]);
      expect(await billing.findPurchaseByProviderRef('stripe', 'cs_org_a')).toBeUndefined();
      expect(await billing.planHistory('org_b')).toHaveLength(1);
      expect((await billing.getPurchase('org_b', 'pur_org_b'))?.invoiceNumber).toBe('TALLY-000002');
      expect(await billing.getPlan('pro')).toBeDefined();

      await billing.insertPurchase(purchase('pur_new', 'org_b'));
      expect((await billing.issueInvoice('pur_new', T0 + 3))?.invoiceNumber).toBe('TALLY-000003');
    });
  });
}
