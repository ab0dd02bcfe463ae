/** Orgs and the price book (the credit matrix). */
import {
  creditsField,
  decodeIdCursor,
  encodeIdCursor,
  instantField,
  optionalCredits,
  optionalInstant,
  valueOf,
} from '../parse.js';
import { presentFeature, presentOrg } from '../present.js';
import {
  createOrgBody,
  featureListResponse,
  featureParams,
  orgListQuery,
  orgListResponse,
  orgParams,
  orgResponse,
  problemResponse,
  putFeatureBody,
} from '../schemas.js';
import type { RouteContext, ZodApp } from './route-context.js';
import { DEFAULT_PLAN_ID } from '../../billing/org-plan.js';
import { sendProblem } from '../errors.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
  409: problemResponse,
};

export function registerOrgRoutes(
  app: ZodApp,
  { ledger, access, billing, idempotency }: RouteContext,
): void {
  app.post(
    '/v1/orgs',
    {
      config: { need: 'root' },
      schema: {
        tags: ['orgs'],
        summary: 'Create an org (root)',
        body: createOrgBody,
        response: { 201: orgResponse, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const allowance = optionalCredits(body.allowance?.credits, 'allowance.credits');
      const at = optionalInstant(body.at, 'at');
      return idempotency.run(request, reply, 'orgs', async () => {
        const plan = body.plan == null ? undefined : valueOf(await billing.getPlan(body.plan));
        const created = valueOf(
          await ledger.createOrg({
            name: body.name,
            ...(body.timezone === undefined ? {} : { timeZone: body.timezone }),
            plan: plan?.id ?? DEFAULT_PLAN_ID,
            ...(allowance === undefined ? {} : { allowance: { credits: allowance } }),
            ...(at === undefined ? {} : { at }),
          }),
        );
        if (plan) valueOf(await billing.startOrg(created, plan.id, allowance !== undefined));
        return { status: 201, body: presentOrg(created) };
      });
    },
  );

  app.get(
    '/v1/orgs',
    {
      config: { need: 'root' },
      schema: {
        tags: ['orgs'],
        summary: 'Every org of the installation, by id, with its plan and suspension (root)',
        querystring: orgListQuery,
        response: { 200: orgListResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const page = await ledger.listOrgs({
        ...(limit === undefined ? {} : { limit }),
        ...(cursor === undefined ? {} : { cursor: decodeIdCursor(cursor) }),
      });
      if (!page.ok) return sendProblem(reply, page.refusal);
      // Suspensions and plans of the whole page in one read each, not one per org.
      const orgs = page.value.data;
      const ids = orgs.map((org) => org.id);
      const [suspensions, plans] = await Promise.all([
        access.suspensionsOf(ids),
        billing.plansInForce(orgs),
      ]);
      return {
        data: orgs.map((org) => ({
          ...presentOrg(org, suspensions.get(org.id)),
          plan: plans.get(org.id)?.id ?? org.plan,
        })),
        nextCursor: page.value.nextCursor === null ? null : encodeIdCursor(page.value.nextCursor),
      };
    },
  );

  app.get(
    '/v1/orgs/:org',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['orgs'],
        summary: 'The org',
        params: orgParams,
        response: { 200: orgResponse, ...problems },
      },
    },
    async (request, reply) => {
      const org = await ledger.getOrg(request.params.org);
      if (!org.ok) return sendProblem(reply, org.refusal);
      // The plan in force now, which changes over time, not the one the org was created with.
      const plan = await billing.orgPlan(org.value.id);
      return {
        ...presentOrg(org.value, await access.suspensionOf(org.value.id)),
        plan: plan.ok ? plan.value.plan.id : org.value.plan,
      };
    },
  );

  app.put(
    '/v1/features/:feature',
    {
      config: { need: 'root' },
      schema: {
        tags: ['features'],
        summary: 'Set a feature price from effectiveAt (root); answers the whole credit matrix',
        params: featureParams,
        body: putFeatureBody,
        response: { 200: featureListResponse, ...problems },
      },
    },
    async (request) => {
      const body = request.body;
      const effectiveAt =
        body.effectiveAt === undefined ? undefined : instantField(body.effectiveAt, 'effectiveAt');
      const prices = body.prices.map((line, index) => ({
        unit: line.unit,
        credits: creditsField(line.credits, `prices[${index}].credits`, { allowZero: true }),
        per: line.per,
      }));
      valueOf(
        await ledger.setFeature({
          id: request.params.feature,
          name: body.name,
          prices,
          ...(effectiveAt === undefined ? {} : { effectiveAt }),
        }),
      );
      return { data: (await ledger.listFeatures()).map(presentFeature) };
    },
  );

  app.get(
    '/v1/features',
    {
      config: { need: 'any' },
      schema: {
        tags: ['features'],
        summary: 'The credit matrix: each feature at its current price',
        response: { 200: featureListResponse, 401: problemResponse },
      },
    },
    async () => {
      return { data: (await ledger.listFeatures()).map(presentFeature) };
    },
  );
}
