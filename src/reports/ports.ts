/**
 * What reports need of a store beyond the ledger's port: the day rollups kept with every write
 * (src/core/rollup.ts) and their rebuilding from raw rows.
 */
import type { EntryRollup, UsageDimension, UsageRollup } from '../core/rollup.js';
import type { TransactionCursor, TransactionFilter } from '../ledger/ports.js';

export interface RebuildProgress {
  /** Raw rows summed so far, of `total` known when the rebuild began. */
  readonly rows: number;
  readonly total: number;
}

export interface RebuildResult {
  /** Raw rows (log rows and entries) summed. */
  readonly rows: number;
  readonly usageRollups: number;
  readonly entryRollups: number;
}

/** How usage sums are cut in time: by local day, by week from Monday, by calendar month. */
export type SumPeriod = 'day' | 'week' | 'month';

export interface UsageSumQuery {
  readonly dimension: UsageDimension;
  /** Local days `[fromDay, toDay)`. */
  readonly fromDay: string;
  readonly toDay: string;
  /** Sums per period, keyed by its first day ("YYYY-MM-DD"); none: one sum for the range. */
  readonly per?: SumPeriod;
  /** Sums per value of the dimension; otherwise all values together. */
  readonly byValue?: boolean;
  /** Only these values. */
  readonly values?: readonly string[];
  /** Only values starting with this. */
  readonly valuePrefix?: string;
}

/** A sum of usage rollups: credits used and refunded, usage, failed and refused attempts. */
export interface UsageSum {
  /** The period's first day (the Monday of a week, the 1st of a month), or null. */
  readonly period: string | null;
  /** The value, or null when values are summed together. */
  readonly value: string | null;
  readonly used: bigint;
  readonly usageCount: number;
  readonly failures: number;
  readonly refused: number;
  readonly refunded: bigint;
}

/**
 * A log row for export, as an array in this order: id, at (epoch ms), type, status, feature,
 * credits, balanceAfter, held (micro-credits as decimal integer text), user, project, model,
 * quantities (JSON text), draws (JSON text), holdId, chargeId, reason, note, metadata (JSON text).
 * Exports write millions of them: no object and no bigint per row.
 */
export type ExportRow = readonly [
  string,
  number,
  string,
  string,
  string | null,
  string,
  string,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
];

export interface ReportStore {
  /** The log rows `listTransactions` would give, newest first, as export rows. */
  exportTransactions(
    orgId: string,
    filter: TransactionFilter,
    limit: number,
    after: TransactionCursor | undefined,
  ): Promise<ExportRow[]>;
  /** Usage rollups summed in the database, per period and value as asked. */
  usageSums(orgId: string, query: UsageSumQuery): Promise<UsageSum[]>;
  /**
   * Usage rollups of the org in one dimension for local days `[fromDay, toDay)` ("YYYY-MM-DD"),
   * ordered by day then value; with `valuePrefix`, only values starting with it (a project's
   * features are `project_feature` rows valued `<project>\u001f<feature>`).
   */
  usageRollups(
    orgId: string,
    dimension: UsageDimension,
    fromDay: string,
    toDay: string,
    valuePrefix?: string,
  ): Promise<UsageRollup[]>;
  /** Recomputes the org's rollups from its raw rows; undefined when there is no such org. */
  rebuildRollups(
    orgId: string,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<RebuildResult | undefined>;
  /** Every rollup row of the org, in key order: for checks against a rebuild. */
  allRollups(orgId: string): Promise<{ usage: UsageRollup[]; entries: EntryRollup[] }>;
  /** Orgs whose history predates rollups and whose rollups are still to be built. */
  pendingRollups(): Promise<string[]>;
}
