/**
 * The records the ledger keeps. Amounts are micro-credits (`bigint`), instants epoch milliseconds.
 */
import type { Micros } from '../core/amount.js';
import type { Draw, Grant, GrantKind } from '../core/grant.js';
import type { Instant } from '../core/period.js';
import type { PriceLine } from '../core/price.js';
import type { SpendLimit } from '../core/spend-limit.js';

export interface Org {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly plan: string | null;
  readonly createdAt: Instant;
  /** The instant of the org's latest write: no write may be dated before it (rule 6). */
  readonly clock: Instant;
}

/** A recurring grant: one lot per period, each expiring at its period's end. */
export interface Schedule {
  readonly id: string;
  readonly orgId: string;
  readonly kind: GrantKind;
  readonly credits: Micros;
  readonly priority: number;
  readonly note: string | null;
  /** Start of the next period whose lot is still to be made. */
  nextAt: Instant;
  /** No lot starts at or after this instant; null runs forever. */
  readonly endAt: Instant | null;
}

/** What an org's AI actions are for (a photo event, a client job, an assignment). */
export interface Project {
  /** Chosen by the org, named by charges: lowercase letters, digits, dots, dashes, underscores. */
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly createdAt: Instant;
  /** Archived projects keep their history and take no new charges. */
  readonly archivedAt: Instant | null;
  /** At most this much per month or in total, or no budget. */
  readonly budget: (SpendLimit & { readonly period: 'month' | 'total' }) | null;
}

/**
 * A user's allowance: what charges attributed to them (their `user`) may draw from the org's
 * pool per day, week, month or in total.
 */
export interface Allowance extends SpendLimit {
  readonly orgId: string;
  readonly user: string;
  readonly createdAt: Instant;
  /** A removed allowance no longer limits anyone. */
  readonly removedAt: Instant | null;
}

export type HoldStatus = 'pending' | 'captured' | 'voided';

/** Who and what an AI action is attributed to. */
export interface Attribution {
  readonly user: string | null;
  readonly project: string | null;
  readonly model: string | null;
  readonly note: string | null;
  readonly metadata: Readonly<Record<string, unknown>> | null;
}

/** Quantities as exact decimal strings, unit → "1234.5". */
export type QuantityRecord = Readonly<Record<string, string>>;

export interface Hold extends Attribution {
  readonly id: string;
  readonly orgId: string;
  status: HoldStatus;
  readonly feature: string;
  readonly quantities: QuantityRecord | null;
  readonly credits: Micros;
  /** The credits reserved, grant by grant, in spend order. */
  readonly reservations: readonly Draw[];
  readonly createdAt: Instant;
  readonly expiresAt: Instant;
  resolvedAt: Instant | null;
  /** The charge a capture made. */
  chargeId: string | null;
}

export const TRANSACTION_TYPES = [
  'grant',
  'usage',
  'hold',
  'void',
  'expiry',
  'refund',
  'adjustment',
] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/**
 * `succeeded` and `failed` are the statuses of an AI action; `refused` is a charge or hold turned
 * down for lack of credits; `pending` a hold still open.
 */
export const TRANSACTION_STATUSES = ['succeeded', 'failed', 'refused', 'pending'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** One immutable line of the ledger: a change of one grant's remaining and held credits. */
export interface Entry {
  readonly grantId: string;
  readonly kind: GrantKind;
  readonly type: TransactionType;
  readonly at: Instant;
  readonly amount: Micros;
  readonly held: Micros;
}

/** One row of the activity log, made of the entries it wrote. */
export interface Transaction extends Attribution {
  readonly id: string;
  readonly orgId: string;
  readonly type: TransactionType;
  readonly at: Instant;
  readonly status: TransactionStatus;
  readonly feature: string | null;
  /** Signed change of the pool: usage and expiry negative, grants and refunds positive, else 0. */
  readonly credits: Micros;
  /** Credits a hold reserved (hold rows) or released (void rows); 0 elsewhere. */
  readonly held: Micros;
  /** Credits available to spend right after this row. */
  readonly balanceAfter: Micros;
  readonly quantities: QuantityRecord | null;
  readonly draws: readonly Draw[];
  /** The hold a usage, hold or void row belongs to. */
  readonly holdId: string | null;
  /** The charge a refund returns. */
  readonly chargeId: string | null;
  /** Why a charge was refused or a hold voided. */
  readonly reason: string | null;
  readonly entries: readonly Entry[];
}

export interface PriceVersion {
  readonly featureId: string;
  readonly name: string;
  readonly lines: readonly PriceLine[];
  readonly effectiveAt: Instant;
}

/** A charge as a refund needs it: what it drew and how much has been returned already. */
export interface ChargeRecord {
  readonly id: string;
  readonly credits: Micros;
  readonly draws: readonly Draw[];
  readonly refunded: Micros;
  /** The grants the charge drew from, as they are now. */
  readonly grants: readonly Grant[];
  /** What the charge was for, carried onto its refunds so that usage by project or user nets out. */
  readonly feature: string | null;
  readonly user: string | null;
  readonly project: string | null;
  readonly model: string | null;
  /** When the charge was made: a refund gives back allowance and budget only in the same window. */
  readonly at: Instant;
}

/** A log row as callers see it, without the entries behind it. */
export type TransactionRow = Omit<Transaction, 'entries'>;
