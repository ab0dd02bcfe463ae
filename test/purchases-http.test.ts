/**
 * Plans, packs and purchases end to end over HTTP, with Stripe played by a real HTTP server on
 * loopback and webhooks signed with Stripe's own scheme: credits arrive exactly once, when and
 * only when the payment is confirmed, whatever duplicates, reorderings and retries arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfText } from './support/pdf-text.js';
import { startStripeApi, type StripeApi } from './support/stripe-api.js';
import {
  startTestServer,
  type Client,
  type HttpAnswer,
  type TestServer,
} from './support/server.js';
import { openTableCounter, type TableCounter } from './support/table-counts.js';

const WEBHOOK_SECRET = 'whsec_test_tally';
const STRIPE_KEY = 'sk_test_tally';

describe('plans, packs and purchases over HTTP', () => {
  let server: TestServer;
  let stripe: StripeApi;
  let tables: TableCounter;
  let root: Client;
  let anyone: Client;
  let org: string;
  let admin: Client;
  let operator: Client;
  let viewer: Client;
  let otherAdmin: Client;
  let otherOrg: string;

  const put = (client: Client, path: string, body: unknown) =>
    client.request('PUT', path, { body });

  function expectProblem(answer: HttpAnswer, status: number, code: string) {
    expect(answer.status, answer.text.slice(0, 400)).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body.code).toBe(code);
  }

  async function keyFor(orgId: string, role: string): Promise<Client> {
    const made = await root.post(`/v1/orgs/${orgId}/api-keys`, { name: `${role} key`, role });
    expect(made.status).toBe(201);
    return server.client(made.body.secret);
  }

  const available = async (orgId = org) =>
    (await root.get(`/v1/orgs/${orgId}/balance`)).body.available as string;

  const webhook = (event: { body: string; header: string }) =>
    anyone.request('POST', '/v1/webhooks/stripe', {
      raw: event.body,
      headers: { 'stripe-signature': event.header, 'content-type': 'application/json' },
    });

  const sessionOf = (purchase: { id: string }) => {
    const session = [...stripe.sessions.values()].find(
      (candidate) => candidate.client_reference_id === purchase.id,
    );
    if (!session) throw new Error(`no Stripe session for ${purchase.id}`);
    return session;
  };

  beforeAll(async () => {
    stripe = await startStripeApi({ secretKey: STRIPE_KEY, webhookSecret: WEBHOOK_SECRET });
    server = await startTestServer({
      STRIPE_SECRET_KEY: STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: stripe.url,
    });
    tables = await openTableCounter(server);
    root = server.client(server.rootKey);
    anyone = server.client();
    org = (await root.post('/v1/orgs', { name: 'Booth Co', timezone: 'Europe/Paris' })).body.id;
    otherOrg = (await root.post('/v1/orgs', { name: 'Other' })).body.id;
    admin = await keyFor(org, 'admin');
    operator = await keyFor(org, 'operator');
    viewer = await keyFor(org, 'viewer');
    otherAdmin = await keyFor(otherOrg, 'admin');
    await put(root, '/v1/features/image', {
      name: 'Image',
      prices: [{ unit: 'action', credits: 8 }],
      effectiveAt: '2020-01-01T00:00:00Z',
    });
  });
  afterAll(async () => {
    await tables?.close();
    await server?.close();
    await stripe?.close();
  });

  describe('plans and packs', () => {
    it('lists the plans and packs a fresh installation sells', async () => {
      const plans = (await viewer.get('/v1/plans')).body.data;
      expect(plans.map((plan: { id: string }) => plan.id)).toEqual(['basic', 'payg', 'pro']);
      expect(plans.find((plan: { id: string }) => plan.id === 'basic')).toMatchObject({
        currency: 'USD',
        pricePerCredit: 2,
        pricePerCreditFormatted: '0.02',
        monthlyFee: 2900,
        monthlyFeeFormatted: '29.00',
        monthlyAllowance: '1500',
        expires: true,
      });
      const packs = (await viewer.get('/v1/packs')).body.data;
      expect(packs[0]).toMatchObject({
        id: 'starter',
        credits: '2500',
        price: 2500,
        priceFormatted: '25.00',
        currency: 'USD',
      });
    });

    it('lets root define plans and packs, and nobody else', async () => {
      const plan = { name: 'Team', currency: 'EUR', pricePerCredit: 1, monthlyFee: 4900 };
      expectProblem(await put(admin, '/v1/plans/team', plan), 403, 'forbidden');
      const made = await put(root, '/v1/plans/team', {
        ...plan,
        monthlyAllowance: '2000',
        description: 'For teams',
      });
      expect(made.status).toBe(200);
      expect(made.body).toMatchObject({ id: 'team', expires: true, monthlyAllowance: '2000' });
      const archived = await put(root, '/v1/plans/team', { ...plan, archived: true });
      expect(archived.body.archivedAt).toEqual(expect.any(String));
      const pack = await put(root, '/v1/packs/mini', {
        name: 'Mini',
        credits: 500,
        price: 700,
        currency: 'USD',
      });
      expect(pack.body).toMatchObject({ id: 'mini', credits: '500', priceFormatted: '7.00' });
      expectProblem(await put(operator, '/v1/packs/mini', { name: 'x' }), 403, 'forbidden');
    });

    it('refuses bad plans and packs and writes nothing', async () => {
      const before = await tables.counts();
      const good = { name: 'Bad', currency: 'USD', pricePerCredit: 1 };
      for (const [body, field] of [
        [{ ...good, currency: 'usd' }, 'currency'],
        [{ ...good, currency: 'XYZ' }, 'currency'],
        [{ ...good, pricePerCredit: -1 }, 'pricePerCredit'],
        [{ ...good, pricePerCredit: 1.5 }, 'pricePerCredit'],
        [{ ...good, pricePerCredit: '2' }, 'pricePerCredit'],
        [{ ...good, pricePerCredit: 1e13 }, 'pricePerCredit'],
        [{ ...good, monthlyAllowance: '1.0000001' }, 'monthlyAllowance'],
        [{ ...good, monthlyAllowance: -5 }, 'monthlyAllowance'],
        [{ ...good, name: '' }, 'name'],
      ] as const) {
        const answer = await put(root, '/v1/plans/bad', body);
        expectProblem(answer, 400, 'invalid_request');
        expect(answer.body.field).toBe(field);
      }
      expectProblem(await put(root, '/v1/plans/Bad_Id', good), 400, 'invalid_request');
      expectProblem(
        await put(root, '/v1/packs/bad', { name: 'B', credits: 0, price: 1, currency: 'USD' }),
        400,
        'invalid_request',
      );
      const malformed = await root.request('PUT', '/v1/plans/bad', { raw: '{"name": ' });
      expectProblem(malformed, 400, 'invalid_json');
      expect(await tables.counts()).toEqual(before);
    });
  });

  describe("an org's plan", () => {
    it('starts on pay-as-you-go, upgrades at once and downgrades at the period end', async () => {
      const org2 = (await root.post('/v1/orgs', { name: 'Plans', timezone: 'Asia/Tokyo' })).body.id;
      const key = await keyFor(org2, 'admin');
      const start = (await key.get(`/v1/orgs/${org2}/plan`)).body;
      expect(start).toMatchObject({ plan: { id: 'payg' }, noExpiry: true, renewsAt: null });

      const upgrade = await put(key, `/v1/orgs/${org2}/plan`, { plan: 'basic' });
      expect(upgrade.status).toBe(200);
      expect(upgrade.body).toMatchObject({
        plan: { id: 'basic' },
        change: { kind: 'upgrade', toppedUp: '1500' },
        noExpiry: false,
        expiresAt: null,
        next: null,
      });
      expect(upgrade.body.renewsAt).toEqual(expect.any(String));
      expect(await available(org2)).toBe('1500');
      expect((await root.get(`/v1/orgs/${org2}`)).body.plan).toBe('basic');

      const pro = await put(key, `/v1/orgs/${org2}/plan`, { plan: 'pro' });
      expect(pro.body.change).toMatchObject({ kind: 'upgrade', toppedUp: '3500' });
      expect(await available(org2)).toBe('5000');

      // Cancelling to pay-as-you-go keeps the credits and the plan until the month ends.
      const cancel = await put(key, `/v1/orgs/${org2}/plan`, { plan: 'payg' });
      expect(cancel.body).toMatchObject({
        plan: { id: 'pro' },
        change: { kind: 'downgrade', toppedUp: '0' },
        next: { plan: { id: 'payg' } },
        renewsAt: null,
      });
      expect(cancel.body.expiresAt).toBe(cancel.body.next.startsAt);
      expect(cancel.body.change.startsAt).toBe(cancel.body.next.startsAt);
      expect(await available(org2)).toBe('5000');
      expect(cancel.body.history.map((line: { plan: string }) => line.plan)).toEqual([
        'basic',
        'pro',
        'payg',
      ]);

      // Staying after all withdraws the change waiting.
      const stay = await put(key, `/v1/orgs/${org2}/plan`, { plan: 'pro' });
      expect(stay.body).toMatchObject({ plan: { id: 'pro' }, next: null, expiresAt: null });
      expect(stay.body.renewsAt).toEqual(expect.any(String));
    });

    it('refuses unknown and archived plans, and roles below admin', async () => {
      expectProblem(
        await put(admin, `/v1/orgs/${org}/plan`, { plan: 'nope' }),
        404,
        'unknown_plan',
      );
      expectProblem(
        await put(admin, `/v1/orgs/${org}/plan`, { plan: 'team' }),
        409,
        'plan_unavailable',
      );
      expectProblem(await put(operator, `/v1/orgs/${org}/plan`, { plan: 'pro' }), 403, 'forbidden');
      expectProblem(
        await put(otherAdmin, `/v1/orgs/${org}/plan`, { plan: 'pro' }),
        404,
        'unknown_org',
      );
      expectProblem(await put(admin, `/v1/orgs/${org}/plan`, { plan: 7 }), 400, 'invalid_request');
      expectProblem(
        await root.post('/v1/orgs', { name: 'X', plan: 'no-such-plan' }),
        404,
        'unknown_plan',
      );
    });

    it('compares the last three months on every plan', async () => {
      const comparison = (await viewer.get(`/v1/orgs/${org}/plan/comparison`)).body;
      expect(comparison.months).toHaveLength(3);
      const payg = comparison.plans.find(
        (cost: { plan: { id: string } }) => cost.plan.id === 'payg',
      );
      expect(payg).toMatchObject({ current: true, total: 0, difference: 0 });
      const basic = comparison.plans.find(
        (cost: { plan: { id: string } }) => cost.plan.id === 'basic',
      );
      // No usage yet: a subscription costs its fee three times.
      expect(basic).toMatchObject({ current: false, total: 3 * 2900, difference: 3 * 2900 });
    });
  });

  describe('manual purchases', () => {
    it('only admins buy', async () => {
      for (const client of [operator, viewer]) {
        expectProblem(
          await client.post(`/v1/orgs/${org}/purchases`, { pack: 'starter', provider: 'manual' }),
          403,
          'forbidden',
        );
      }
      expectProblem(
        await otherAdmin.post(`/v1/orgs/${org}/purchases`, { pack: 'starter' }),
        404,
        'unknown_org',
      );
    });

    it('refuses bad purchases and writes nothing', async () => {
      const before = await tables.counts();
      const buy = (body: unknown) => admin.post(`/v1/orgs/${org}/purchases`, body);
      expectProblem(await buy({ credits: 999, provider: 'manual' }), 422, 'purchase_below_minimum');
      expectProblem(
        await buy({ credits: 1e12, provider: 'manual' }),
        422,
        'purchase_above_maximum',
      );
      expectProblem(await buy({ credits: '1000.5', provider: 'manual' }), 400, 'invalid_request');
      expectProblem(await buy({ credits: -1000, provider: 'manual' }), 400, 'invalid_request');
      expectProblem(
        await buy({ credits: '1000.0000001', provider: 'manual' }),
        400,
        'invalid_request',
      );
      expectProblem(await buy({ pack: 'nope', provider: 'manual' }), 404, 'unknown_pack');
      expectProblem(await buy({}), 400, 'invalid_request');
      expectProblem(await buy({ pack: 'starter', credits: 1000 }), 400, 'invalid_request');
      expectProblem(await buy({ pack: 'starter', provider: 'paypal' }), 400, 'invalid_request');
      expectProblem(await buy({ pack: 5 }), 400, 'invalid_request');
      const malformed = await admin.request('POST', `/v1/orgs/${org}/purchases`, { raw: '{' });
      expectProblem(malformed, 400, 'invalid_json');
      expect(await tables.counts()).toEqual(before);
    });

    it('adds credits exactly once when root marks the invoice paid, however often', async () => {
      const before = await available();
      const made = await admin.post(`/v1/orgs/${org}/purchases`, {
        pack: 'starter',
        provider: 'manual',
      });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({
        status: 'pending',
        pack: 'starter',
        credits: '2500',
        amount: 2500,
        amountFormatted: '25.00',
        currency: 'USD',
        provider: 'manual',
        paymentUrl: null,
        invoiceNumber: expect.stringMatching(/^TALLY-\d{6}$/),
      });
      expect(await available()).toBe(before);
      const path = `/v1/orgs/${org}/purchases/${made.body.id}`;
      expectProblem(await admin.post(`${path}/mark-paid`), 403, 'forbidden');

      // The same confirmation ten times at once, then again: one grant.
      const confirmations = await Promise.all(
        Array.from({ length: 10 }, () => root.post(`${path}/mark-paid`)),
      );
      for (const answer of confirmations) expect(answer.body.status).toBe('paid');
      expect((await root.post(`${path}/mark-paid`)).body.status).toBe('paid');
      expect(Number(await available())).toBe(Number(before) + 2500);
      const grants = (await root.get(`/v1/orgs/${org}/grants`)).body.data.filter(
        (grant: { kind: string }) => grant.kind === 'purchase',
      );
      expect(grants).toHaveLength(1);
      expect(grants[0]).toMatchObject({ credits: '2500', expiresAt: null });

      const invoice = await viewer.request('GET', `${path}/invoice.pdf`);
      expect(invoice.status).toBe(200);
      expect(invoice.headers.get('content-type')).toBe('application/pdf');
      const bytes = new Uint8Array(
        await (
          await fetch(`${server.url}${path}/invoice.pdf`, {
            headers: { authorization: `Bearer ${server.rootKey}` },
          })
        ).arrayBuffer(),
      );
      const text = await pdfText(bytes);
      expect(text).toContain(made.body.invoiceNumber);
      expect(text).toContain('25.00');
      expect(text).toContain('2,500');
      expect(text).toContain('PAID');
    });

    it('numbers invoices one after another, and a cancelled purchase adds nothing', async () => {
      const first = (
        await admin.post(`/v1/orgs/${org}/purchases`, { credits: 1000, provider: 'manual' })
      ).body;
      const second = (
        await admin.post(`/v1/orgs/${org}/purchases`, { credits: '1200', provider: 'manual' })
      ).body;
      const number = (text: string) => Number(text.slice('TALLY-'.length));
      expect(number(second.invoiceNumber)).toBe(number(first.invoiceNumber) + 1);
      // Pay-as-you-go: 3 cents a credit.
      expect(first).toMatchObject({ unitPrice: 3, amount: 3000, amountFormatted: '30.00' });
      const before = await available();
      const cancelled = await admin.post(`/v1/orgs/${org}/purchases/${first.id}/cancel`);
      expect(cancelled.body).toMatchObject({ status: 'failed', failureReason: 'cancelled' });
      expectProblem(
        await admin.post(`/v1/orgs/${org}/purchases/${first.id}/cancel`),
        409,
        'purchase_not_pending',
      );
      expect(await available()).toBe(before);
      expectProblem(
        await otherAdmin.get(`/v1/orgs/${otherOrg}/purchases/${second.id}`),
        404,
        'unknown_purchase',
      );
      expectProblem(
        await admin.get(`/v1/orgs/${org}/purchases/pur_nope/invoice.pdf`),
        404,
        'unknown_purchase',
      );
    });
  });

  describe('Stripe', () => {
    const buy = async (body: Record<string, unknown>) => {
      const made = await admin.post(`/v1/orgs/${org}/purchases`, { provider: 'stripe', ...body });
      expect(made.status, made.text).toBe(201);
      return made.body as { id: string; status: string; paymentUrl: string };
    };

    it('grants once for duplicate webhooks and ignores a late expiry', async () => {
      const purchase = await buy({ pack: 'starter' });
      expect(purchase.status).toBe('pending');
      expect(purchase.paymentUrl).toMatch(/^http/);
      const session = sessionOf(purchase);
      expectProblem(
        await admin.get(`/v1/orgs/${org}/purchases/${purchase.id}/invoice.pdf`),
        409,
        'invoice_not_issued',
      );
      const before = Number(await available());
      stripe.complete(session.id);
      const completed = stripe.event('checkout.session.completed', session.id);
      const answers = await Promise.all(Array.from({ length: 5 }, () => webhook(completed)));
      for (const answer of answers) {
        expect(answer.status, answer.text).toBe(200);
        expect(answer.body).toMatchObject({
          received: true,
          purchase: purchase.id,
          status: 'paid',
        });
      }
      expect(Number(await available())).toBe(before + 2500);
      // Out of order: an expiry notice that arrives after the payment changes nothing.
      expect((await webhook(stripe.event('checkout.session.expired', session.id))).status).toBe(
        200,
      );
      const after = (await viewer.get(`/v1/orgs/${org}/purchases/${purchase.id}`)).body;
      expect(after).toMatchObject({ status: 'paid', invoiceNumber: expect.any(String) });
      expect(Number(await available())).toBe(before + 2500);
    });

    it('accepts a payment confirmed after an expiry notice, and a refund before its payment', async () => {
      const late = await buy({ credits: 1000 });
      const lateSession = sessionOf(late);
      const before = Number(await available());
      await webhook(stripe.event('checkout.session.expired', lateSession.id));
      expect((await viewer.get(`/v1/orgs/${org}/purchases/${late.id}`)).body.status).toBe('failed');
      stripe.complete(lateSession.id);
      await webhook(stripe.event('checkout.session.completed', lateSession.id));
      expect((await viewer.get(`/v1/orgs/${org}/purchases/${late.id}`)).body.status).toBe('paid');
      expect(Number(await available())).toBe(before + 1000);

      const refunded = await buy({ credits: 1000 });
      const session = sessionOf(refunded);
      stripe.complete(session.id);
      stripe.refund(session.id);
      // The refund's notice overtakes the payment's: credits come and go, once each.
      await webhook(stripe.event('charge.refunded', session.id));
      await webhook(stripe.event('checkout.session.completed', session.id));
      await webhook(stripe.event('charge.refunded', session.id));
      const final = (await viewer.get(`/v1/orgs/${org}/purchases/${refunded.id}`)).body;
      expect(final.status).toBe('refunded');
      expect(Number(await available())).toBe(before + 1000);
    });

    it('re-checks a stuck payment with Stripe', async () => {
      const purchase = await buy({ pack: 'starter' });
      const before = Number(await available());
      const still = await admin.post(`/v1/orgs/${org}/purchases/${purchase.id}/recheck`);
      expect(still.body.status).toBe('pending');
      stripe.complete(sessionOf(purchase).id);
      // The webhook never came: asking again finds the payment.
      const found = await admin.post(`/v1/orgs/${org}/purchases/${purchase.id}/recheck`);
      expect(found.body.status).toBe('paid');
      expect(Number(await available())).toBe(before + 2500);
      expectProblem(
        await viewer.post(`/v1/orgs/${org}/purchases/${purchase.id}/recheck`),
        403,
        'forbidden',
      );
    });

    it('refunds an unspent purchase through Stripe and refuses a spent one', async () => {
      const purchase = await buy({ pack: 'starter' });
      stripe.complete(sessionOf(purchase).id);
      await webhook(stripe.event('checkout.session.completed', sessionOf(purchase).id));
      const before = Number(await available());
      expectProblem(
        await admin.post(`/v1/orgs/${org}/purchases/${purchase.id}/refund`),
        403,
        'forbidden',
      );
      const refunded = await root.post(`/v1/orgs/${org}/purchases/${purchase.id}/refund`);
      expect(refunded.status, refunded.text).toBe(200);
      expect(refunded.body.status).toBe('refunded');
      expect(Number(await available())).toBe(before - 2500);
      expect([...stripe.refunds.values()].some((refund) => refund.amount === 2500)).toBe(true);
      expectProblem(
        await root.post(`/v1/orgs/${org}/purchases/${purchase.id}/refund`),
        409,
        'purchase_not_paid',
      );
    });

    it('refuses to refund a purchase whose credits are partly spent', async () => {
      const fresh = (await root.post('/v1/orgs', { name: 'Spender' })).body.id;
      const key = await keyFor(fresh, 'admin');
      const purchase = (
        await key.post(`/v1/orgs/${fresh}/purchases`, { pack: 'mini', provider: 'manual' })
      ).body;
      await root.post(`/v1/orgs/${fresh}/purchases/${purchase.id}/mark-paid`);
      expect(await available(fresh)).toBe('500');
      expect((await key.post(`/v1/orgs/${fresh}/charges`, { feature: 'image' })).status).toBe(201);
      expectProblem(
        await root.post(`/v1/orgs/${fresh}/purchases/${purchase.id}/refund`),
        409,
        'purchase_credits_used',
      );
      expect(await available(fresh)).toBe('492');
      expect((await key.get(`/v1/orgs/${fresh}/purchases/${purchase.id}`)).body.status).toBe(
        'paid',
      );
    });

    it('refuses webhooks that Stripe did not sign, and writes nothing', async () => {
      const purchase = await buy({ pack: 'starter' });
      const session = sessionOf(purchase);
      stripe.complete(session.id);
      const event = stripe.event('checkout.session.completed', session.id);
      const before = await tables.counts();
      const tampered = { body: event.body.replace('"paid"', '"paid" '), header: event.header };
      expectProblem(await webhook(tampered), 400, 'signature_invalid');
      expectProblem(
        await anyone.request('POST', '/v1/webhooks/stripe', {
          raw: event.body,
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'signature_missing',
      );
      const old = stripe.event('checkout.session.completed', session.id, {
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      });
      expectProblem(await webhook(old), 400, 'signature_expired');
      expect(await tables.counts()).toEqual(before);
      expect((await viewer.get(`/v1/orgs/${org}/purchases/${purchase.id}`)).body.status).toBe(
        'pending',
      );
    });
  });

  describe('purchase history', () => {
    it('lists purchases, free credits, admin grants and refunds with credits and money', async () => {
      await root.post(`/v1/orgs/${org}/grants`, {
        kind: 'admin_grant',
        credits: 40,
        note: 'Sorry',
      });
      await root.post(`/v1/orgs/${org}/grants`, { kind: 'trial', credits: 100 });
      const history = (await viewer.get(`/v1/orgs/${org}/purchase-history?limit=1000`)).body.data;
      const types = new Set(history.map((item: { type: string }) => item.type));
      expect(types).toEqual(new Set(['purchase', 'admin_grant', 'free_credits']));
      const paid = history.find(
        (item: { type: string; status: string }) =>
          item.type === 'purchase' && item.status === 'paid',
      );
      expect(paid.money).toMatchObject({ currency: 'USD', formatted: expect.any(String) });
      expect(history.find((item: { type: string }) => item.type === 'admin_grant')).toMatchObject({
        credits: '40',
        money: null,
        description: 'Sorry',
      });
      const page = (await viewer.get(`/v1/orgs/${org}/purchase-history?limit=2`)).body;
      expect(page.data).toHaveLength(2);
      const next = (
        await viewer.get(`/v1/orgs/${org}/purchase-history?limit=2&cursor=${page.nextCursor}`)
      ).body;
      expect(next.data[0].id).not.toBe(page.data[1].id);
      expect(next.data[0]).toEqual(history[2]);
    });
  });
});
