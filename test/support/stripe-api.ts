/**
 * A stand-in for Stripe on loopback, for tests: a real HTTP server speaking the part of Stripe's
 * API that StripeProvider uses (Checkout Sessions, their PaymentIntent and Charge, Refunds), with
 * Stripe's form encoding, JSON shapes, errors, Bearer keys and idempotency keys. A test also acts
 * through it as the buyer (`complete`, `settle`), as an operator in Stripe's dashboard (`expire`,
 * `refund`) and as Stripe's webhook sender (`event`), whose signature is made by the official
 * `stripe` package, so that what our verifier accepts is exactly what Stripe sends.
 *
 * State is in memory and per server; ids look like Stripe's test-mode ids (`cs_test_...`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../src/billing/providers/stripe-provider.js';

export interface StripeApiOptions {
  /** The secret key requests must carry as `Authorization: Bearer ...`. */
  readonly secretKey: string;
  /** The endpoint secret (`whsec_...`) that `event` signs with. */
  readonly webhookSecret: string;
}

export interface StripeSession {
  readonly id: string;
  readonly object: 'checkout.session';
  readonly url: string | null;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid' | 'no_payment_required';
  payment_intent: string | null;
  readonly metadata: Record<string, string>;
  readonly client_reference_id: string | null;
  readonly amount_total: number;
  readonly currency: string;
  readonly mode: 'payment';
  readonly success_url: string;
  readonly cancel_url: string;
  readonly created: number;
  readonly expires_at: number;
  readonly livemode: false;
  /** What the session asked for, as decoded from the form (for tests that check encoding). */
  readonly lineItem: { name: string; unitAmount: number; quantity: number };
  /** `payment_intent_data[metadata]`: put on the PaymentIntent when the buyer pays. */
  readonly paymentIntentMetadata: Record<string, string>;
}

export interface StripePaymentIntent {
  readonly id: string;
  readonly object: 'payment_intent';
  readonly amount: number;
  readonly currency: string;
  status: 'processing' | 'succeeded' | 'requires_payment_method';
  latest_charge: string | null;
  readonly metadata: Record<string, string>;
}

export interface StripeCharge {
  readonly id: string;
  readonly object: 'charge';
  readonly amount: number;
  amount_refunded: number;
  refunded: boolean;
  readonly currency: string;
  readonly payment_intent: string;
  status: 'pending' | 'succeeded' | 'failed';
  paid: boolean;
  /** Copied from the PaymentIntent when the charge is made, as Stripe does. */
  readonly metadata: Record<string, string>;
}

export interface StripeRefund {
  readonly id: string;
  readonly object: 'refund';
  readonly amount: number;
  readonly charge: string;
  readonly payment_intent: string;
  readonly currency: string;
  readonly status: 'succeeded';
  readonly metadata: Record<string, string>;
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly path: string;
  /** The form body, flat as sent: `{ 'line_items[0][quantity]': '1', ... }`. */
  readonly form: Readonly<Record<string, string>>;
  readonly idempotencyKey: string | undefined;
  readonly stripeVersion: string | undefined;
}

/** A webhook delivery as Stripe would POST it: the raw body and its `Stripe-Signature`. */
export interface SignedEvent {
  readonly id: string;
  readonly body: string;
  readonly header: string;
}

export interface StripeApi {
  /** The base URL, to give StripeProvider as `apiBase`. */
  readonly url: string;
  readonly sessions: ReadonlyMap<string, StripeSession>;
  readonly paymentIntents: ReadonlyMap<string, StripePaymentIntent>;
  readonly charges: ReadonlyMap<string, StripeCharge>;
  readonly refunds: ReadonlyMap<string, StripeRefund>;
  /** Every API request received, oldest first (the pretend checkout page is not recorded). */
  readonly requests: readonly RecordedRequest[];
  /**
   * The buyer pays: a PaymentIntent and its Charge are made. `paymentStatus: 'unpaid'` is a bank
   * debit still clearing (the session completes unpaid); `settle` ends it.
   */
  complete(sessionId: string, options?: { paymentStatus?: 'paid' | 'unpaid' }): StripeSession;
  /** An async payment of a completed, unpaid session clears or fails. */
  settle(sessionId: string, outcome: 'succeeded' | 'failed'): StripeSession;
  /** The session expires unpaid (Stripe does this after 24 h, or an operator does it early). */
  expire(sessionId: string): StripeSession;
  /** A refund made outside Tally, in Stripe's dashboard; the whole charge unless `amount`. */
  refund(sessionId: string, amount?: number): StripeRefund;
  /**
   * The webhook event Stripe would send now about the session: `checkout.session.*` carry the
   * session, `charge.refunded` (and other `charge.*`) its charge, `payment_intent.*` its
   * PaymentIntent, any other type the session. Signed with `webhookSecret` at `timestamp`
   * (seconds; now by default), which is also the event's `created`.
   */
  event(type: string, sessionId: string, options?: { timestamp?: number }): SignedEvent;
  close(): Promise<void>;
}

/** Stripe's error envelope, thrown inside the handler and answered as JSON. */
class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

type Form = { [key: string]: string | Form };

const CHECKOUT_PARAMS = new Set([
  'mode',
  'line_items',
  'client_reference_id',
  'metadata',
  'payment_intent_data',
  'success_url',
  'cancel_url',
]);

export async function startStripeApi(options: StripeApiOptions): Promise<StripeApi> {
  const sessions = new Map<string, StripeSession>();
  const paymentIntents = new Map<string, StripePaymentIntent>();
  const charges = new Map<string, StripeCharge>();
  const refunds = new Map<string, StripeRefund>();
  const requests: RecordedRequest[] = [];
  /** First answer per idempotency key, replayed to a retry with the same request. */
  const idempotent = new Map<string, { fingerprint: string; status: number; body: string }>();
  let baseUrl = '';

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const newId = (prefix: string) => `${prefix}_test_${randomBytes(12).toString('hex')}`;

  function sessionOf(id: string): StripeSession {
    const session = sessions.get(id);
    if (session === undefined) {
      throw new StripeApiError(
        404,
        'invalid_request_error',
        `No such checkout.session: '${id}'`,
        'resource_missing',
        'session',
      );
    }
    return session;
  }

  function chargeOf(session: StripeSession): StripeCharge {
    const intent =
      session.payment_intent === null ? undefined : paymentIntents.get(session.payment_intent);
    const chargeId = intent?.latest_charge ?? null;
    const charge = chargeId === null ? undefined : charges.get(chargeId);
    if (charge === undefined) {
      throw new StripeApiError(400, 'invalid_request_error', `${session.id} has no payment yet`);
    }
    return charge;
  }

  function createSession(form: Form): StripeSession {
    for (const key of Object.keys(form)) {
      if (!CHECKOUT_PARAMS.has(key)) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `Received unknown parameter: ${key}`,
          'parameter_unknown',
          key,
        );
      }
    }
    if (leaf(form, 'mode') !== 'payment') {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'Only mode=payment is simulated',
        'parameter_invalid',
        'mode',
      );
    }
    const currency = required(form, 'line_items', '0', 'price_data', 'currency');
    if (currency !== currency.toLowerCase()) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Invalid currency: ${currency}`,
        'parameter_invalid',
        'currency',
      );
    }
    const unitAmount = integer(form, 'line_items', '0', 'price_data', 'unit_amount');
    const quantity = integer(form, 'line_items', '0', 'quantity');
    const name = required(form, 'line_items', '0', 'price_data', 'product_data', 'name');
    const id = newId('cs');
    const created = nowSeconds();
    const session: StripeSession = {
      id,
      object: 'checkout.session',
      url: `${baseUrl}/c/pay/${id}`,
      status: 'open',
      payment_status: 'unpaid',
      // Since API version 2022-08-01 the PaymentIntent is made when the buyer pays.
      payment_intent: null,
      metadata: strings(form.metadata),
      client_reference_id: leaf(form, 'client_reference_id') ?? null,
      amount_total: unitAmount * quantity,
      currency,
      mode: 'payment',
      success_url: required(form, 'success_url'),
      cancel_url: required(form, 'cancel_url'),
      created,
      expires_at: created + 24 * 3600,
      livemode: false,
      lineItem: { name, unitAmount, quantity },
      paymentIntentMetadata: strings(branch(form, 'payment_intent_data')?.metadata),
    };
    sessions.set(id, session);
    return session;
  }

  /** The session as Stripe answers it, with `payment_intent` (and its charge) expanded if asked. */
  function sessionJson(session: StripeSession, expand: readonly string[]): unknown {
    const { lineItem: _lineItem, paymentIntentMetadata: _metadata, ...json } = session;
    const intent =
      session.payment_intent === null ? undefined : paymentIntents.get(session.payment_intent);
    if (intent === undefined || !expand.some((path) => path.startsWith('payment_intent')))
      return json;
    const charge =
      intent.latest_charge === null ? null : (charges.get(intent.latest_charge) ?? null);
    const latestCharge = expand.includes('payment_intent.latest_charge')
      ? charge
      : intent.latest_charge;
    return { ...json, payment_intent: { ...intent, latest_charge: latestCharge } };
  }

  function refundCharge(
    charge: StripeCharge,
    amount: number | undefined,
    metadata: Record<string, string>,
  ): StripeRefund {
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining === 0) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Charge ${charge.id} has already been refunded.`,
        'charge_already_refunded',
      );
    }
    const refunded = amount ?? remaining;
    if (refunded <= 0 || refunded > remaining) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Refund amount (${refunded}) is greater than unrefunded amount on charge (${remaining})`,
        'amount_too_large',
        'amount',
      );
    }
    charge.amount_refunded += refunded;
    charge.refunded = charge.amount_refunded === charge.amount;
    const refund: StripeRefund = {
      id: newId('re'),
      object: 'refund',
      amount: refunded,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      currency: charge.currency,
      status: 'succeeded',
      metadata,
    };
    refunds.set(refund.id, refund);
    return refund;
  }

  function route(method: string, url: URL, form: Form): { status: number; body: unknown } {
    const path = url.pathname;
    const expand = url.searchParams.getAll('expand[]');
    const sessionPath = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      return { status: 200, body: sessionJson(createSession(form), []) };
    }
    if (method === 'GET' && sessionPath?.[1] !== undefined) {
      return {
        status: 200,
        body: sessionJson(sessionOf(decodeURIComponent(sessionPath[1])), expand),
      };
    }
    if (method === 'GET' && path === '/v1/checkout/sessions') {
      const paymentIntent = url.searchParams.get('payment_intent');
      const data = [...sessions.values()]
        .filter((session) => paymentIntent === null || session.payment_intent === paymentIntent)
        .map((session) => sessionJson(session, expand));
      return { status: 200, body: { object: 'list', url: path, has_more: false, data } };
    }
    const intentPath = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && intentPath?.[1] !== undefined) {
      const intent = paymentIntents.get(decodeURIComponent(intentPath[1]));
      if (intent === undefined) {
        throw new StripeApiError(
          404,
          'invalid_request_error',
          `No such payment_intent: '${intentPath[1]}'`,
          'resource_missing',
          'intent',
        );
      }
      const charge =
        intent.latest_charge === null ? null : (charges.get(intent.latest_charge) ?? null);
      return {
        status: 200,
        body: expand.includes('latest_charge') ? { ...intent, latest_charge: charge } : intent,
      };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const paymentIntentId = leaf(form, 'payment_intent');
      const intent =
        paymentIntentId === undefined ? undefined : paymentIntents.get(paymentIntentId);
      if (intent === undefined) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `No such payment_intent: '${paymentIntentId ?? ''}'`,
          'resource_missing',
          'payment_intent',
        );
      }
      const charge = intent.latest_charge === null ? undefined : charges.get(intent.latest_charge);
      if (charge === undefined || charge.status !== 'succeeded') {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `PaymentIntent ${intent.id} has no successful charge to refund`,
          'charge_not_refundable',
        );
      }
      const amount = leaf(form, 'amount') === undefined ? undefined : integer(form, 'amount');
      return { status: 200, body: refundCharge(charge, amount, strings(form.metadata)) };
    }
    throw new StripeApiError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${method}: ${path}).`,
    );
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const url = new URL(request.url ?? '/', baseUrl);
    const method = request.method ?? 'GET';
    if (method === 'GET' && url.pathname.startsWith('/c/pay/')) {
      // The hosted payment page: a test that follows paymentUrl lands somewhere real.
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>Stripe Checkout (test)</title><p>Pay here.</p>');
      return;
    }
    const idempotencyKey = header(request, 'idempotency-key');
    const flat = Object.fromEntries(new URLSearchParams(raw));
    requests.push({
      method,
      path: request.url ?? '/',
      form: flat,
      idempotencyKey,
      stripeVersion: header(request, 'stripe-version'),
    });
    const send = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body);
    };
    const key = header(request, 'authorization')?.match(/^Bearer (.+)$/)?.[1];
    if (key !== options.secretKey) {
      const message =
        key === undefined
          ? 'You did not provide an API key.'
          : `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
      send(401, errorBody(new StripeApiError(401, 'invalid_request_error', message)));
      return;
    }
    // Stripe replays the first answer to a POST with the same key, and refuses other parameters.
    const fingerprint = `${method} ${url.pathname} ${raw}`;
    const replay =
      method === 'POST' && idempotencyKey !== undefined
        ? idempotent.get(idempotencyKey)
        : undefined;
    if (replay !== undefined) {
      if (replay.fingerprint !== fingerprint) {
        const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`;
        send(400, errorBody(new StripeApiError(400, 'idempotency_error', message)));
      } else {
        send(replay.status, replay.body);
      }
      return;
    }
    let status: number;
    let body: string;
    try {
      const answer = route(method, url, decodeForm(raw));
      status = answer.status;
      body = JSON.stringify(answer.body);
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      status = error.status;
      body = errorBody(error);
    }
    if (method === 'POST' && idempotencyKey !== undefined) {
      idempotent.set(idempotencyKey, { fingerprint, status, body });
    }
    send(status, body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: StripeApi = {
    url: baseUrl,
    sessions,
    paymentIntents,
    charges,
    refunds,
    requests,

    complete(sessionId, { paymentStatus = 'paid' } = {}) {
      const session = sessionOf(sessionId);
      if (session.status !== 'open') throw new Error(`${sessionId} is ${session.status}, not open`);
      const intent: StripePaymentIntent = {
        id: newId('pi'),
        object: 'payment_intent',
        amount: session.amount_total,
        currency: session.currency,
        status: paymentStatus === 'paid' ? 'succeeded' : 'processing',
        latest_charge: null,
        metadata: { ...session.paymentIntentMetadata },
      };
      const charge: StripeCharge = {
        id: newId('ch'),
        object: 'charge',
        amount: session.amount_total,
        amount_refunded: 0,
        refunded: false,
        currency: session.currency,
        payment_intent: intent.id,
        status: paymentStatus === 'paid' ? 'succeeded' : 'pending',
        paid: paymentStatus === 'paid',
        metadata: { ...intent.metadata },
      };
      intent.latest_charge = charge.id;
      paymentIntents.set(intent.id, intent);
      charges.set(charge.id, charge);
      session.status = 'complete';
      session.payment_status = paymentStatus;
      session.payment_intent = intent.id;
      return session;
    },

    settle(sessionId, outcome) {
      const session = sessionOf(sessionId);
      const charge = chargeOf(session);
      if (session.status !== 'complete' || session.payment_status !== 'unpaid') {
        throw new Error(`${sessionId} has no payment still clearing`);
      }
      const intent = paymentIntents.get(charge.payment_intent);
      if (outcome === 'succeeded') {
        session.payment_status = 'paid';
        charge.status = 'succeeded';
        charge.paid = true;
        if (intent !== undefined) intent.status = 'succeeded';
      } else {
        charge.status = 'failed';
        if (intent !== undefined) intent.status = 'requires_payment_method';
      }
      return session;
    },

    expire(sessionId) {
      const session = sessionOf(sessionId);
      if (session.status !== 'open') throw new Error(`${sessionId} is ${session.status}, not open`);
      session.status = 'expired';
      return session;
    },

    refund(sessionId, amount) {
      return refundCharge(chargeOf(sessionOf(sessionId)), amount, {});
    },

    event(type, sessionId, { timestamp = nowSeconds() } = {}) {
      const session = sessionOf(sessionId);
      let object: unknown;
      if (type.startsWith('charge.')) object = chargeOf(session);
      else if (type.startsWith('payment_intent.')) {
        object = paymentIntents.get(chargeOf(session).payment_intent);
      } else object = sessionJson(session, []);
      const id = newId('evt');
      const event = {
        id,
        object: 'event',
        api_version: STRIPE_API_VERSION,
        created: timestamp,
        data: { object },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      };
      // Stripe sends events pretty-printed; the signature covers these exact bytes.
      const body = JSON.stringify(event, null, 2);
      const header = Stripe.webhooks.generateTestHeaderString({
        payload: body,
        secret: options.webhookSecret,
        timestamp,
      });
      return { id, body, header };
    },

    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this close waits for them to time out.
        server.closeAllConnections();
      });
    },
  };
  return api;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Stripe's bracket syntax decoded, written here on its own rather than shared with the provider's
 * encoder, so that a mistake in one is caught by the other: `a[b][0]=x` is `{ a: { b: { 0: 'x' } } }`.
 */
function decodeForm(raw: string): Form {
  const form: Form = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
    if (match === null)
      throw new StripeApiError(400, 'invalid_request_error', `Invalid parameter name: ${name}`);
    const keys = [
      match[1] ?? '',
      ...[...(match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? ''),
    ];
    let node = form;
    keys.forEach((key, index) => {
      if (index === keys.length - 1) {
        node[key] = value;
        return;
      }
      const next = node[key] ?? {};
      if (typeof next === 'string') {
        throw new StripeApiError(400, 'invalid_request_error', `Invalid parameter: ${name}`);
      }
      node[key] = next;
      node = next;
    });
  }
  return form;
}

function branch(form: Form, key: string): Form | undefined {
  const value = form[key];
  return typeof value === 'object' ? value : undefined;
}

function leaf(form: Form, ...path: string[]): string | undefined {
  let node: string | Form | undefined = form;
  for (const key of path) node = typeof node === 'object' ? node[key] : undefined;
  return typeof node === 'string' ? node : undefined;
}

function required(form: Form, ...path: string[]): string {
  const value = leaf(form, ...path);
  const param = path.map((key, index) => (index === 0 ? key : `[${key}]`)).join('');
  if (value === undefined || value === '') {
    throw new StripeApiError(
      400,
      'invalid_request_error',
      `Missing required param: ${param}.`,
      'parameter_missing',
      param,
    );
  }
  return value;
}

function integer(form: Form, ...path: string[]): number {
  const value = required(form, ...path);
  if (!/^\d+$/.test(value)) {
    const param = path.join('.');
    throw new StripeApiError(
      400,
      'invalid_request_error',
      `Invalid integer: ${value}`,
      'parameter_invalid_integer',
      param,
    );
  }
  return Number(value);
}

function strings(value: string | Form | undefined): Record<string, string> {
  if (typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, item]) => (typeof item === 'string' ? [[key, item]] : [])),
  );
}

function errorBody(error: StripeApiError): string {
  return JSON.stringify({
    error: {
      type: error.type,
      message: error.message,
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.param === undefined ? {} : { param: error.param }),
    },
  });
}
