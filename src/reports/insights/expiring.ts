/**
 * Credits about to expire: what the org loses in the next 7 and 30 days if it spends nothing.
 * Together with the runway (which says what it would lose at its recent rate), this is the prompt
 * to use allowance and trial credits before they go.
 */
import type { Micros } from '../../core/amount.js';
import type { GrantKind } from '../../core/grant.js';
import type { Instant } from '../../core/period.js';

export interface ExpiringLot {
  readonly grantId: string;
  readonly kind: GrantKind;
  /** What is left of the grant, held credits included: they expire too if the hold is voided. */
  readonly credits: Micros;
  readonly expiresAt: Instant;
}

export interface Expiring {
  readonly within7Days: Micros;
  readonly within30Days: Micros;
  /** Lots expiring within 30 days, soonest first. */
  readonly lots: readonly ExpiringLot[];
}

/** A grant as the caller reads it: it may never expire. */
export interface GrantLot {
  readonly grantId: string;
  readonly kind: GrantKind;
  readonly credits: Micros;
  readonly expiresAt: Instant | null;
}

const DAY_MS = 86_400_000;

/**
 * Sums the credits whose `expiresAt` falls in [now, now + 7 days) and [now, now + 30 days). Days
 * are 24 hours, not local days: "within 7 days" is a span of time, the same in every time zone.
 * Empty lots and never-expiring ones are left out. A lot whose `expiresAt` is `now` is inside the
 * window, but by rule 5 its credits are already gone at `now`, so a caller that reads remainders
 * at `now` passes it with 0 credits and it does not count.
 */
export function expiringCredits(lots: readonly (ExpiringLot | GrantLot)[], now: Instant): Expiring {
  const week = now + 7 * DAY_MS;
  const month = now + 30 * DAY_MS;
  const expiring: ExpiringLot[] = [];
  let within7Days = 0n;
  let within30Days = 0n;
  for (const { grantId, kind, credits, expiresAt } of lots) {
    if (credits <= 0n || expiresAt === null || expiresAt < now || expiresAt >= month) continue;
    expiring.push({ grantId, kind, credits, expiresAt });
    within30Days += credits;
    if (expiresAt < week) within7Days += credits;
  }
  expiring.sort(
    (a, b) =>
      a.expiresAt - b.expiresAt || (a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0),
  );
  return { within7Days, within30Days, lots: expiring };
}
