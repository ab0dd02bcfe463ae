/**
 * Purchases from checkout to credits, their invoices as PDF, purchase history, and the webhook a
 * payment provider calls. Only admins buy; root marks manual invoices paid and refunds.
 */
import type { FastifyInstance } from 'fastify';
import { fastifyRawBody } from './raw-body.js';
import { actorOf } from '../actor.js';
import {
  createPurchaseBody,
  historyQuery,
  historyResponse,
  purchaseListQuery,
  purchaseListResponse,
  purchaseParams,
  purchaseResponse,
  webhookResponse,
  invoicePdfResponse,
} from '../billing-schemas.js';
import { sendProblem } from '../errors.js';
import { creditsField, decodeCursor, encodeCursor, valueOf } from '../parse.js';
import { presentHistoryItem, presentPurchase } from '../present-billing.js';
import { orgParams, problemResponse } from '../schemas.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
  409: problemResponse,
  422: problemResponse,
  502: problemResponse,
};

export function registerPurchaseRoutes(app: ZodApp, context: RouteContext): void {
  const { billing, access, idempotency } = context;

  app.post(
    '/v1/orgs/:org/purchases',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['purchases'],
        summary:
          "Buy a pack, or a custom amount at the plan's price (admin); pending until the payment is confirmed",
        params: orgParams,
        body: createPurchaseBody,
        response: { 201: purchaseResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const credits =
        body.credits === undefined ? undefined : creditsField(body.credits, 'credits');
      const buyer = await actorOf(request, access);
      return idempotency.run(request, reply, `purchases:${request.params.org}`, async () => {
        const purchase = await billing.createPurchase(
          request.params.org,
          {
            ...(body.pack === undefined ? {} : { pack: body.pack }),
            ...(credits === undefined ? {} : { credits }),
            ...(body.provider === undefined ? {} : { provider: body.provider }),
            ...(body.returnUrl === undefined ? {} : { returnUrl: body.returnUrl }),
          },
          buyer,
        );
        return { status: 201, body: presentPurchase(valueOf(purchase)) };
      });
    },
  );

  app.get(
    '/v1/orgs/:org/purchases',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['purchases'],
        summary: 'Purchases, newest first, every status',
        params: orgParams,
        querystring: purchaseListQuery,
        response: { 200: purchaseListResponse, ...problems },
      },
    },
    async (request) => {
      const { query } = request;
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const page = valueOf(
        await billing.listPurchases(request.params.org, {
          limit: query.limit ?? 100,
          ...(cursor ? { cursor: { createdAt: cursor.at, id: cursor.id } } : {}),
          ...(query.status ? { status: query.status } : {}),
        }),
      );
      return {
        data: page.data.map(presentPurchase),
        nextCursor: page.nextCursor
          ? encodeCursor({ at: page.nextCursor.createdAt, id: page.nextCursor.id })
          : null,
      };
    },
  );

  app.get(
    '/v1/orgs/:org/purchases/:id',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['purchases'],
        summary: 'One purchase',
        params: purchaseParams,
        response: { 200: purchaseResponse, ...problems },
      },
    },
    async (request) =>
      presentPurchase(valueOf(await billing.getPurchase(request.params.org, request.params.id))),
  );

  const action = (
    path: string,
    need: 'admin' | 'root',
    summary: string,
    run: (org: string, id: string) => ReturnType<typeof billing.recheck>,
  ) =>
    app.post(
      `/v1/orgs/:org/purchases/:id/${path}`,
      {
        config: { need },
        schema: {
          tags: ['purchases'],
          summary,
          params: purchaseParams,
          response: { 200: purchaseResponse, ...problems },
        },
      },
      async (request) => presentPurchase(valueOf(await run(request.params.org, request.params.id))),
    );

  action('recheck', 'admin', 'Ask the payment provider again (a stuck payment)', (org, id) =>
    billing.recheck(org, id),
  );
  action('cancel', 'admin', 'Give up a purchase not paid yet (admin)', (org, id) =>
    billing.cancelPurchase(org, id),
  );
  action('mark-paid', 'root', 'Record that a manual invoice was paid (root)', (org, id) =>
    billing.markPaid(org, id),
  );
  action(
    'refund',
    'root',
    'Give the money back and take the unspent credits out (root)',
    (org, id) => billing.refundPurchase(org, id),
  );

  app.get(
    '/v1/orgs/:org/purchases/:id/invoice.pdf',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['purchases'],
        summary: "The purchase's invoice as a PDF",
        params: purchaseParams,
        response: { 200: invoicePdfResponse, ...problems },
      },
    },
    async (request, reply) => {
      const invoice = await billing.invoicePdf(request.params.org, request.params.id);
      if (!invoice.ok) return sendProblem(reply, invoice.refusal);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${invoice.value.number}.pdf"`)
        .send(invoice.value.pdf);
    },
  );

  app.get(
    '/v1/orgs/:org/purchase-history',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['purchases'],
        summary: 'Purchases, free credits, admin grants and refunds, newest first',
        params: orgParams,
        querystring: historyQuery,
        response: { 200: historyResponse, ...problems },
      },
    },
    async (request) => {
      const { query } = request;
      const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const page = valueOf(
        await billing.history(request.params.org, {
          limit: query.limit ?? 100,
          ...(cursor ? { cursor } : {}),
        }),
      );
      return {
        data: page.data.map(presentHistoryItem),
        nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
      };
    },
  );

  // The webhook reads its body as bytes: the signature is over them, not over parsed JSON.
  void app.register(async (raw: FastifyInstance) => {
    fastifyRawBody(raw);
    raw.post(
      '/v1/webhooks/stripe',
      {
        schema: {
          tags: ['purchases'],
          summary:
            "Stripe's webhook: checked against Stripe-Signature, duplicates and any order safe",
          response: { 200: webhookResponse, 400: problemResponse, 422: problemResponse },
        },
      },
      async (request, reply) => {
        const signature = request.headers['stripe-signature'];
        const result = await billing.receiveWebhook(
          'stripe',
          request.body as Buffer,
          typeof signature === 'string' ? signature : undefined,
        );
        if (!result.ok) return sendProblem(reply, result.refusal);
        return {
          received: true,
          purchase: result.value?.id ?? null,
          status: result.value?.status ?? null,
        };
      },
    );
  });
}
