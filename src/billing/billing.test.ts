/**
 * Billing's use cases on a real SQLite file and a hand-moved clock: a plan change in the middle
 * of a period, and payments confirmed twice, late, or refunded before they were paid.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credits } from '../core/amount.js';
import { openSqliteDatabase } from '../store/sqlite/sqlite-database.js';
import { SqliteBillingStore } from '../store/sqlite/sqlite-billing-store.js';
import {
  code,
  SequentialIds,
  testLedger,
  value,
  type TestLedger,
} from '../../test/support/harness.js';
import { Billing } from './billing.js';
import type { PaymentProviderName } from './model.js';
import type { PaymentCheck, PaymentProvider } from './ports.js';
import { ManualProvider } from './providers/manual-provider.js';

/** A provider whose answer to a re-check the test sets: Stripe is tested over HTTP elsewhere. */
class ScriptedProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  answer: PaymentCheck = { status: 'pending' };
  refunds = 0;
  async startCheckout() {
    return { providerRef: `cs_${Math.random().toString(36).slice(2)}`, paymentUrl: 'https://pay' };
  }
  async check() {
    return this.answer;
  }
  async refund() {
    this.refunds += 1;
  }
}

describe('billing', () => {
  let t: TestLedger;
  let billing: Billing;
  let scripted: ScriptedProvider;
  let org: string;
  let closeBilling: () => void;

  beforeEach(async () => {
    t = testLedger('2026-03-20T10:00:00Z');
    const database = openSqliteDatabase(join(t.path, '..', 'billing.db'));
    closeBilling = () => database.close();
    scripted = new ScriptedProvider();
    billing = new Billing({
      store: new SqliteBillingStore(database),
      ledger: t.ledger,
      providers: new Map<PaymentProviderName, PaymentProvider>([
        ['manual', new ManualProvider()],
        ['stripe', scripted],
      ]),
      defaultProvider: 'manual',
      limits: { customMinimum: credits(1000), customMaximum: credits(100_000) },
      seller: { name: 'Tally test', addressLines: [] },
      webhookReaders: new Map(),
      clock: t.clock,
      ids: new SequentialIds(),
    });
    org = value(await t.ledger.createOrg({ name: 'Booths', timeZone: 'America/New_York' })).id;
    t.clock.advance(1000);
  });
  afterEach(async () => {
    closeBilling();
    await t.close();
  });

  const available = async () => value(await t.ledger.balance(org)).available;

  it('changes plan mid-period: upgrade tops up now, the downgrade waits for the month end', async () => {
    const upgrade = value(await billing.changePlan(org, 'pro', 'ana@example.com'));
    expect(upgrade.change).toMatchObject({ kind: 'upgrade', toppedUp: credits(5000) });
    expect(await available()).toBe(credits(5000));

    t.clock.set('2026-03-25T12:00:00Z');
    const downgrade = value(await billing.changePlan(org, 'basic', 'ana@example.com'));
    expect(downgrade.change.kind).toBe('downgrade');
    // Midnight of April 1st in New York.
    expect(downgrade.change.startsAt).toBe(Date.parse('2026-04-01T04:00:00Z'));
    expect(downgrade.plan.id).toBe('pro');
    expect(downgrade.expiresAt).toBe(Date.parse('2026-04-01T04:00:00Z'));
    expect(await available()).toBe(credits(5000));

    t.clock.set('2026-04-02T00:00:00Z');
    const april = value(await billing.orgPlan(org));
    expect(april.plan.id).toBe('basic');
    expect(april.renewsAt).toBe(Date.parse('2026-05-01T04:00:00Z'));
    // March's free credits expired with March; April brings Basic's 1,500.
    expect(await available()).toBe(credits(1500));
  });

  it('grants a paid purchase once, however many confirmations arrive together', async () => {
    const purchase = value(await billing.createPurchase(org, { pack: 'starter' }, 'root'));
    expect(purchase).toMatchObject({ status: 'pending', invoiceNumber: 'TALLY-000001' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => billing.markPaid(org, purchase.id)),
    );
    for (const result of results) expect(value(result).status).toBe('paid');
    expect(await available()).toBe(credits(2500));
    const grants = value(await t.ledger.listGrants(org)).filter((g) => g.kind === 'purchase');
    expect(grants).toHaveLength(1);
  });

  it('recovers a grant made before a crash, without granting twice', async () => {
    const purchase = value(
      await billing.createPurchase(org, { credits: credits(1000), provider: 'stripe' }, 'root'),
    );
    // The server granted, then died before the purchase was marked paid.
    value(
      await t.ledger.grant(org, {
        kind: 'purchase',
        credits: purchase.credits,
        note: purchase.description,
        idempotencyKey: `purchase:${purchase.id}`,
      }),
    );
    scripted.answer = { status: 'paid', at: t.clock.now() };
    const rechecked = value(await billing.recheck(org, purchase.id));
    expect(rechecked.status).toBe('paid');
    expect(await available()).toBe(credits(1000));
  });

  it('refunds an untouched purchase and gives the credits back when the provider fails', async () => {
    const purchase = value(
      await billing.createPurchase(org, { credits: credits(2000), provider: 'stripe' }, 'root'),
    );
    scripted.answer = { status: 'paid', at: t.clock.now() };
    value(await billing.recheck(org, purchase.id));
    scripted.refund = async () => {
      throw new Error('Stripe is down');
    };
    expect(code(await billing.refundPurchase(org, purchase.id))).toBe('payment_provider_failed');
    expect(await available()).toBe(credits(2000));
    expect(value(await billing.getPurchase(org, purchase.id)).status).toBe('paid');
  });

  it('refuses custom amounts outside the limits and in fractions', async () => {
    expect(code(await billing.createPurchase(org, { credits: credits(999) }, 'root'))).toBe(
      'purchase_below_minimum',
    );
    expect(code(await billing.createPurchase(org, { credits: credits(100_001) }, 'root'))).toBe(
      'purchase_above_maximum',
    );
    expect(code(await billing.createPurchase(org, { credits: 1_000_500_000n }, 'root'))).toBe(
      'invalid_request',
    );
    expect(
      code(await billing.createPurchase(org, { pack: 'starter', credits: credits(1) }, 'x')),
    ).toBe('invalid_request');
  });
});
