import { formatCredits, type Micros } from '../core/amount.js';
import { DEFAULT_PRIORITY, isLiveAt, type Draw } from '../core/grant.js';
import type { Instant } from '../core/period.js';
import { invalid, ok, refuse, type Result } from '../core/refusal.js';
import { withoutEntries } from './charge.js';
import type { RefundInput } from './inputs.js';
import type { ChargeRecord, TransactionRow } from './model.js';
import { giveBackSpend } from './limits.js';
import type { OrgDraft } from './org-draft.js';

/**
 * Returns credits of a charge to the grants they came from, last drawn first (an undo, so
 * purchased credits, drawn last, come back first). What cannot go back because its grant has
 * expired becomes a new `refund` grant that never expires.
 */
export function refund(
  draft: OrgDraft,
  charge: ChargeRecord | undefined,
  chargeId: string,
  input: RefundInput,
  at: Instant,
): Result<TransactionRow> {
  if (!charge) return refuse('unknown_charge', `no charge ${chargeId}`, { chargeId });
  const refundable = charge.credits - charge.refunded;
  const credits = input.credits ?? refundable;
  if (credits <= 0n && input.credits !== undefined) {
    return invalid('credits', 'credits must be more than zero');
  }
  if (credits > refundable || credits === 0n) {
    return refuse(
      'refund_exceeds_charge',
      `only ${formatCredits(refundable)} of charge ${chargeId} is left to refund`,
      { chargeId, refundable },
    );
  }
  for (const grant of charge.grants) draft.adopt(grant);

  const returned: Draw[] = [];
  let unreturnable = 0n;
  for (const part of partsToReturn(charge.draws, charge.refunded, credits)) {
    const grant = draft.grantOf(part.grantId);
    if (isLiveAt(grant, at)) {
      draft.post(grant, 'refund', at, part.credits, 0n);
      returned.push(part);
    } else {
      unreturnable += part.credits;
    }
  }
  if (unreturnable > 0n) {
    const added = draft.addGrant(
      {
        id: draft.newId('grt_'),
        orgId: draft.org.id,
        kind: 'refund',
        amount: unreturnable,
        remaining: unreturnable,
        held: 0n,
        effectiveAt: at,
        expiresAt: null,
        priority: DEFAULT_PRIORITY,
        note: `refund of ${chargeId}`,
        scheduleId: null,
      },
      'refund',
      at,
    );
    returned.push({ grantId: added.id, kind: 'refund', credits: unreturnable });
  }
  giveBackSpend(draft, charge, credits, charge.at);
  const row = draft.record({
    type: 'refund',
    at,
    status: 'succeeded',
    note: input.note ?? null,
    draws: returned,
    chargeId,
    feature: charge.feature,
    user: charge.user,
    project: charge.project,
    model: charge.model,
  });
  return ok(withoutEntries(row));
}

/**
 * The parts of the draws that `credits` returns, given that `alreadyRefunded` went back before.
 * Both walk the draws from the last: refunds so far are a prefix of that walk.
 */
export function partsToReturn(
  draws: readonly Draw[],
  alreadyRefunded: Micros,
  credits: Micros,
): Draw[] {
  const parts: Draw[] = [];
  let skip = alreadyRefunded;
  let left = credits;
  for (const draw of [...draws].reverse()) {
    let available = draw.credits;
    const skipped = skip < available ? skip : available;
    available -= skipped;
    skip -= skipped;
    const take = left < available ? left : available;
    if (take > 0n) parts.push({ ...draw, credits: take });
    left -= take;
    if (left === 0n) break;
  }
  return parts;
}
