/** Projects with their budgets, and users' allowances: what may be spent on what, and by whom. */
import { sendProblem } from '../errors.js';
import { creditsField } from '../parse.js';
import { presentAllowance, presentProject } from '../present.js';
import {
  allowanceListResponse,
  allowanceParams,
  allowanceResponse,
  createProjectBody,
  orgParams,
  problemResponse,
  projectListResponse,
  projectParams,
  projectResponse,
  putAllowanceBody,
  updateProjectBody,
} from '../schemas.js';
import { sendWrite, writeOptions } from './ledger-write.js';
import { KEY_SPENDER_PREFIX, spenderOf } from '../spender.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
  409: problemResponse,
};

const budgetOf = (
  budget: { credits: string | number; period: 'month' | 'total' } | null | undefined,
) =>
  budget == null
    ? budget
    : {
        credits: creditsField(budget.credits, 'budget.credits', { allowZero: true }),
        period: budget.period,
      };

export function registerSpendingRoutes(
  app: ZodApp,
  { ledger, access, metrics }: RouteContext,
): void {
  app.get(
    '/v1/orgs/:org/projects',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['projects'],
        summary: 'Every project, archived ones included, with its budget now',
        params: orgParams,
        response: { 200: projectListResponse, ...problems },
      },
    },
    async (request, reply) => {
      const projects = await ledger.listProjects(request.params.org);
      if (!projects.ok) return sendProblem(reply, projects.refusal);
      return { data: projects.value.map(presentProject), nextCursor: null };
    },
  );

  app.post(
    '/v1/orgs/:org/projects',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['projects'],
        summary: 'Create a project, with an optional budget per month or in total (admin)',
        params: orgParams,
        body: createProjectBody,
        response: { 201: projectResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const budget = budgetOf(body.budget);
      const result = await ledger.createProject(request.params.org, {
        id: body.id,
        name: body.name,
        ...(budget === undefined ? {} : { budget }),
        ...writeOptions(request),
      });
      return sendWrite(reply, metrics, result, 201, presentProject);
    },
  );

  app.get(
    '/v1/orgs/:org/projects/:project',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['projects'],
        summary: 'One project, with its budget now',
        params: projectParams,
        response: { 200: projectResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { org, project } = request.params;
      const projects = await ledger.listProjects(org);
      if (!projects.ok) return sendProblem(reply, projects.refusal);
      const found = projects.value.find((candidate) => candidate.id === project);
      if (!found) {
        return sendProblem(reply, {
          code: 'unknown_project',
          message: `no project ${project}`,
          details: { project },
        });
      }
      return presentProject(found);
    },
  );

  app.patch(
    '/v1/orgs/:org/projects/:project',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['projects'],
        summary: 'Rename, archive or reopen a project, or change its budget (admin)',
        params: projectParams,
        body: updateProjectBody,
        response: { 200: projectResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const budget = budgetOf(body.budget);
      const result = await ledger.updateProject(request.params.org, request.params.project, {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(budget === undefined ? {} : { budget }),
        ...(body.archived === undefined ? {} : { archived: body.archived }),
        ...writeOptions(request),
      });
      return sendWrite(reply, metrics, result, 200, presentProject);
    },
  );

  app.get(
    '/v1/orgs/:org/allowances',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['allowances'],
        summary: "Users' allowances, with what each has used and has left now",
        params: orgParams,
        response: { 200: allowanceListResponse, ...problems },
      },
    },
    async (request, reply) => {
      const allowances = await ledger.listAllowances(request.params.org);
      if (!allowances.ok) return sendProblem(reply, allowances.refusal);
      return { data: allowances.value.map(presentAllowance), nextCursor: null };
    },
  );

  app.get(
    '/v1/orgs/:org/my-allowance',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['allowances'],
        summary:
          "The caller's own allowance (a member's, by email, or an API key's), with what is left",
        params: orgParams,
        response: { 200: allowanceResponse, ...problems },
      },
    },
    async (request, reply) => {
      const me = await spenderOf(request, access);
      const allowances = await ledger.listAllowances(request.params.org);
      if (!allowances.ok) return sendProblem(reply, allowances.refusal);
      const found = me === null ? undefined : allowances.value.find((a) => a.user === me);
      if (!found) {
        return sendProblem(reply, {
          code: 'unknown_allowance',
          message: me === null ? 'root has no allowance' : `${me} has no allowance`,
          details: { user: me },
        });
      }
      return presentAllowance(found);
    },
  );

  app.get(
    '/v1/orgs/:org/allowances/:user',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['allowances'],
        summary: "One user's allowance, with what is used and left now",
        params: allowanceParams,
        response: { 200: allowanceResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { org, user } = request.params;
      const allowances = await ledger.listAllowances(org);
      if (!allowances.ok) return sendProblem(reply, allowances.refusal);
      const found = allowances.value.find((candidate) => candidate.user === user);
      if (!found) {
        return sendProblem(reply, {
          code: 'unknown_allowance',
          message: `${user} has no allowance`,
          details: { user },
        });
      }
      return presentAllowance(found);
    },
  );

  app.put(
    '/v1/orgs/:org/allowances/:user',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['allowances'],
        summary:
          'Give a user (the `user` their charges carry) at most so many credits per day, week, month or in total (admin)',
        params: allowanceParams,
        body: putAllowanceBody,
        response: { 200: allowanceResponse, ...problems },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const { org, user } = request.params;
      // An allowance for a key needs the key: one for a mistyped id would limit nobody.
      if (user.startsWith(KEY_SPENDER_PREFIX)) {
        const keyId = user.slice(KEY_SPENDER_PREFIX.length);
        const keys = await access.listKeys(org);
        if (!keys.some((key) => key.id === keyId && key.revokedAt === null)) {
          return sendProblem(reply, {
            code: 'unknown_key',
            message: `no API key ${keyId} in this org`,
            details: { key: keyId },
          });
        }
      }
      const result = await ledger.setAllowance(org, user, {
        credits: creditsField(body.credits, 'credits', { allowZero: true }),
        period: body.period,
        ...writeOptions(request),
      });
      return sendWrite(reply, metrics, result, 200, presentAllowance);
    },
  );

  app.delete(
    '/v1/orgs/:org/allowances/:user',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['allowances'],
        summary: "Remove a user's allowance: their charges are limited by the pool alone (admin)",
        params: allowanceParams,
        response: { 200: allowanceResponse, ...problems },
      },
    },
    async (request, reply) => {
      const result = await ledger.removeAllowance(
        request.params.org,
        request.params.user,
        writeOptions(request),
      );
      return sendWrite(reply, metrics, result, 200, presentAllowance);
    },
  );
}
