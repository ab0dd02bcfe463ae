/**
 * What reports need of a store beyond the ledger's port: the day rollups kept with every write
 * (src/core/rollup.ts) and their rebuilding from raw rows.
 */
import type { EntryRollup, UsageDimension, UsageRollup } from '../core/rollup.js';

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

export interface ReportStore {
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
