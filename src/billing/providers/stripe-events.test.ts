import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeApi, type StripeApi } from '../../../test/support/stripe-api.js';
import type { Result } from '../../core/refusal.js';
import type { PaymentEvent } from '../ports.js';
import { readStripeEvent } from './stripe-events.js';

const SECRET_KEY = 'sk_test_tally_events';
const WEBHOOK_SECRET = 'whsec_tally_events_0123456789';
const SENT_AT = 1_795_000_000; // Unix seconds.
const NOW_MS = (SENT_AT + 3) * 1000;

let stripe: StripeApi;

beforeAll(async () => {
  stripe = await startStripeApi({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
});

afterAll(async () => {
  await stripe.close();
});

/**
 * A Checkout Session created through the API as StripeProvider creates it (the metadata is what
 * matters here), for purchase `purchaseId` of org_booth.
 */
async function newSession(purchaseId: string): Promise<string> {
  const form = new URLSearchParams({
    mode: 'payment',
    'line_items[0][price_data][currency]': 'usd',
    'line_items[0][price_data][unit_amount]': '2500',
    'line_items[0][price_data][product_data][name]': 'Starter pack',
    'line_items[0][quantity]': '1',
    client_reference_id: purchaseId,
    'metadata[purchase_id]': purchaseId,
    'metadata[org_id]': 'org_booth',
    'payment_intent_data[metadata][purchase_id]': purchaseId,
    'payment_intent_data[metadata][org_id]': 'org_booth',
    success_url: 'https://tally.example/billing?status=success',
    cancel_url: 'https://tally.example/billing?status=cancelled',
  });
  const response = await fetch(`${stripe.url}/v1/checkout/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SECRET_KEY}` },
    body: form,
  });
  const session = (await response.json()) as { id: string };
  return session.id;
}

/** Reads the event Stripe would send now about `sessionId`. */
function read(type: string, sessionId: string, nowMs = NOW_MS): Result<PaymentEvent | null> {
  const { body, header } = stripe.event(type, sessionId, { timestamp: SENT_AT });
  return readStripeEvent(body, header, WEBHOOK_SECRET, nowMs);
}

function codeOf(result: Result<unknown>): string {
  return result.ok ? 'ok' : result.refusal.code;
}

describe('readStripeEvent', () => {
  it('reads a paid checkout.session.completed as paid, at the event’s time', async () => {
    const sessionId = await newSession('pur_paid');
    stripe.complete(sessionId);
    const { id, body, header } = stripe.event('checkout.session.completed', sessionId, {
      timestamp: SENT_AT,
    });
    expect(readStripeEvent(Buffer.from(body), header, WEBHOOK_SECRET, NOW_MS)).toEqual({
      ok: true,
      value: {
        id,
        provider: 'stripe',
        providerRef: sessionId,
        purchaseId: 'pur_paid',
        orgId: 'org_booth',
        outcome: { status: 'paid', at: SENT_AT * 1000 },
      },
    });
  });

  it('reads an unpaid completion as pending, then the async payment’s outcome', async () => {
    const clears = await newSession('pur_async_ok');
    stripe.complete(clears, { paymentStatus: 'unpaid' });
    expect(read('checkout.session.completed', clears)).toMatchObject({
      ok: true,
      value: { providerRef: clears, outcome: { status: 'pending' } },
    });
    stripe.settle(clears, 'succeeded');
    expect(read('checkout.session.async_payment_succeeded', clears)).toMatchObject({
      ok: true,
      value: { purchaseId: 'pur_async_ok', outcome: { status: 'paid', at: SENT_AT * 1000 } },
    });

    const bounces = await newSession('pur_async_ko');
    stripe.complete(bounces, { paymentStatus: 'unpaid' });
    stripe.settle(bounces, 'failed');
    expect(read('checkout.session.async_payment_failed', bounces)).toMatchObject({
      ok: true,
      value: {
        purchaseId: 'pur_async_ko',
        outcome: { status: 'failed', at: SENT_AT * 1000, reason: 'payment failed' },
      },
    });
  });

  it('reads checkout.session.expired as failed, expired', async () => {
    const sessionId = await newSession('pur_expired');
    stripe.expire(sessionId);
    expect(read('checkout.session.expired', sessionId)).toMatchObject({
      ok: true,
      value: {
        providerRef: sessionId,
        purchaseId: 'pur_expired',
        outcome: { status: 'failed', at: SENT_AT * 1000, reason: 'expired' },
      },
    });
  });

  it('reads a full charge.refunded by its PaymentIntent, with the purchase from the charge metadata', async () => {
    const sessionId = await newSession('pur_refunded');
    const session = stripe.complete(sessionId);
    stripe.refund(sessionId, 1000);
    // A partial refund (made in Stripe's dashboard) is not a refund of the purchase.
    expect(read('charge.refunded', sessionId)).toEqual({ ok: true, value: null });
    stripe.refund(sessionId);
    expect(read('charge.refunded', sessionId)).toMatchObject({
      ok: true,
      value: {
        provider: 'stripe',
        providerRef: session.payment_intent,
        purchaseId: 'pur_refunded',
        orgId: 'org_booth',
        outcome: { status: 'refunded', at: SENT_AT * 1000 },
      },
    });
  });

  it('answers null for the types Tally does not read', async () => {
    const sessionId = await newSession('pur_other');
    stripe.complete(sessionId);
    for (const type of ['payment_intent.succeeded', 'charge.succeeded', 'customer.created']) {
      expect(read(type, sessionId), type).toEqual({ ok: true, value: null });
    }
  });

  it('reads a duplicate delivery as the same event', async () => {
    const sessionId = await newSession('pur_twice');
    stripe.complete(sessionId);
    const { body, header } = stripe.event('checkout.session.completed', sessionId, {
      timestamp: SENT_AT,
    });
    const first = readStripeEvent(body, header, WEBHOOK_SECRET, NOW_MS);
    const retry = readStripeEvent(body, header, WEBHOOK_SECRET, NOW_MS + 60_000);
    expect(first.ok).toBe(true);
    expect(retry).toEqual(first);
  });
});

describe('readStripeEvent refusals', () => {
  let signed: { body: string; header: string };

  beforeAll(async () => {
    const sessionId = await newSession('pur_refusals');
    stripe.complete(sessionId);
    signed = stripe.event('checkout.session.completed', sessionId, { timestamp: SENT_AT });
  });

  it('answers signature_invalid for a tampered body', () => {
    const tampered = signed.body.replace('"paid"', '"no_payment_required"');
    expect(tampered).not.toBe(signed.body);
    expect(codeOf(readStripeEvent(tampered, signed.header, WEBHOOK_SECRET, NOW_MS))).toBe(
      'signature_invalid',
    );
    expect(codeOf(readStripeEvent(signed.body, signed.header, 'whsec_other', NOW_MS))).toBe(
      'signature_invalid',
    );
  });

  it('answers signature_expired for a genuine event older than five minutes', () => {
    const late = (SENT_AT + 301) * 1000;
    expect(codeOf(readStripeEvent(signed.body, signed.header, WEBHOOK_SECRET, late))).toBe(
      'signature_expired',
    );
  });

  it('answers signature_missing without the Stripe-Signature header', () => {
    expect(codeOf(readStripeEvent(signed.body, undefined, WEBHOOK_SECRET, NOW_MS))).toBe(
      'signature_missing',
    );
  });

  it('answers invalid_request on the body for a signed body that is not JSON', () => {
    const body = 'this is not JSON';
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: WEBHOOK_SECRET,
      timestamp: SENT_AT,
    });
    expect(readStripeEvent(body, header, WEBHOOK_SECRET, NOW_MS)).toEqual({
      ok: false,
      refusal: expect.objectContaining({ code: 'invalid_request', details: { field: 'body' } }),
    });
  });

  it('answers invalid_request on the body for a signed session event without an id', () => {
    const body = JSON.stringify({
      id: 'evt_1',
      type: 'checkout.session.completed',
      created: SENT_AT,
      data: { object: { payment_status: 'paid' } },
    });
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: body,
      secret: WEBHOOK_SECRET,
      timestamp: SENT_AT,
    });
    const result = readStripeEvent(body, header, WEBHOOK_SECRET, NOW_MS);
    expect(result.ok ? null : result.refusal).toMatchObject({
      code: 'invalid_request',
      details: { field: 'body' },
    });
  });
});
