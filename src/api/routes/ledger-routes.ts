/** The writes of the ledger: grants, charges, holds, captures, voids and refunds. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { spenderOf } from '../spender.js';
import type { WriteResult } from '../../ledger/ledger.js';
import { creditsField, optionalCredits, optionalInstant } from '../parse.js';
import { presentCharge, presentGrant, presentHold, presentTransaction } from '../present.js';
import {
  captureBody,
  chargeBody,
  chargeResponse,
  grantBody,
  grantResponse,
  holdBody,
  holdParams,
  holdResponse,
  idParams,
  orgParams,
  problemResponse,
  refundBody,
  transactionResponse,
  voidBody,
} from '../schemas.js';
import { sendWrite, writeOptions } from './ledger-write.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  402: problemResponse,
  403: problemResponse,
  404: problemResponse,
  409: problemResponse,
  422: problemResponse,
};

export function registerLedgerRoutes(app: ZodApp, { ledger, access, metrics }: RouteContext): void {
  const send = <T>(
    reply: FastifyReply,
    result: WriteResult<T>,
    status: number,
    present: (value: T) => unknown,
  ) => sendWrite(reply, metrics, result, status, present);

  /** Who and what an AI action is for, as charges and holds take it. */
  const attribution = async (
    request: FastifyRequest,
    body: {
      user?: string | null | undefined;
      project?: string | null | undefined;
      model?: string | null | undefined;
      note?: string | null | undefined;
      metadata?: Record<string, unknown> | null | undefined;
    },
  ) => ({
    user: body.user === undefined ? await spenderOf(request, access) : body.user,
    project: body.project ?? null,
    model: body.model ?? null,
    note: body.note ?? null,
    metadata: body.metadata ?? null,
  });

  const common = writeOptions;

  app.post(
    '/v1/orgs/:org/grants',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['grants'],
        summary: 'Add credits (admin)',
        params: orgParams,
        body: grantBody,
        response: { 201: grantResponse, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const effectiveAt = optionalInstant(body.effectiveAt, 'effectiveAt');
      const expiresAt =
        body.expiresAt == null ? body.expiresAt : optionalInstant(body.expiresAt, 'expiresAt');
      const result = await ledger.grant(request.params.org, {
        kind: body.kind,
        credits: creditsField(body.credits, 'credits'),
        ...(effectiveAt === undefined ? {} : { effectiveAt }),
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...(body.priority === undefined ? {} : { priority: body.priority }),
        recurrence: body.recurrence ?? null,
        note: body.note ?? null,
        ...common(request, body.at),
      });
      return send(reply, result, 201, presentGrant);
    },
  );

  app.post(
    '/v1/orgs/:org/charges',
    {
      config: { need: 'operator' },
      schema: {
        tags: ['charges'],
        summary: 'Spend credits for one AI action (operator)',
        params: orgParams,
        body: chargeBody,
        response: { 201: chargeResponse, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const result = await ledger.charge(request.params.org, {
        feature: body.feature,
        ...(body.quantities === undefined ? {} : { quantities: body.quantities }),
        ...(body.status === undefined ? {} : { status: body.status }),
        ...(await attribution(request, body)),
        ...common(request, body.at),
      });
      // A replay is the same charge again: counted once, when it was made.
      if (!result.replayed) {
        if (result.ok) metrics.charges.inc({ status: result.value.status });
        else if (result.refusal.code === 'insufficient_credits')
          metrics.charges.inc({ status: 'refused' });
      }
      return send(reply, result, 201, presentCharge);
    },
  );

  app.post(
    '/v1/orgs/:org/holds',
    {
      config: { need: 'operator' },
      schema: {
        tags: ['holds'],
        summary: 'Reserve credits for a long action (operator)',
        params: orgParams,
        body: holdBody,
        response: { 201: holdResponse, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const credits = optionalCredits(body.credits, 'credits');
      const result = await ledger.hold(request.params.org, {
        feature: body.feature,
        ...(body.quantities === undefined ? {} : { quantities: body.quantities }),
        ...(credits === undefined ? {} : { credits }),
        ...(body.ttlSeconds === undefined ? {} : { ttlSeconds: body.ttlSeconds }),
        ...(await attribution(request, body)),
        ...common(request, body.at),
      });
      return send(reply, result, 201, presentHold);
    },
  );

  app.post(
    '/v1/orgs/:org/holds/:id/capture',
    {
      config: { need: 'operator' },
      schema: {
        tags: ['holds'],
        summary: 'Spend the final amount of a hold (operator)',
        params: holdParams,
        body: captureBody,
        response: { 200: chargeResponse, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const credits = optionalCredits(body.credits, 'credits', { allowZero: true });
      const result = await ledger.capture(request.params.org, request.params.id, {
        ...(body.quantities === undefined ? {} : { quantities: body.quantities }),
        ...(credits === undefined ? {} : { credits }),
        ...common(request, body.at),
      });
      if (result.ok && !result.replayed) metrics.charges.inc({ status: 'succeeded' });
      return send(reply, result, 200, presentCharge);
    },
  );

  app.post(
    '/v1/orgs/:org/holds/:id/void',
    {
      config: { need: 'operator' },
      schema: {
        tags: ['holds'],
        summary: 'Release a hold (operator)',
        params: holdParams,
        body: voidBody,
        response: { 200: holdResponse, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const result = await ledger.void(request.params.org, request.params.id, {
        reason: body.reason ?? null,
        ...common(request, body.at),
      });
      return send(reply, result, 200, presentHold);
    },
  );

  app.post(
    '/v1/orgs/:org/charges/:id/refund',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['charges'],
        summary: 'Return credits of a charge (admin)',
        params: idParams,
        body: refundBody,
        response: { 201: transactionResponse, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const credits = optionalCredits(body.credits, 'credits');
      const result = await ledger.refund(request.params.org, request.params.id, {
        ...(credits === undefined ? {} : { credits }),
        note: body.note ?? null,
        ...common(request, body.at),
      });
      return send(reply, result, 201, presentTransaction);
    },
  );
}
