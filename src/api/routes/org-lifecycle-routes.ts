/**
 * An org's end and its pause: what deleting it would remove, deleting it (with its name typed
 * back), and suspending and resuming it. These three writes are the ones a suspended org still
 * takes (`allowedWhileSuspended`); see `../org-lifecycle.ts` and `../suspension-gate.ts`.
 */
import { formatCredits } from '../../core/amount.js';
import { valueOf } from '../parse.js';
import { presentOrg } from '../present.js';
import {
  deleteOrgBody,
  orgDeletedResponse,
  orgDeletionResponse,
  orgParams,
  orgResponse,
  problemResponse,
  suspendOrgBody,
} from '../schemas.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
};

export function registerOrgLifecycleRoutes(app: ZodApp, { lifecycle }: RouteContext): void {
  app.get(
    '/v1/orgs/:org/deletion',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['orgs'],
        summary: 'What deleting the org would remove, for good (admin)',
        params: orgParams,
        response: { 200: orgDeletionResponse, ...problems },
      },
    },
    async (request) => {
      const { org, balance, counts } = valueOf(await lifecycle.preview(request.params.org));
      return {
        org: { id: org.id, name: org.name },
        confirmWith: org.name,
        credits: {
          available: formatCredits(balance.available),
          held: formatCredits(balance.held),
        },
        counts,
        permanent: true as const,
        alternative: `POST /v1/orgs/${org.id}/suspend keeps the credits and the history`,
      };
    },
  );

  app.delete(
    '/v1/orgs/:org',
    {
      config: { need: 'admin', allowedWhileSuspended: true },
      schema: {
        tags: ['orgs'],
        summary:
          'Delete the org with its credits, history, keys and members, for good; confirm with its name (admin)',
        params: orgParams,
        body: deleteOrgBody,
        response: { 200: orgDeletedResponse, ...problems, 422: problemResponse },
      },
    },
    async (request) => {
      const removed = valueOf(await lifecycle.delete(request.params.org, request.body.confirm));
      return { deleted: true as const, org: request.params.org, removed };
    },
  );

  app.post(
    '/v1/orgs/:org/suspend',
    {
      config: { need: 'admin', allowedWhileSuspended: true },
      schema: {
        tags: ['orgs'],
        summary:
          'Refuse the org’s writes until it is resumed; credits and history are kept (admin)',
        params: orgParams,
        body: suspendOrgBody,
        response: { 200: orgResponse, ...problems },
      },
    },
    async (request) => {
      const { org, suspension } = valueOf(
        await lifecycle.suspend(request.params.org, request.body?.reason),
      );
      return presentOrg(org, suspension);
    },
  );

  app.post(
    '/v1/orgs/:org/resume',
    {
      config: { need: 'admin', allowedWhileSuspended: true },
      schema: {
        tags: ['orgs'],
        summary: 'Take the org’s writes again (admin)',
        params: orgParams,
        response: { 200: orgResponse, ...problems },
      },
    },
    async (request) => {
      return presentOrg(valueOf(await lifecycle.resume(request.params.org)));
    },
  );
}
