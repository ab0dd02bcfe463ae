/** API keys, members, and signing in and out of the dashboard. */
import { z } from 'zod';
import { authorize, SESSION_COOKIE } from '../auth.js';
import { refusalError, sendProblem } from '../errors.js';
import { valueOf } from '../parse.js';
import { iso, presentKey, presentMember } from '../present.js';
import {
  createKeyBody,
  createMemberBody,
  createdKeyResponse,
  idParams,
  keyListResponse,
  keyResponse,
  loginBody,
  memberListResponse,
  memberResponse,
  orgParams,
  problemResponse,
  sessionResponse,
  updateMemberBody,
} from '../schemas.js';
import type { RouteContext, ZodApp } from './route-context.js';

const noContent = z.null().describe('No content');
const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
  409: problemResponse,
};

export function registerAccessRoutes(
  app: ZodApp,
  { ledger, access, idempotency, secureCookies }: RouteContext,
): void {
  /** The org must exist: root may name any org, and its keys and members hang off it. */
  async function existingOrg(orgId: string): Promise<void> {
    const org = await ledger.getOrg(orgId);
    if (!org.ok) throw refusalError('unknown_org', `no org ${orgId}`, { org: orgId });
  }

  app.post(
    '/v1/orgs/:org/api-keys',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['api keys'],
        summary: 'A new key; its secret is shown once (admin)',
        params: orgParams,
        body: createKeyBody,
        response: { 201: createdKeyResponse, ...problems },
      },
    },
    async (request, reply) => {
      await existingOrg(request.params.org);
      return idempotency.run(request, reply, `keys:${request.params.org}`, async () => {
        const { key, secret } = valueOf(await access.createKey(request.params.org, request.body));
        return { status: 201, body: { ...presentKey(key), secret } };
      });
    },
  );

  app.get(
    '/v1/orgs/:org/api-keys',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['api keys'],
        summary: 'The org keys, without secrets (admin)',
        params: orgParams,
        response: { 200: keyListResponse, ...problems },
      },
    },
    async (request) => {
      await existingOrg(request.params.org);
      return {
        data: (await access.listKeys(request.params.org)).map(presentKey),
        nextCursor: null,
      };
    },
  );

  app.delete(
    '/v1/orgs/:org/api-keys/:id',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['api keys'],
        summary: 'Revoke a key (admin)',
        params: idParams,
        response: { 200: keyResponse, ...problems },
      },
    },
    async (request, reply) => {
      await existingOrg(request.params.org);
      const revoked = await access.revokeKey(request.params.org, request.params.id);
      if (!revoked.ok) return sendProblem(reply, revoked.refusal);
      const key = (await access.listKeys(request.params.org)).find(
        (candidate) => candidate.id === request.params.id,
      );
      return key
        ? presentKey(key)
        : sendProblem(reply, { code: 'unknown_key', message: 'no such key', details: {} });
    },
  );

  app.post(
    '/v1/orgs/:org/members',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'Add a person who signs in to the dashboard (admin)',
        params: orgParams,
        body: createMemberBody,
        response: { 201: memberResponse, ...problems },
      },
    },
    async (request, reply) => {
      await existingOrg(request.params.org);
      return idempotency.run(request, reply, `members:${request.params.org}`, async () => ({
        status: 201,
        body: presentMember(valueOf(await access.createMember(request.params.org, request.body))),
      }));
    },
  );

  app.get(
    '/v1/orgs/:org/members',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'The org members (admin)',
        params: orgParams,
        response: { 200: memberListResponse, ...problems },
      },
    },
    async (request) => {
      await existingOrg(request.params.org);
      return {
        data: (await access.listMembers(request.params.org)).map(presentMember),
        nextCursor: null,
      };
    },
  );

  app.patch(
    '/v1/orgs/:org/members/:id',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'Change a member’s name, role or password (admin)',
        params: idParams,
        body: updateMemberBody,
        response: { 200: memberResponse, ...problems },
      },
    },
    async (request) => {
      await existingOrg(request.params.org);
      const body = request.body;
      return presentMember(
        valueOf(
          await access.updateMember(request.params.org, request.params.id, {
            ...(body.name === undefined ? {} : { name: body.name }),
            ...(body.role === undefined ? {} : { role: body.role }),
            ...(body.password === undefined ? {} : { password: body.password }),
          }),
        ),
      );
    },
  );

  app.delete(
    '/v1/orgs/:org/members/:id',
    {
      config: { need: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'Remove a member and end their sessions (admin)',
        params: idParams,
        response: { 204: noContent, ...problems },
      },
    },
    async (request, reply) => {
      await existingOrg(request.params.org);
      valueOf(await access.removeMember(request.params.org, request.params.id));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/login',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Sign in with email and password: sets the session cookie',
        body: loginBody,
        response: { 200: sessionResponse, ...problems },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const signedIn = valueOf(
        await access.login({
          email: body.email,
          password: body.password,
          ...(body.org === undefined ? {} : { org: body.org }),
        }),
      );
      // Set by hand: the cookie plugin's hooks are off (see server.ts), so it serialises only.
      reply.header(
        'set-cookie',
        app.serializeCookie(SESSION_COOKIE, signedIn.token, {
          httpOnly: true,
          sameSite: 'lax',
          secure: secureCookies,
          path: '/',
          expires: new Date(signedIn.session.expiresAt),
        }),
      );
      return {
        member: presentMember(signedIn.member),
        org: signedIn.session.orgId,
        csrfToken: signedIn.session.csrfToken,
        expiresAt: iso(signedIn.session.expiresAt),
      };
    },
  );

  app.get(
    '/v1/auth/session',
    {
      schema: {
        tags: ['sessions'],
        summary: 'The signed-in member and the CSRF token',
        response: { 200: sessionResponse, ...problems },
      },
    },
    async (request) => {
      const principal = request.principal;
      if (principal?.kind !== 'member') throw refusalError('unauthenticated', 'not signed in');
      const member = valueOf(await access.getMember(principal.orgId, principal.memberId));
      return {
        member: presentMember(member),
        org: principal.orgId,
        csrfToken: principal.session.csrfToken,
        expiresAt: iso(principal.session.expiresAt),
      };
    },
  );

  app.post(
    '/v1/auth/logout',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Sign out: ends the session',
        response: { 204: noContent, ...problems },
      },
    },
    async (request, reply) => {
      const principal = authorize(request, 'any');
      if (principal.kind === 'member') await access.logout(principal.session);
      reply.header(
        'set-cookie',
        app.serializeCookie(SESSION_COOKIE, '', {
          httpOnly: true,
          sameSite: 'lax',
          path: '/',
          expires: new Date(0),
        }),
      );
      return reply.code(204).send(null);
    },
  );
}
