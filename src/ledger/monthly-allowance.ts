/**
 * The org's monthly allowance as its plan sets it. A change never touches credits already
 * granted: the running allowance schedules end with the current period and a new one starts with
 * the next. Asked to (an upgrade), the difference is granted at once for the rest of the current
 * period, not prorated: a user who upgrades on the 28th gets the whole difference until month end.
 */
import { DEFAULT_PRIORITY } from '../core/grant.js';
import { formatCredits, type Micros } from '../core/amount.js';
import { periodOf, type Instant } from '../core/period.js';
import { invalid, ok, type Result } from '../core/refusal.js';
import type { Schedule } from './model.js';
import type { OrgDraft } from './org-draft.js';

export interface MonthlyAllowanceInput {
  /** Credits each period from the next one on; 0 ends the allowance. */
  credits: Micros;
  /** Grant now what the new allowance adds to the current period's. */
  topUpNow?: boolean;
  note?: string | null;
}

export interface MonthlyAllowanceResult {
  /** What the current period had from the allowance schedules before the change. */
  readonly previous: Micros;
  readonly credits: Micros;
  /** When the new allowance's first lot is made: the start of the next period. */
  readonly from: Instant;
  /** Credits granted now for the rest of the current period. */
  readonly toppedUp: Micros;
}

const MAX_ALLOWANCE = 1_000_000_000_000n * 1_000_000n;

export function setMonthlyAllowance(
  draft: OrgDraft,
  input: MonthlyAllowanceInput,
  at: Instant,
): Result<MonthlyAllowanceResult> {
  if (input.credits < 0n || input.credits > MAX_ALLOWANCE) {
    return invalid('credits', `the allowance must be from 0 to ${formatCredits(MAX_ALLOWANCE)}`);
  }
  const period = periodOf(at, draft.org.timeZone);
  const running = [...draft.schedules.values()].filter(
    (schedule) =>
      schedule.kind === 'allowance' &&
      (schedule.endAt === null || schedule.nextAt < schedule.endAt),
  );
  const previous = running.reduce((total, schedule) => total + schedule.credits, 0n);
  const note = input.note ?? null;
  const unchanged =
    running.length === 1 && running[0]?.credits === input.credits && running[0].endAt === null;
  if (!unchanged) {
    for (const schedule of running) draft.touchSchedule({ ...schedule, endAt: period.end });
    if (input.credits > 0n) {
      const next: Schedule = {
        id: draft.newId('sch_'),
        orgId: draft.org.id,
        kind: 'allowance',
        credits: input.credits,
        priority: running[0]?.priority ?? DEFAULT_PRIORITY,
        note,
        nextAt: period.end,
        endAt: null,
      };
      draft.touchSchedule(next);
    }
  }
  const toppedUp = input.topUpNow && input.credits > previous ? input.credits - previous : 0n;
  if (toppedUp > 0n) {
    draft.addGrant(
      {
        id: draft.newId('grt_'),
        orgId: draft.org.id,
        kind: 'allowance',
        amount: toppedUp,
        remaining: toppedUp,
        held: 0n,
        effectiveAt: at,
        expiresAt: period.end,
        priority: running[0]?.priority ?? DEFAULT_PRIORITY,
        note,
        scheduleId: null,
      },
      'grant',
      at,
    );
    draft.record({ type: 'grant', at, status: 'succeeded', note });
  }
  return ok({ previous, credits: input.credits, from: period.end, toppedUp });
}
