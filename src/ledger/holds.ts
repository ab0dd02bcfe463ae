import type { Micros } from '../core/amount.js';
import { planDraws, type Draw, type Grant } from '../core/grant.js';
import type { Instant } from '../core/period.js';
import { invalid, ok, refuse, type Result } from '../core/refusal.js';
import {
  attributionOf,
  refuseAndLog,
  refuseForCredits,
  spend,
  withoutEntries,
  type ChargeResult,
} from './charge.js';
import {
  DEFAULT_HOLD_TTL_SECONDS,
  MAX_HOLD_TTL_SECONDS,
  type CaptureInput,
  type HoldInput,
  type VoidInput,
} from './inputs.js';
import type { Hold, PriceVersion, QuantityRecord } from './model.js';
import { checkLimits, checkProject, countSpend, giveBackSpend } from './limits.js';
import type { OrgDraft } from './org-draft.js';
import { priceAt, priceVersionAt, unknownFeature } from './prices.js';

/** Reserves credits for a long AI action; they stay in the pool but are not available. */
export function hold(
  draft: OrgDraft,
  input: HoldInput,
  at: Instant,
  prices: readonly PriceVersion[],
): Result<Hold> {
  const ttl = input.ttlSeconds ?? DEFAULT_HOLD_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_HOLD_TTL_SECONDS) {
    return invalid('ttlSeconds', `ttlSeconds must be an integer from 1 to ${MAX_HOLD_TTL_SECONDS}`);
  }
  const amount = amountToHold(input, at, prices);
  if (!amount.ok) return amount;
  const { credits, quantities } = amount.value;
  const id = draft.newId('hld_');
  const row = {
    type: 'hold' as const,
    at,
    feature: input.feature,
    quantities,
    holdId: id,
    ...attributionOf(input),
  };
  const project = checkProject(draft, row.project);
  if (!project.ok) return project;
  const limits = checkLimits(draft, row, credits, at);
  if (!limits.ok) return refuseAndLog(draft, row, limits.refusal);
  const reservations = planDraws(draft.grants.values(), credits, at);
  if (!reservations) return refuseForCredits(draft, row, credits, at);
  countSpend(draft, row, credits, at);
  for (const draw of reservations)
    draft.post(draft.grantOf(draw.grantId), 'hold', at, 0n, draw.credits);
  const created: Hold = {
    id,
    orgId: draft.org.id,
    status: 'pending',
    feature: input.feature,
    quantities,
    credits,
    reservations,
    createdAt: at,
    expiresAt: at + ttl * 1000,
    resolvedAt: null,
    chargeId: null,
    ...attributionOf(input),
  };
  draft.touchHold(created);
  draft.record({ ...row, status: 'pending', draws: reservations, held: credits });
  return ok(created);
}

function amountToHold(
  input: HoldInput,
  at: Instant,
  prices: readonly PriceVersion[],
): Result<{ credits: Micros; quantities: QuantityRecord | null }> {
  if (input.credits !== undefined) {
    if (input.quantities !== undefined) {
      return invalid('credits', 'give either credits or quantities, not both');
    }
    if (!priceVersionAt(prices, at)) return unknownFeature(input.feature, at);
    if (input.credits <= 0n) return invalid('credits', 'credits must be more than zero');
    return ok({ credits: input.credits, quantities: null });
  }
  return priceAt(input.feature, prices, at, input.quantities);
}

function pendingHold(hold: Hold | undefined, holdId: string): Result<Hold> {
  if (!hold) return refuse('unknown_hold', `no hold ${holdId}`, { holdId });
  if (hold.status !== 'pending') {
    return refuse('hold_not_pending', `hold ${holdId} is already ${hold.status}`, {
      holdId,
      status: hold.status,
    });
  }
  return ok(hold);
}

/**
 * Spends the final amount of a held action: less than held (the rest goes back), the same, or
 * more (the difference drawn in spend order, only if available). Rule 8: once.
 */
export function capture(
  draft: OrgDraft,
  holdId: string,
  input: CaptureInput,
  at: Instant,
  prices: readonly PriceVersion[],
): Result<ChargeResult> {
  const found = pendingHold(draft.holds.get(holdId), holdId);
  if (!found.ok) return found;
  const held = found.value;
  const amount = amountToCapture(held, input, at, prices);
  if (!amount.ok) return amount;
  const { credits, quantities } = amount.value;
  // What the hold counted against the allowance and budget is replaced by what is captured; a
  // refusal drops the draft, and the count with it.
  giveBackSpend(draft, held, held.credits, held.createdAt);
  const limits = checkLimits(draft, held, credits, at);
  if (!limits.ok) return limits;
  countSpend(draft, held, credits, at);

  // Spend the reservations in their order, then draw whatever the hold did not cover.
  const spent: Draw[] = [];
  const released: { grant: Grant; credits: Micros }[] = [];
  let left = credits;
  for (const reservation of held.reservations) {
    const take = reservation.credits < left ? reservation.credits : left;
    left -= take;
    const grant = draft.grantOf(reservation.grantId);
    draft.post(grant, 'usage', at, -take, -reservation.credits);
    if (take > 0n) spent.push({ ...reservation, credits: take });
    released.push({ grant, credits: reservation.credits - take });
  }
  if (left > 0n) {
    const extra = planDraws(draft.grants.values(), left, at);
    if (!extra) {
      // Nothing may change: the draft is dropped with the refusal, the hold stays pending.
      return refuse('insufficient_credits', 'the capture needs more than is available', {
        available: draft.available(at),
        required: left,
      });
    }
    spend(draft, extra, at);
    spent.push(...extra);
  }
  const charge = draft.record({
    type: 'usage',
    at,
    status: 'succeeded',
    feature: held.feature,
    quantities: quantities ?? held.quantities,
    user: held.user,
    project: held.project,
    model: held.model,
    note: held.note,
    metadata: held.metadata,
    draws: mergeDraws(spent),
    held: -held.credits,
    holdId,
  });
  draft.touchHold({ ...held, status: 'captured', resolvedAt: at, chargeId: charge.id });
  draft.expireReleased(released, at);
  return ok(withoutEntries(charge));
}

function amountToCapture(
  held: Hold,
  input: CaptureInput,
  at: Instant,
  prices: readonly PriceVersion[],
): Result<{ credits: Micros; quantities: QuantityRecord | null }> {
  if (input.credits !== undefined) {
    if (input.quantities !== undefined) {
      return invalid('credits', 'give either credits or quantities, not both');
    }
    if (input.credits < 0n) return invalid('credits', 'credits must not be negative');
    return ok({ credits: input.credits, quantities: null });
  }
  if (input.quantities !== undefined) return priceAt(held.feature, prices, at, input.quantities);
  return ok({ credits: held.credits, quantities: null });
}

/** One draw per grant, in first-drawn order. */
function mergeDraws(draws: readonly Draw[]): Draw[] {
  const merged = new Map<string, Draw>();
  for (const draw of draws) {
    const seen = merged.get(draw.grantId);
    merged.set(draw.grantId, seen ? { ...seen, credits: seen.credits + draw.credits } : draw);
  }
  return [...merged.values()];
}

export function voidHold(
  draft: OrgDraft,
  holdId: string,
  input: VoidInput,
  at: Instant,
): Result<Hold> {
  const found = pendingHold(draft.holds.get(holdId), holdId);
  if (!found.ok) return found;
  draft.voidHold(found.value, at, input.reason ?? null);
  return ok(draft.holds.get(holdId) as Hold);
}
