/** Who made a request, in words fit for a plan's history or an invoice: an email, a key, root. */
import type { FastifyRequest } from 'fastify';
import type { Access } from '../access/access.js';

export async function actorOf(request: FastifyRequest, access: Access): Promise<string> {
  const principal = request.principal;
  if (!principal || principal.kind === 'root') return 'root';
  if (principal.kind === 'key') return `key ${principal.keyId}`;
  const member = await access.getMember(principal.orgId, principal.memberId);
  return member.ok ? member.value.email : `member ${principal.memberId}`;
}
