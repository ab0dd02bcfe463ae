/**
 * Stripe Checkout as a payment provider, over Stripe's REST API with `fetch`: three endpoints do
 * not justify a 23 MB SDK at run time. The buyer pays on Stripe's hosted page; Stripe tells us by
 * webhook (stripe-events.ts), and `check` asks again when a webhook is late or lost.
 *
 * Amounts go to Stripe as they are stored, integer minor units of the purchase's currency, which
 * is what Stripe expects (see format-money.ts for how the two agree on the number of decimals).
 * Limits (Stripe's minimum charge, eight digits at most) are billing's to check, not ours.
 */
import type { Purchase } from '../model.js';
import type { Checkout, CheckoutRequest, PaymentCheck, PaymentProvider } from '../ports.js';
import { PaymentProviderError } from './payment-provider-error.js';
import { stripeForm, type StripeParam } from './stripe-form.js';

/**
 * The API version every request asks for, so that what we read does not change shape when the
 * account's default version is upgraded in Stripe's dashboard (`payment_intent.latest_charge`
 * needs 2022-11-15 or later). It is the version the `stripe` package of our tests pins. Webhook
 * payloads follow the endpoint's version instead, chosen where the endpoint is created;
 * stripe-events.ts reads only fields that every recent version has.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive';

export interface StripeProviderConfig {
  /** `sk_live_...` or `sk_test_...`, or a restricted key allowed Checkout Sessions and Refunds. */
  readonly secretKey: string;
  /** Defaults to https://api.stripe.com; tests point it at a local server. */
  readonly apiBase?: string;
  /** Where the buyer lands after paying or giving up when the request names no page. */
  readonly defaultReturnUrl: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** How long one request may take before it counts as failed; 30 s by default. */
  readonly timeoutMs?: number;
}

type Json = Readonly<Record<string, unknown>>;

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  private readonly apiBase: string;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly config: StripeProviderConfig) {
    // A blank key would send every request unauthenticated and fail on the first purchase.
    if (config.secretKey.trim() === '') throw new Error('the Stripe secret key is empty');
    this.apiBase = (config.apiBase ?? 'https://api.stripe.com').replace(/\/+$/, '');
    this.fetch = config.fetch ?? globalThis.fetch;
    this.now = config.now ?? Date.now;
    this.timeoutMs = config.timeoutMs ?? 30_000;
    // Fail at start-up, not at the first purchase, on a return URL that is not one.
    new URL(config.defaultReturnUrl);
  }

  async startCheckout(request: CheckoutRequest): Promise<Checkout> {
    const { purchase } = request;
    const returnUrl = request.returnUrl ?? this.config.defaultReturnUrl;
    const metadata = { purchase_id: purchase.id, org_id: purchase.orgId };
    const session = await this.call('POST', '/v1/checkout/sessions', {
      // A retry after a timeout gets the session the first attempt created, not a second one.
      idempotencyKey: `checkout-${purchase.id}`,
      form: {
        mode: 'payment',
        line_items: [
          {
            price_data: {
              currency: purchase.currency.toLowerCase(),
              unit_amount: purchase.amount,
              product_data: { name: purchase.description },
            },
            quantity: 1,
          },
        ],
        client_reference_id: purchase.id,
        metadata,
        // Copied by Stripe onto the PaymentIntent (and from it onto the Charge), so that refund
        // events, which carry the Charge and not the session, still name the purchase.
        payment_intent_data: { metadata },
        success_url: withOutcome(returnUrl, purchase.id, 'success'),
        cancel_url: withOutcome(returnUrl, purchase.id, 'cancelled'),
      },
    });
    return { providerRef: text(session, 'id'), paymentUrl: text(session, 'url') };
  }

  async check(purchase: Purchase): Promise<PaymentCheck> {
    const sessionId = requireSessionId(purchase);
    const session = await this.call(
      'GET',
      `/v1/checkout/sessions/${encodeURIComponent(sessionId)}?expand[]=payment_intent.latest_charge`,
    );
    const at = this.now();
    const charge = latestCharge(session);
    if (isFullyRefunded(charge)) return { status: 'refunded', at };
    if (session.status === 'expired') return { status: 'failed', at, reason: 'expired' };
    const paid =
      session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
    if (session.status === 'complete' && paid) return { status: 'paid', at };
    // A bank debit that bounced leaves the session complete and unpaid, with a failed charge.
    if (session.status === 'complete' && charge?.status === 'failed') {
      return { status: 'failed', at, reason: 'payment failed' };
    }
    // Open, or complete with a bank debit still clearing.
    return { status: 'pending' };
  }

  async refund(purchase: Purchase): Promise<void> {
    const sessionId = requireSessionId(purchase);
    const session = await this.call(
      'GET',
      `/v1/checkout/sessions/${encodeURIComponent(sessionId)}`,
    );
    const paymentIntent = idOf(session.payment_intent);
    if (paymentIntent === null) {
      throw new PaymentProviderError('stripe', `Checkout Session ${sessionId} has no payment`);
    }
    await this.call('POST', '/v1/refunds', {
      // Refunding twice would give the money back twice; Stripe answers a replay with the first.
      idempotencyKey: `refund-${purchase.id}`,
      form: { payment_intent: paymentIntent, metadata: { purchase_id: purchase.id } },
    });
  }

  /**
   * The Checkout Session that created `paymentIntentId`, or null: how billing finds the purchase
   * of a refund event (which names the PaymentIntent) when the charge carried no purchase id.
   */
  async findCheckoutSession(paymentIntentId: string): Promise<string | null> {
    const list = await this.call(
      'GET',
      `/v1/checkout/sessions?payment_intent=${encodeURIComponent(paymentIntentId)}&limit=1`,
    );
    const first: unknown = Array.isArray(list.data) ? list.data[0] : undefined;
    return isJson(first) && typeof first.id === 'string' ? first.id : null;
  }

  /** One API call; anything but a 2xx JSON object throws a PaymentProviderError. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    options: { form?: { readonly [key: string]: StripeParam }; idempotencyKey?: string } = {},
  ): Promise<Json> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.config.secretKey}`,
      'stripe-version': STRIPE_API_VERSION,
    };
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | undefined;
    if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = stripeForm(options.form).toString();
    }
    let response: Response;
    let payload: unknown;
    try {
      response = await this.fetch(`${this.apiBase}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      payload = await response.json().catch(() => undefined);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new PaymentProviderError(
        'stripe',
        `Stripe could not be reached: ${reason}`,
        null,
        null,
        {
          cause: error,
        },
      );
    }
    if (!response.ok) {
      const failure = isJson(payload) && isJson(payload.error) ? payload.error : {};
      const message =
        typeof failure.message === 'string' ? failure.message : `HTTP ${response.status}`;
      const code = typeof failure.code === 'string' ? failure.code : null;
      throw new PaymentProviderError('stripe', `Stripe: ${message}`, response.status, code);
    }
    if (!isJson(payload)) {
      throw new PaymentProviderError(
        'stripe',
        'Stripe answered something other than JSON',
        response.status,
      );
    }
    return payload;
  }
}

/** `returnUrl` with `purchase` and `status` set in its query, keeping what it already had. */
function withOutcome(
  returnUrl: string,
  purchaseId: string,
  status: 'success' | 'cancelled',
): string {
  const url = new URL(returnUrl);
  url.searchParams.set('purchase', purchaseId);
  url.searchParams.set('status', status);
  return url.toString();
}

function requireSessionId(purchase: Purchase): string {
  if (purchase.providerRef === null) {
    // Its checkout never started, so Stripe knows nothing of it.
    throw new PaymentProviderError('stripe', `purchase ${purchase.id} has no Checkout Session`);
  }
  return purchase.providerRef;
}

/** The session's expanded `payment_intent.latest_charge`, when there is one. */
function latestCharge(session: Json): Json | undefined {
  const paymentIntent = session.payment_intent;
  if (!isJson(paymentIntent)) return undefined;
  return isJson(paymentIntent.latest_charge) ? paymentIntent.latest_charge : undefined;
}

/** Tally refunds whole purchases; a partial refund made in Stripe's dashboard leaves it paid. */
function isFullyRefunded(charge: Json | undefined): boolean {
  if (charge === undefined) return false;
  const { amount, amount_refunded: refunded } = charge;
  return typeof amount === 'number' && typeof refunded === 'number' && refunded >= amount;
}

/** An expandable field's id: the string itself, or the expanded object's `id`. */
function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return isJson(value) && typeof value.id === 'string' ? value.id : null;
}

function text(object: Json, field: string): string {
  const value = object[field];
  if (typeof value !== 'string') {
    throw new PaymentProviderError('stripe', `Stripe's answer has no ${field}`);
  }
  return value;
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
