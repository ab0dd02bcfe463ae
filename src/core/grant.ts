/**
 * Grants: lots of credits added to an org. Rule 4 (spend order) and the expiry half of rule 5
 * live here.
 */
import type { Micros } from './amount.js';
import type { Instant } from './period.js';

export const GRANT_KINDS = [
  'allowance',
  'purchase',
  'trial',
  'promo',
  'admin_grant',
  'refund',
] as const;
export type GrantKind = (typeof GRANT_KINDS)[number];

export function isGrantKind(value: unknown): value is GrantKind {
  return typeof value === 'string' && (GRANT_KINDS as readonly string[]).includes(value);
}

/** Kinds the org did not pay for; spent before `purchase` at equal priority and expiry. */
export function isFreeKind(kind: GrantKind): boolean {
  return kind !== 'purchase';
}

export const DEFAULT_PRIORITY = 50;
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 100;

export interface Grant {
  readonly id: string;
  readonly orgId: string;
  readonly kind: GrantKind;
  /** What was granted. */
  readonly amount: Micros;
  /** What is left in the pool, held credits included; 0 once spent or expired. */
  remaining: Micros;
  /** The part of `remaining` reserved by pending holds. */
  held: Micros;
  readonly effectiveAt: Instant;
  /** Exclusive end of validity; null never expires. */
  readonly expiresAt: Instant | null;
  readonly priority: number;
  readonly note: string | null;
  /** The recurring grant that made this lot, if any. */
  readonly scheduleId: string | null;
}

/** Whether the grant's credits may be spent at `at`: effective (inclusive) and not yet expired. */
export function isLiveAt(grant: Grant, at: Instant): boolean {
  return grant.effectiveAt <= at && (grant.expiresAt === null || at < grant.expiresAt);
}

export function availableOf(grant: Grant): Micros {
  return grant.remaining - grant.held;
}

/**
 * Rule 4: priority ascending, then soonest expiry (never-expiring last), then free kinds before
 * purchased, then oldest effective time, then id.
 */
export function compareSpendOrder(a: Grant, b: Grant): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.expiresAt !== b.expiresAt) {
    if (a.expiresAt === null) return 1;
    if (b.expiresAt === null) return -1;
    return a.expiresAt - b.expiresAt;
  }
  const aFree = isFreeKind(a.kind);
  if (aFree !== isFreeKind(b.kind)) return aFree ? -1 : 1;
  if (a.effectiveAt !== b.effectiveAt) return a.effectiveAt - b.effectiveAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface Draw {
  readonly grantId: string;
  readonly kind: GrantKind;
  readonly credits: Micros;
}

/**
 * Plans how `amount` is drawn from the grants live at `at`, in spend order. Returns undefined when
 * they hold less than `amount` available: a spend is refused as a whole (rule 3).
 */
export function planDraws(
  grants: Iterable<Grant>,
  amount: Micros,
  at: Instant,
): Draw[] | undefined {
  const usable = [...grants].filter((grant) => isLiveAt(grant, at) && availableOf(grant) > 0n);
  usable.sort(compareSpendOrder);
  const draws: Draw[] = [];
  let left = amount;
  for (const grant of usable) {
    if (left === 0n) break;
    const take = availableOf(grant) < left ? availableOf(grant) : left;
    draws.push({ grantId: grant.id, kind: grant.kind, credits: take });
    left -= take;
  }
  return left === 0n ? draws : undefined;
}

/** What is available at `at` across grants: live credits not held. */
export function availableAt(grants: Iterable<Grant>, at: Instant): Micros {
  let total = 0n;
  for (const grant of grants) if (isLiveAt(grant, at)) total += availableOf(grant);
  return total;
}
