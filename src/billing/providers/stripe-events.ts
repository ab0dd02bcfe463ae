/**
 * Stripe's webhook events, verified (stripe-webhook.ts) and read as what they mean for a purchase.
 * Only the events of a Checkout payment's life are read; every other type answers null, which the
 * webhook route acknowledges with 200 so that Stripe stops sending it.
 *
 * Which purchase an event is about:
 * - `checkout.session.*` carry the session: `providerRef` is its id, the purchase's own
 *   providerRef, `purchaseId` its `metadata.purchase_id` (or `client_reference_id`) and `orgId`
 *   its `metadata.org_id`.
 * - `charge.refunded` carries the Charge, which knows its PaymentIntent but not its session:
 *   `providerRef` is the PaymentIntent's id, which matches no purchase's providerRef. The purchase
 *   and org ids come from the charge's metadata: Checkout copies `payment_intent_data.metadata` onto the
 *   PaymentIntent, and a PaymentIntent's metadata is copied onto the Charge it creates when the
 *   charge is made (observed behaviour that integrations rely on, though Stripe's API reference
 *   does not promise it; metadata added to the PaymentIntent later is not copied). When it is
 *   missing, `purchaseId` is null and billing asks Stripe which session made the PaymentIntent
 *   (`StripeProvider.findCheckoutSession`), or simply `check`s the purchase later.
 *
 * Duplicates are harmless: the same delivery reads as the same event, id included, and billing's
 * transitions apply once.
 */
import { invalid, ok, type Result } from '../../core/refusal.js';
import type { PaymentCheck, PaymentEvent } from '../ports.js';
import { verifyStripeWebhook, type StripeEvent } from '../stripe-webhook.js';

type Json = Readonly<Record<string, unknown>>;

/**
 * The payment event in a webhook request, null for a type Tally ignores, or a refusal:
 * `signature_missing`, `signature_invalid`, `signature_expired`, or `invalid_request` on `body`.
 */
export function readStripeEvent(
  rawBody: Buffer | string,
  signatureHeader: string | undefined,
  secret: string,
  nowMs: number,
): Result<PaymentEvent | null> {
  const verified = verifyStripeWebhook(rawBody, signatureHeader, secret, nowMs);
  if (!verified.ok) return verified;
  const event = verified.value;
  // When Stripe says it happened, not when the delivery (perhaps a retry hours later) arrived.
  const at = event.created * 1000;
  switch (event.type) {
    case 'checkout.session.completed': {
      const status = event.data.object.payment_status;
      // "unpaid": the buyer chose a bank debit that is still clearing; async_payment_* follows.
      const paid = status === 'paid' || status === 'no_payment_required';
      return sessionEvent(event, paid ? { status: 'paid', at } : { status: 'pending' });
    }
    case 'checkout.session.async_payment_succeeded':
      return sessionEvent(event, { status: 'paid', at });
    case 'checkout.session.async_payment_failed':
      return sessionEvent(event, { status: 'failed', at, reason: 'payment failed' });
    case 'checkout.session.expired':
      return sessionEvent(event, { status: 'failed', at, reason: 'expired' });
    case 'charge.refunded':
      return refundEvent(event, at);
    default:
      return ok(null);
  }
}

function sessionEvent(event: StripeEvent, outcome: PaymentCheck): Result<PaymentEvent> {
  const session = event.data.object;
  if (typeof session.id !== 'string' || session.id === '') {
    return invalid('body', `event ${event.id} carries a Checkout Session without an id`);
  }
  const metadata = metadataOf(session);
  return ok({
    id: event.id,
    provider: 'stripe',
    providerRef: session.id,
    purchaseId: stringField(metadata, 'purchase_id') ?? stringField(session, 'client_reference_id'),
    orgId: stringField(metadata, 'org_id'),
    outcome,
  });
}

function refundEvent(event: StripeEvent, at: number): Result<PaymentEvent | null> {
  const charge = event.data.object;
  const { amount, amount_refunded: refunded } = charge;
  if (typeof amount !== 'number' || typeof refunded !== 'number') {
    return invalid('body', `event ${event.id} carries a charge without amounts`);
  }
  // Tally refunds whole purchases; a partial refund made in Stripe's dashboard is root's to
  // settle, and leaves the purchase paid.
  if (refunded < amount) return ok(null);
  const paymentIntent = idOf(charge.payment_intent);
  // A charge made without a PaymentIntent did not come from a Checkout Session of ours.
  if (paymentIntent === null) return ok(null);
  return ok({
    id: event.id,
    provider: 'stripe',
    providerRef: paymentIntent,
    purchaseId: stringField(metadataOf(charge), 'purchase_id'),
    orgId: stringField(metadataOf(charge), 'org_id'),
    outcome: { status: 'refunded', at },
  });
}

function metadataOf(object: Json): Json {
  return isJson(object.metadata) ? object.metadata : {};
}

function stringField(object: Json, field: string): string | null {
  const value = object[field];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** An expandable field's id: the string itself, or the expanded object's `id`. */
function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  return isJson(value) ? stringField(value, 'id') : null;
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
