/**
 * Who is calling (a Bearer key or a session cookie) and whether they may: roles nest, root may do
 * everything, and another org's resources answer 404 as if they did not exist (rule 11).
 */
import type { FastifyRequest } from 'fastify';
import type { Access } from '../access/access.js';
import { roleAllows, type Principal, type Role } from '../access/model.js';
import { sameSecret } from '../access/secrets.js';
import { refusalError } from './errors.js';

export const SESSION_COOKIE = 'tally_session';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

export async function identify(
  request: FastifyRequest,
  access: Access,
): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw refusalError('unauthenticated', 'Authorization must be "Bearer <key>"');
    const principal = await access.authenticateKey(match[1]);
    if (!principal) throw refusalError('unauthenticated', 'the key is wrong or revoked');
    return principal;
  }
  const cookies = request.headers.cookie;
  const token =
    cookies === undefined ? undefined : request.server.parseCookie(cookies)[SESSION_COOKIE];
  return token ? access.authenticateSession(token) : undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a route needs: the root key, or a role in the org named by the path. */
export type Need = 'root' | 'any' | Role;

export function authorize(request: FastifyRequest, need: Need, orgId?: string): Principal {
  const principal = request.principal;
  if (!principal)
    throw refusalError('unauthenticated', 'send an API key as "Authorization: Bearer <key>"');
  if (principal.kind === 'member' && !SAFE_METHODS.has(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameSecret(sent, principal.session.csrfToken)) {
      throw refusalError(
        'csrf_token_invalid',
        `writes made with a session need the ${CSRF_HEADER} header`,
      );
    }
  }
  if (principal.kind === 'root') return principal;
  if (orgId !== undefined && principal.orgId !== orgId) {
    throw refusalError('unknown_org', `no org ${orgId}`, { org: orgId });
  }
  if (need === 'root') throw refusalError('forbidden', 'only the root key may do this');
  if (need !== 'any' && !roleAllows(principal.role, need)) {
    throw refusalError(
      'forbidden',
      `this needs the ${need} role; the caller is ${principal.role}`,
      {
        role: principal.role,
        needed: need,
      },
    );
  }
  return principal;
}

/** A stable name for rate limits and logs. */
export function principalId(principal: Principal | undefined, ip: string): string {
  if (!principal) return `ip:${ip}`;
  if (principal.kind === 'root') return 'root';
  return principal.kind === 'key' ? principal.keyId : principal.memberId;
}
