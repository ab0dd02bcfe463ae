import type { Micros } from '../core/amount.js';
import { availableOf, GRANT_KINDS, isLiveAt, type Grant, type GrantKind } from '../core/grant.js';
import type { Instant } from '../core/period.js';

export interface Balance {
  readonly at: Instant;
  /** Credits that may be spent now. */
  readonly available: Micros;
  /** Credits reserved by pending holds: in the pool, not available. */
  readonly held: Micros;
  /** Available credits by the kind of grant they come from. */
  readonly byKind: Readonly<Record<GrantKind, Micros>>;
  /** The soonest expiry of available credits. */
  readonly nextExpiry: { readonly credits: Micros; readonly at: Instant } | null;
}

/** Reads a balance off grants whose `remaining` and `held` are as of `at`. */
export function balanceOf(grants: Iterable<Grant>, at: Instant): Balance {
  const byKind = Object.fromEntries(GRANT_KINDS.map((kind) => [kind, 0n])) as Record<
    GrantKind,
    Micros
  >;
  let available = 0n;
  let held = 0n;
  let nextExpiry: { credits: Micros; at: Instant } | null = null;
  for (const grant of grants) {
    held += grant.held;
    if (!isLiveAt(grant, at)) continue;
    const free = availableOf(grant);
    available += free;
    byKind[grant.kind] += free;
    if (grant.expiresAt === null || free === 0n) continue;
    if (!nextExpiry || grant.expiresAt < nextExpiry.at) {
      nextExpiry = { credits: free, at: grant.expiresAt };
    } else if (grant.expiresAt === nextExpiry.at) {
      nextExpiry = { credits: nextExpiry.credits + free, at: grant.expiresAt };
    }
  }
  return { at, available, held, byKind, nextExpiry };
}
