/**
 * Whom a charge is attributed to when its body names no `user`: the member signed in (by email),
 * or the API key that made it (`key:<id>`), so that allowances can be given to members and to
 * keys alike and the log always says who spent. Root's charges stay unattributed.
 */
import type { FastifyRequest } from 'fastify';
import type { Access } from '../access/access.js';

export const KEY_SPENDER_PREFIX = 'key:';

export async function spenderOf(request: FastifyRequest, access: Access): Promise<string | null> {
  const principal = request.principal;
  if (!principal || principal.kind === 'root') return null;
  if (principal.kind === 'key') return `${KEY_SPENDER_PREFIX}${principal.keyId}`;
  const member = await access.getMember(principal.orgId, principal.memberId);
  return member.ok ? member.value.email : null;
}
