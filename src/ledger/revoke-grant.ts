/**
 * Takes back what is left of a grant: credits bought and then refunded to the buyer must leave
 * the pool. Written as an `adjustment` so history and statements show it. With `whole`, the grant
 * must be untouched (nothing spent, nothing held), else nothing changes: the check and the
 * removal happen in the same write, so a charge cannot slip between them.
 */
import { availableOf } from '../core/grant.js';
import type { Micros } from '../core/amount.js';
import type { Instant } from '../core/period.js';
import { ok, refuse, type Result } from '../core/refusal.js';
import type { OrgDraft } from './org-draft.js';

export interface RevokeGrantInput {
  /** Refuse unless nothing of the grant was spent or is held. */
  whole?: boolean;
  note?: string | null;
}

export interface RevokeGrantResult {
  readonly grantId: string;
  /** Credits taken out of the pool. */
  readonly revoked: Micros;
  /** What had been spent, held or had expired before: not taken back. */
  readonly kept: Micros;
  readonly transactionId: string | null;
}

export function revokeGrant(
  draft: OrgDraft,
  grantId: string,
  input: RevokeGrantInput,
  at: Instant,
): Result<RevokeGrantResult> {
  const grant = draft.grants.get(grantId);
  // Grants with nothing left are not loaded with the org's state: nothing to take back.
  const available =
    grant && (grant.expiresAt === null || grant.expiresAt > at) ? availableOf(grant) : 0n;
  const amount = grant?.amount ?? null;
  if (input.whole && (grant === undefined || available !== grant.amount)) {
    return refuse('grant_partly_spent', 'some of the grant is spent, held or expired', {
      grant: grantId,
      available,
      ...(amount === null ? {} : { amount }),
    });
  }
  if (!grant || available === 0n) {
    return ok({ grantId, revoked: 0n, kept: amount ?? 0n, transactionId: null });
  }
  draft.post(grant, 'adjustment', at, -available, 0n);
  const row = draft.record({
    type: 'adjustment',
    at,
    status: 'succeeded',
    note: input.note ?? null,
  });
  return ok({ grantId, revoked: available, kept: grant.amount - available, transactionId: row.id });
}
