import { credits as toMicros, formatCredits } from '../core/amount.js';
import { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, type Grant } from '../core/grant.js';
import { periodOf, type Instant } from '../core/period.js';
import { invalid, ok, type Result } from '../core/refusal.js';
import type { GrantInput } from './inputs.js';
import type { OrgDraft } from './org-draft.js';

export interface GrantResult extends Grant {
  readonly recurrence: 'monthly' | null;
}

/** Adds credits: one lot now, or a recurring grant whose first lot is made now. */
export function grantCredits(draft: OrgDraft, input: GrantInput, at: Instant): Result<GrantResult> {
  const checked = checkGrant(input, at);
  if (!checked.ok) return checked;
  const { effectiveAt, priority } = checked.value;
  if (poolCeiling(draft) + input.credits > MAX_POOL) {
    return invalid('credits', `an org may hold at most ${formatCredits(MAX_POOL)} credits`);
  }
  const note = input.note ?? null;
  if (input.recurrence === 'monthly') {
    const schedule = {
      id: draft.newId('sch_'),
      orgId: draft.org.id,
      kind: input.kind,
      credits: input.credits,
      priority,
      note,
      nextAt: effectiveAt,
      endAt: input.expiresAt ?? null,
    };
    const lot = draft.issueLot(schedule, effectiveAt);
    return ok({ ...lot, recurrence: 'monthly' });
  }
  // A one-off allowance is still only good for its period.
  const expiresAt =
    input.expiresAt ??
    (input.kind === 'allowance' ? periodOf(effectiveAt, draft.org.timeZone).end : null);
  const grant: Grant = {
    id: draft.newId('grt_'),
    orgId: draft.org.id,
    kind: input.kind,
    amount: input.credits,
    remaining: input.credits,
    held: 0n,
    effectiveAt,
    expiresAt,
    priority,
    note,
    scheduleId: null,
  };
  const added = draft.addGrant(grant, 'grant', effectiveAt);
  draft.record({ type: 'grant', at: effectiveAt, status: 'succeeded', note });
  return ok({ ...added, recurrence: null });
}

const MAX_GRANT = toMicros(1_000_000_000_000);
/** Far above any real pool, far below what 64-bit sums of entries and balances can hold. */
const MAX_POOL = MAX_GRANT;

/**
 * A bound on what the org's pool can come to: what its grants have left, plus one more full lot
 * of each recurring grant still running.
 */
function poolCeiling(draft: OrgDraft): bigint {
  let total = 0n;
  for (const grant of draft.grants.values()) total += grant.remaining;
  for (const schedule of draft.schedules.values()) {
    if (schedule.endAt === null || schedule.nextAt < schedule.endAt) total += schedule.credits;
  }
  return total;
}

function checkGrant(
  input: GrantInput,
  at: Instant,
): Result<{ effectiveAt: Instant; priority: number }> {
  if (input.credits <= 0n) return invalid('credits', 'credits must be more than zero');
  if (input.credits > MAX_GRANT) {
    return invalid('credits', `credits may not exceed ${formatCredits(MAX_GRANT)}`);
  }
  const effectiveAt = input.effectiveAt ?? at;
  if (effectiveAt < at) {
    return invalid(
      'effectiveAt',
      'effectiveAt may not be before the write: date the write with at',
    );
  }
  const priority = input.priority ?? DEFAULT_PRIORITY;
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    return invalid(
      'priority',
      `priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`,
    );
  }
  if (input.expiresAt != null && input.expiresAt <= effectiveAt) {
    return invalid('expiresAt', 'expiresAt must be after effectiveAt');
  }
  return ok({ effectiveAt, priority });
}
