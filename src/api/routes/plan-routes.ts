/** Plans and credit packs (root defines them) and each org's plan: change it, compare them. */
import { parseCredits } from '../../core/amount.js';
import {
  changePlanBody,
  orgPlanResponse,
  packListResponse,
  packParams,
  packResponse,
  planComparisonResponse,
  planListResponse,
  planParams,
  planResponse,
  putPackBody,
  putPlanBody,
} from '../billing-schemas.js';
import { actorOf } from '../actor.js';
import { creditsField, valueOf } from '../parse.js';
import { presentComparison, presentOrgPlan, presentPack, presentPlan } from '../present-billing.js';
import { orgParams, problemResponse } from '../schemas.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
  409: problemResponse,
};

export function registerPlanRoutes(app: ZodApp, { billing, access }: RouteContext): void {
  app.get(
    '/v1/plans',
    {
      config: { need: 'any' },
      schema: {
        tags: ['plans'],
        summary: 'Every plan, archived ones included',
        response: { 200: planListResponse, 401: problemResponse },
      },
    },
    async () => ({ data: (await billing.listPlans()).map(presentPlan) }),
  );

  app.put(
    '/v1/plans/:plan',
    {
      config: { need: 'root' },
      schema: {
        tags: ['plans'],
        summary:
          'Define or change a plan (root); orgs on it keep their allowance until they change plan',
        params: planParams,
        body: putPlanBody,
        response: { 200: planResponse, ...problems },
      },
    },
    async (request) => {
      const { body } = request;
      const plan = await billing.putPlan(request.params.plan, {
        name: body.name,
        ...(body.description === undefined ? {} : { description: body.description }),
        currency: body.currency,
        pricePerCredit: BigInt(body.pricePerCredit),
        ...(body.monthlyFee === undefined ? {} : { monthlyFee: BigInt(body.monthlyFee) }),
        ...(body.monthlyAllowance === undefined
          ? {}
          : {
              monthlyAllowance: valueOf(
                parseCredits(body.monthlyAllowance, { field: 'monthlyAllowance', allowZero: true }),
              ),
            }),
        ...(body.expires === undefined ? {} : { expires: body.expires }),
        ...(body.archived === undefined ? {} : { archived: body.archived }),
      });
      return presentPlan(valueOf(plan));
    },
  );

  app.get(
    '/v1/packs',
    {
      config: { need: 'any' },
      schema: {
        tags: ['plans'],
        summary: 'Every credit pack, archived ones included',
        response: { 200: packListResponse, 401: problemResponse },
      },
    },
    async () => ({ data: (await billing.listPacks()).map(presentPack) }),
  );

  app.put(
    '/v1/packs/:pack',
    {
      config: { need: 'root' },
      schema: {
        tags: ['plans'],
        summary: 'Define or change a credit pack (root)',
        params: packParams,
        body: putPackBody,
        response: { 200: packResponse, ...problems },
      },
    },
    async (request) => {
      const { body } = request;
      const pack = await billing.putPack(request.params.pack, {
        name: body.name,
        credits: creditsField(body.credits, 'credits'),
        price: BigInt(body.price),
        currency: body.currency,
        ...(body.archived === undefined ? {} : { archived: body.archived }),
      });
      return presentPack(valueOf(pack));
    },
  );

  app.get(
    '/v1/orgs/:org/plan',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['plans'],
        summary: "The org's plan: renewal or expiry, a change waiting, and the history",
        params: orgParams,
        response: { 200: orgPlanResponse, ...problems },
      },
    },
    async (request) => presentOrgPlan(valueOf(await billing.orgPlan(request.params.org))),
  );

  app.put(
    '/v1/orgs/:org/plan',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['plans'],
        summary:
          'Change plan (admin): an upgrade starts now and tops up this month; a downgrade starts next month',
        params: orgParams,
        body: changePlanBody,
        response: { 200: orgPlanResponse, ...problems },
      },
    },
    async (request) => {
      const changed = await billing.changePlan(
        request.params.org,
        request.body.plan,
        await actorOf(request, access),
      );
      return presentOrgPlan(valueOf(changed));
    },
  );

  app.get(
    '/v1/orgs/:org/plan/comparison',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['plans'],
        summary: 'What the last three complete months would have cost on each plan',
        params: orgParams,
        response: { 200: planComparisonResponse, ...problems },
      },
    },
    async (request) => {
      const comparison = valueOf(await billing.comparePlans(request.params.org));
      return presentComparison(comparison.months, comparison.plans);
    },
  );
}
