import { formatCredits, type Micros } from '../core/amount.js';
import { planDraws, type Draw } from '../core/grant.js';
import type { Instant } from '../core/period.js';
import { ok, refuse, type Refusal, type Result } from '../core/refusal.js';
import { checkLimits, checkProject, countSpend } from './limits.js';
import type { ChargeInput, HoldInput } from './inputs.js';
import type { Attribution, PriceVersion, Transaction, TransactionRow } from './model.js';
import type { NewTransaction, OrgDraft } from './org-draft.js';
import { priceAt } from './prices.js';

/** A charge as callers see it: the usage row of the log, without its entries. */
export type ChargeResult = TransactionRow;

export function attributionOf(input: ChargeInput | HoldInput): Attribution {
  return {
    user: input.user ?? null,
    project: input.project ?? null,
    model: input.model ?? null,
    note: input.note ?? null,
    metadata: input.metadata ?? null,
  };
}

export function withoutEntries(transaction: Transaction): ChargeResult {
  const { entries: _entries, ...row } = transaction;
  return row;
}

/**
 * Spends the price of one AI action, drawing across grants in spend order (rule 4). A failed
 * action is logged and spends nothing; a charge that needs more than is available is refused
 * as a whole, and only the log records it (rule 3).
 */
export function charge(
  draft: OrgDraft,
  input: ChargeInput,
  at: Instant,
  prices: readonly PriceVersion[],
): Result<ChargeResult> {
  const priced = priceAt(input.feature, prices, at, input.quantities);
  if (!priced.ok) return priced;
  const row = {
    type: 'usage' as const,
    at,
    feature: input.feature,
    quantities: priced.value.quantities,
    ...attributionOf(input),
  };
  const project = checkProject(draft, row.project);
  if (!project.ok) return project;
  if (input.status === 'failed') {
    return ok(withoutEntries(draft.record({ ...row, status: 'failed' })));
  }
  const credits = priced.value.credits;
  const limits = checkLimits(draft, row, credits, at);
  if (!limits.ok) return refuseAndLog(draft, row, limits.refusal);
  const draws = planDraws(draft.grants.values(), credits, at);
  if (!draws) return refuseForCredits(draft, row, credits, at);
  spend(draft, draws, at);
  countSpend(draft, row, credits, at);
  return ok(withoutEntries(draft.record({ ...row, status: 'succeeded', draws })));
}

export function spend(draft: OrgDraft, draws: readonly Draw[], at: Instant): void {
  for (const draw of draws) draft.post(draft.grantOf(draw.grantId), 'usage', at, -draw.credits, 0n);
}

/** Logs a refusal (the only thing it writes), with its code as the reason (rule 3). */
export function refuseAndLog<T>(
  draft: OrgDraft,
  row: Omit<NewTransaction, 'status'>,
  refusal: Refusal,
): Result<T> {
  const logged = draft.record({ ...row, status: 'refused', reason: refusal.code });
  draft.keepDespiteRefusal();
  return {
    ok: false,
    refusal: { ...refusal, details: { ...refusal.details, transactionId: logged.id } },
  };
}

/** Logs the refusal (the only thing it writes) and says what was available. */
export function refuseForCredits<T>(
  draft: OrgDraft,
  row: Omit<NewTransaction, 'status'>,
  required: Micros,
  at: Instant,
): Result<T> {
  const available = draft.available(at);
  const logged = draft.record({ ...row, status: 'refused', reason: 'insufficient_credits' });
  draft.keepDespiteRefusal();
  return refuse(
    'insufficient_credits',
    `${formatCredits(required)} credits needed, ${formatCredits(available)} available`,
    { available, required, transactionId: logged.id },
  );
}
