/**
 * Rollup rows and the raw rows a rebuild sums, as both stores read them (integers as `bigint`).
 */
import type { GrantKind } from '../core/grant.js';
import type {
  EntryRollup,
  RollupEntry,
  RollupSource,
  UsageDimension,
  UsageRollup,
} from '../core/rollup.js';

type Row = Record<string, unknown>;

/** Raw rows read per statement while rebuilding, between which other work may run. */
export const REBUILD_CHUNK = 20_000;

/** A grant's entry sums up to some instant: its remaining and held credits then. */
export interface GrantSum {
  readonly grantId: string;
  readonly amount: bigint;
  readonly held: bigint;
}

/** The columns of a log row that rollups sum, as `logRowFrom` reads them. */
export const LOG_ROW_COLUMNS = 'id, type, status, at, credits, feature, "user", project, model';
export const ENTRY_COLUMNS = 'at, transaction_id, line, grant_id, kind, type, amount, held';

export function logRowFrom(orgId: string, row: Row): Omit<RollupSource, 'entries'> {
  return {
    id: row.id as string,
    orgId,
    type: row.type as string,
    status: row.status as string,
    at: Number(row.at as bigint),
    credits: row.credits as bigint,
    feature: row.feature as string | null,
    user: row.user as string | null,
    project: row.project as string | null,
    model: row.model as string | null,
  };
}

export function entryFrom(row: Row): RollupEntry {
  return {
    grantId: row.grant_id as string,
    kind: row.kind as GrantKind,
    type: row.type as string,
    at: Number(row.at as bigint),
    amount: row.amount as bigint,
    held: row.held as bigint,
  };
}

export function usageRollupFromRow(row: Row): UsageRollup {
  return {
    orgId: row.org_id as string,
    dimension: row.dimension as UsageDimension,
    day: row.day as string,
    value: row.value as string,
    used: BigInt(row.used as bigint),
    usageCount: Number(row.usage_count as bigint),
    failures: Number(row.failures as bigint),
    refused: Number(row.refused as bigint),
    refunded: BigInt(row.refunded as bigint),
    largest: BigInt(row.largest as bigint),
    largestId: row.largest_id as string | null,
  };
}

export function entryRollupFromRow(row: Row): EntryRollup {
  return {
    orgId: row.org_id as string,
    day: row.day as string,
    grantId: row.grant_id as string,
    type: row.type as string,
    kind: row.kind as GrantKind,
    amount: BigInt(row.amount as bigint),
    held: BigInt(row.held as bigint),
  };
}
