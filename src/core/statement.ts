/**
 * How entries count in a period `[start, end)` (rule 10 and DESIGN.md section 4): usage, grants
 * and refunds by the period containing their instant; an expiry at instant T by the period whose
 * credits it ends, the one with `start < T <= end`. Opening is everything counted before.
 */
import type { Micros } from './amount.js';
import { GRANT_KINDS, type GrantKind } from './grant.js';
import type { Instant } from './period.js';

export type EntryPlace = 'before' | 'within' | 'after';

export function placeOfEntry(
  type: string,
  at: Instant,
  start: Instant,
  end: Instant,
  /** For a period still running, read up to `end` included: a read at t includes writes dated t. */
  endIncluded = false,
): EntryPlace {
  if (type === 'expiry') return at <= start ? 'before' : at <= end ? 'within' : 'after';
  return at < start ? 'before' : at < end || (endIncluded && at === end) ? 'within' : 'after';
}

export interface KindFlows {
  opening: Micros;
  added: Micros;
  consumed: Micros;
  expired: Micros;
  closing: Micros;
}

export function emptyFlows(): Record<GrantKind, KindFlows> {
  const flows = {} as Record<GrantKind, KindFlows>;
  for (const kind of GRANT_KINDS) {
    flows[kind] = { opening: 0n, added: 0n, consumed: 0n, expired: 0n, closing: 0n };
  }
  return flows;
}

/** Adds one entry (or a sum of entries of one kind and type) to the period's flows. */
export function countEntry(
  flows: Record<GrantKind, KindFlows>,
  kind: GrantKind,
  type: string,
  place: EntryPlace,
  amount: Micros,
): void {
  const row = flows[kind];
  if (place === 'after') return;
  if (place === 'before') row.opening += amount;
  else if (type === 'usage') row.consumed -= amount;
  else if (type === 'expiry') row.expired -= amount;
  else row.added += amount; // grants, refunds and adjustments; holds and voids move no credits
  row.closing += amount;
}
