import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeApi, type StripeApi } from '../../../test/support/stripe-api.js';
import { credits } from '../../core/amount.js';
import type { Purchase } from '../model.js';
import { PaymentProviderError } from './payment-provider-error.js';
import { STRIPE_API_VERSION, StripeProvider } from './stripe-provider.js';

const SECRET_KEY = 'sk_test_tally_0123456789abcdef';
const NOW = Date.UTC(2026, 10, 23, 12, 0);

let stripe: StripeApi;
let provider: StripeProvider;
let purchaseCount = 0;

beforeAll(async () => {
  stripe = await startStripeApi({ secretKey: SECRET_KEY, webhookSecret: 'whsec_test' });
  provider = new StripeProvider({
    secretKey: SECRET_KEY,
    apiBase: stripe.url,
    defaultReturnUrl: 'https://tally.example/billing',
    now: () => NOW,
  });
});

afterAll(async () => {
  await stripe.close();
});

/** A new pending card purchase of 2,500 credits for USD 25.00. */
function newPurchase(overrides: Partial<Purchase> = {}): Purchase {
  purchaseCount += 1;
  return {
    id: `pur_${purchaseCount}_${Math.random().toString(36).slice(2)}`,
    orgId: 'org_booth',
    packId: 'starter',
    description: 'Starter pack',
    credits: credits(2500),
    unitPrice: null,
    amount: 2500n,
    currency: 'USD',
    provider: 'stripe',
    providerRef: null,
    paymentUrl: null,
    status: 'pending',
    buyer: 'ada@booth.example',
    createdAt: NOW,
    paidAt: null,
    failedAt: null,
    refundedAt: null,
    failureReason: null,
    grantId: null,
    invoiceNumber: null,
    invoicedAt: null,
    ...overrides,
  };
}

/** A purchase whose Checkout Session has been created, as billing stores it. */
async function startedPurchase(returnUrl?: string): Promise<Purchase> {
  const purchase = newPurchase();
  const checkout = await provider.startCheckout({ purchase, orgName: 'Photo Booth', returnUrl });
  return { ...purchase, providerRef: checkout.providerRef, paymentUrl: checkout.paymentUrl };
}

describe('StripeProvider.startCheckout', () => {
  it('creates a Checkout Session that Stripe reads as Tally meant it', async () => {
    const purchase = newPurchase({ amount: 123450n, currency: 'EUR', description: 'Café pack' });
    const checkout = await provider.startCheckout({
      purchase,
      orgName: 'Photo Booth',
      returnUrl: 'https://app.example/billing?tab=history#top',
    });
    expect(checkout.providerRef).toMatch(/^cs_test_/);
    expect(checkout.paymentUrl).toBe(`${stripe.url}/c/pay/${checkout.providerRef}`);
    const session = stripe.sessions.get(checkout.providerRef ?? '');
    expect(session).toMatchObject({
      status: 'open',
      payment_status: 'unpaid',
      currency: 'eur',
      amount_total: 123450,
      client_reference_id: purchase.id,
      metadata: { purchase_id: purchase.id, org_id: 'org_booth' },
      paymentIntentMetadata: { purchase_id: purchase.id, org_id: 'org_booth' },
      lineItem: { name: 'Café pack', unitAmount: 123450, quantity: 1 },
      success_url: `https://app.example/billing?tab=history&purchase=${purchase.id}&status=success#top`,
      cancel_url: `https://app.example/billing?tab=history&purchase=${purchase.id}&status=cancelled#top`,
    });
    const request = stripe.requests.at(-1);
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/checkout/sessions',
      idempotencyKey: `checkout-${purchase.id}`,
      stripeVersion: STRIPE_API_VERSION,
    });
    expect(request?.form).toMatchObject({
      mode: 'payment',
      'line_items[0][price_data][currency]': 'eur',
      'line_items[0][price_data][unit_amount]': '123450',
      'line_items[0][price_data][product_data][name]': 'Café pack',
      'line_items[0][quantity]': '1',
      'payment_intent_data[metadata][purchase_id]': purchase.id,
      'payment_intent_data[metadata][org_id]': 'org_booth',
    });
  });

  it('sends the buyer back to the default page without a return URL', async () => {
    const purchase = await startedPurchase();
    const session = stripe.sessions.get(purchase.providerRef ?? '');
    expect(session?.success_url).toBe(
      `https://tally.example/billing?purchase=${purchase.id}&status=success`,
    );
  });

  it('passes amounts beyond 2^53 minor units as exact integers', async () => {
    await provider.startCheckout({
      purchase: newPurchase({ amount: 9007199254740993n }),
      orgName: 'Photo Booth',
      returnUrl: undefined,
    });
    expect(stripe.requests.at(-1)?.form['line_items[0][price_data][unit_amount]']).toBe(
      '9007199254740993',
    );
  });

  it('answers a retry with the session the first attempt created', async () => {
    const purchase = newPurchase();
    const request = { purchase, orgName: 'Photo Booth', returnUrl: undefined };
    const first = await provider.startCheckout(request);
    const sessionsBefore = stripe.sessions.size;
    const second = await provider.startCheckout(request);
    expect(second).toEqual(first);
    expect(stripe.sessions.size).toBe(sessionsBefore);
  });
});

describe('StripeProvider.check', () => {
  it('follows a session from pending to paid', async () => {
    const purchase = await startedPurchase();
    expect(await provider.check(purchase)).toEqual({ status: 'pending' });
    stripe.complete(purchase.providerRef ?? '');
    expect(await provider.check(purchase)).toEqual({ status: 'paid', at: NOW });
    expect(stripe.requests.at(-1)?.path).toBe(
      `/v1/checkout/sessions/${purchase.providerRef}?expand[]=payment_intent.latest_charge`,
    );
  });

  it('keeps an async payment pending until it clears, and fails it if it does not', async () => {
    const clearing = await startedPurchase();
    stripe.complete(clearing.providerRef ?? '', { paymentStatus: 'unpaid' });
    expect(await provider.check(clearing)).toEqual({ status: 'pending' });
    stripe.settle(clearing.providerRef ?? '', 'succeeded');
    expect(await provider.check(clearing)).toEqual({ status: 'paid', at: NOW });

    const bounced = await startedPurchase();
    stripe.complete(bounced.providerRef ?? '', { paymentStatus: 'unpaid' });
    stripe.settle(bounced.providerRef ?? '', 'failed');
    expect(await provider.check(bounced)).toEqual({
      status: 'failed',
      at: NOW,
      reason: 'payment failed',
    });
  });

  it('reads an expired session as failed', async () => {
    const purchase = await startedPurchase();
    stripe.expire(purchase.providerRef ?? '');
    expect(await provider.check(purchase)).toEqual({
      status: 'failed',
      at: NOW,
      reason: 'expired',
    });
  });

  it('reads a fully refunded charge as refunded, a partial refund as still paid', async () => {
    const partly = await startedPurchase();
    stripe.complete(partly.providerRef ?? '');
    stripe.refund(partly.providerRef ?? '', 1000);
    expect(await provider.check(partly)).toEqual({ status: 'paid', at: NOW });
    stripe.refund(partly.providerRef ?? '');
    expect(await provider.check(partly)).toEqual({ status: 'refunded', at: NOW });
  });

  it('throws for a purchase whose checkout never started, or that Stripe does not know', async () => {
    await expect(provider.check(newPurchase())).rejects.toThrow(PaymentProviderError);
    const unknown = newPurchase({ providerRef: 'cs_test_nobody' });
    const error: unknown = await provider.check(unknown).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaymentProviderError);
    expect(error).toMatchObject({
      provider: 'stripe',
      status: 404,
      providerCode: 'resource_missing',
      message: "Stripe: No such checkout.session: 'cs_test_nobody'",
    });
  });
});

describe('StripeProvider.refund', () => {
  it('refunds the session’s payment once, however often it is asked', async () => {
    const purchase = await startedPurchase();
    stripe.complete(purchase.providerRef ?? '');
    const refundsBefore = stripe.refunds.size;
    await provider.refund(purchase);
    await provider.refund(purchase); // a retry: Stripe replays the first answer
    expect(stripe.refunds.size).toBe(refundsBefore + 1);
    const refund = [...stripe.refunds.values()].at(-1);
    expect(refund).toMatchObject({ amount: 2500, metadata: { purchase_id: purchase.id } });
    expect(stripe.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/v1/refunds',
      idempotencyKey: `refund-${purchase.id}`,
    });
    expect(await provider.check(purchase)).toEqual({ status: 'refunded', at: NOW });
  });

  it('throws when there is no payment to refund, or Stripe refuses', async () => {
    const unpaid = await startedPurchase();
    await expect(provider.refund(unpaid)).rejects.toThrow(/has no payment/);
    const refundedOutside = await startedPurchase();
    stripe.complete(refundedOutside.providerRef ?? '');
    stripe.refund(refundedOutside.providerRef ?? '');
    await expect(provider.refund(refundedOutside)).rejects.toMatchObject({
      name: 'PaymentProviderError',
      status: 400,
      providerCode: 'charge_already_refunded',
    });
  });
});

describe('StripeProvider.findCheckoutSession', () => {
  it('finds the session that made a PaymentIntent', async () => {
    const purchase = await startedPurchase();
    const session = stripe.complete(purchase.providerRef ?? '');
    expect(await provider.findCheckoutSession(session.payment_intent ?? '')).toBe(session.id);
    expect(await provider.findCheckoutSession('pi_test_nobody')).toBeNull();
  });
});

describe('StripeProvider failures', () => {
  it('throws PaymentProviderError with Stripe’s message on a wrong key', async () => {
    const wrongKey = new StripeProvider({
      secretKey: 'sk_test_wrong_key_000000',
      apiBase: stripe.url,
      defaultReturnUrl: 'https://tally.example/billing',
    });
    const error: unknown = await wrongKey
      .startCheckout({ purchase: newPurchase(), orgName: 'Photo Booth', returnUrl: undefined })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PaymentProviderError);
    expect(error).toMatchObject({ status: 401 });
    expect((error as Error).message).toMatch(/^Stripe: Invalid API Key provided: sk_test_/);
    // The key itself is never echoed whole.
    expect((error as Error).message).not.toContain('sk_test_wrong_key_000000');
  });

  it('throws PaymentProviderError when Stripe cannot be reached', async () => {
    const closed = await startStripeApi({ secretKey: SECRET_KEY, webhookSecret: 'whsec_test' });
    await closed.close();
    const unreachable = new StripeProvider({
      secretKey: SECRET_KEY,
      apiBase: closed.url,
      defaultReturnUrl: 'https://tally.example/billing',
    });
    await expect(
      unreachable.check(newPurchase({ providerRef: 'cs_test_1' })),
    ).rejects.toMatchObject({
      name: 'PaymentProviderError',
      status: null,
      message: /Stripe could not be reached/,
    });
  });

  it('throws PaymentProviderError when Stripe takes too long', async () => {
    const slow = new StripeProvider({
      secretKey: SECRET_KEY,
      defaultReturnUrl: 'https://tally.example/billing',
      timeoutMs: 20,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    });
    await expect(slow.check(newPurchase({ providerRef: 'cs_test_1' }))).rejects.toThrow(
      PaymentProviderError,
    );
  });

  it('refuses a configuration that could never work', () => {
    const config = { secretKey: ' ', defaultReturnUrl: 'https://tally.example/billing' };
    expect(() => new StripeProvider(config)).toThrow(/secret key is empty/);
    expect(
      () => new StripeProvider({ secretKey: SECRET_KEY, defaultReturnUrl: 'not a url' }),
    ).toThrow();
  });
});
