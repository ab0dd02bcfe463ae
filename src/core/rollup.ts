/**
 * Rollups: the ledger summed per local day, kept in the same transaction as every write so that
 * reports read a few hundred rows instead of millions of entries (never recomputed at request
 * time; `tally rollups rebuild` recomputes them from the raw rows).
 *
 * - Usage rollups: per day and per value of a dimension (feature, project, user, model, credit
 *   kind, and feature or user within a project), the credits usage spent, the number of usage
 *   rows, failed and refused attempts, credits refunds gave back, and the day's largest charge
 *   (not kept by credit kind, where a charge may be split).
 * - Entry rollups: per day, grant and entry type, the sum of entry amounts and held credits. They
 *   give statements and balances at any instant (see `placeOfEntry` for how days count expiries).
 *
 * This module only sums; stores upsert what it sums.
 */
import type { Micros } from './amount.js';
import type { GrantKind } from './grant.js';
import { calendarOf } from './local-day.js';
import type { Instant } from './period.js';

export const USAGE_DIMENSIONS = [
  'all',
  'feature',
  'project',
  'user',
  'model',
  'kind',
  'project_feature',
  'project_user',
] as const;
export type UsageDimension = (typeof USAGE_DIMENSIONS)[number];

/** Joins the project and the feature or user of the two-level dimensions. */
export const VALUE_SEPARATOR = '\u001f';
/** The value of rows without one (no project, no user, no model): stored as ''. */
export const NO_VALUE = '';

export interface UsageRollup {
  readonly orgId: string;
  readonly day: string;
  readonly dimension: UsageDimension;
  readonly value: string;
  /** Credits spent by succeeded usage, positive. */
  used: Micros;
  usageCount: number;
  /** Failed AI actions and voided holds. */
  failures: number;
  /** Charges and holds turned down (no credits, an allowance or a budget reached). */
  refused: number;
  /** Credits refunds gave back to charges of this value. */
  refunded: Micros;
  /** The day's largest single charge, and its id. */
  largest: Micros;
  largestId: string | null;
}

export interface EntryRollup {
  readonly orgId: string;
  readonly day: string;
  readonly grantId: string;
  readonly type: string;
  readonly kind: GrantKind;
  amount: Micros;
  held: Micros;
}

/** What rollups need of a log row (a `Transaction` of src/ledger/model.ts has all of it). */
export interface RollupSource {
  readonly id: string;
  readonly orgId: string;
  readonly type: string;
  readonly status: string;
  readonly at: Instant;
  readonly credits: Micros;
  readonly feature: string | null;
  readonly user: string | null;
  readonly project: string | null;
  readonly model: string | null;
  readonly entries: readonly RollupEntry[];
}

export interface RollupEntry {
  readonly grantId: string;
  readonly kind: GrantKind;
  readonly type: string;
  readonly at: Instant;
  readonly amount: Micros;
  readonly held: Micros;
}

/** Sums rows into rollups; one per batch of writes, then upserted as deltas. */
export class RollupAccumulator {
  private readonly usage = new Map<string, UsageRollup>();
  private readonly entries = new Map<string, EntryRollup>();
  /** The log row whose entries are being added, and the credit kinds they have used so far. */
  private kindsOf: string | undefined;
  private readonly kindsSeen = new Set<GrantKind>();

  get isEmpty(): boolean {
    return this.usage.size === 0 && this.entries.size === 0;
  }

  usageRows(): UsageRollup[] {
    return [...this.usage.values()];
  }

  entryRows(): EntryRollup[] {
    return [...this.entries.values()];
  }

  clear(): void {
    this.usage.clear();
    this.entries.clear();
    this.kindsOf = undefined;
    this.kindsSeen.clear();
  }

  /** Adds one log row with its entries, its days found in the org's time zone. */
  add(row: RollupSource, timeZone: string): void {
    this.addRow(row, timeZone);
    for (const entry of row.entries) this.addEntry(row.orgId, row.id, entry, timeZone);
  }

  /** The usage part of a log row, but for credit kinds, which come from its entries. */
  addRow(row: Omit<RollupSource, 'entries'>, timeZone: string): void {
    if (!countsAsUsage(row)) return;
    const day = calendarOf(timeZone).dayOf(row.at).key;
    for (const [dimension, value] of valuesOf(row)) {
      const rollup = this.usageRow(row.orgId, day, dimension, value);
      if (row.type === 'refund') {
        rollup.refunded += row.credits;
      } else if (row.status === 'succeeded') {
        rollup.used -= row.credits;
        rollup.usageCount += 1;
        if (isLarger(-row.credits, row.id, rollup)) {
          rollup.largest = -row.credits;
          rollup.largestId = row.id;
        }
      } else if (row.status === 'failed') {
        rollup.failures += 1;
      } else if (row.status === 'refused') {
        rollup.refused += 1;
      }
    }
  }

  /**
   * One entry of log row `transactionId`. Usage and refund entries also count by credit kind: a
   * charge drawing on two kinds counts once in each. The entries of one row must come together
   * (they do: they share the row's instant, and stores keep them in row order).
   */
  addEntry(orgId: string, transactionId: string, entry: RollupEntry, timeZone: string): void {
    const calendar = calendarOf(timeZone);
    const day = calendar.dayOfEntry(entry.type, entry.at).key;
    const key = `${orgId}\u0000${day}\u0000${entry.grantId}\u0000${entry.type}`;
    let rollup = this.entries.get(key);
    if (!rollup) {
      rollup = {
        orgId,
        day,
        grantId: entry.grantId,
        type: entry.type,
        kind: entry.kind,
        amount: 0n,
        held: 0n,
      };
      this.entries.set(key, rollup);
    }
    rollup.amount += entry.amount;
    rollup.held += entry.held;
    if (entry.type !== 'usage' && entry.type !== 'refund') return;
    if (transactionId !== this.kindsOf) {
      this.kindsOf = transactionId;
      this.kindsSeen.clear();
    }
    const byKind = this.usageRow(orgId, day, 'kind', entry.kind);
    if (entry.type === 'refund') {
      byKind.refunded += entry.amount;
    } else {
      byKind.used -= entry.amount;
      if (!this.kindsSeen.has(entry.kind)) byKind.usageCount += 1;
    }
    this.kindsSeen.add(entry.kind);
  }

  private usageRow(orgId: string, day: string, dimension: UsageDimension, value: string) {
    const key = `${orgId}\u0000${day}\u0000${dimension}\u0000${value}`;
    let rollup = this.usage.get(key);
    if (!rollup) {
      rollup = emptyUsageRollup(orgId, day, dimension, value);
      this.usage.set(key, rollup);
    }
    return rollup;
  }
}

export function emptyUsageRollup(
  orgId: string,
  day: string,
  dimension: UsageDimension,
  value: string,
): UsageRollup {
  return {
    orgId,
    day,
    dimension,
    value,
    used: 0n,
    usageCount: 0,
    failures: 0,
    refused: 0,
    refunded: 0n,
    largest: 0n,
    largestId: null,
  };
}

/** Usage, failed and refused attempts, voided holds and refunds: what usage reports count. */
function countsAsUsage(row: Omit<RollupSource, 'entries'>): boolean {
  switch (row.type) {
    case 'usage':
    case 'void':
      return true;
    case 'refund':
      return row.status === 'succeeded';
    case 'hold':
      return row.status === 'refused';
    default:
      return false;
  }
}

function valuesOf(row: Omit<RollupSource, 'entries'>): [UsageDimension, string][] {
  const values: [UsageDimension, string][] = [
    ['all', NO_VALUE],
    ['feature', row.feature ?? NO_VALUE],
    ['project', row.project ?? NO_VALUE],
    ['user', row.user ?? NO_VALUE],
    ['model', row.model ?? NO_VALUE],
  ];
  if (row.project !== null) {
    values.push(['project_feature', row.project + VALUE_SEPARATOR + (row.feature ?? NO_VALUE)]);
    values.push(['project_user', row.project + VALUE_SEPARATOR + (row.user ?? NO_VALUE)]);
  }
  return values;
}

/**
 * Whether a charge of `credits` beats the rollup's largest: more credits, or as many and a smaller
 * id. A total order, so that rollups summed in any order (a batch, a rebuild) pick the same one;
 * the stores' upserts say the same in SQL.
 */
export function isLarger(
  credits: Micros,
  id: string,
  rollup: Pick<UsageRollup, 'largest' | 'largestId'>,
): boolean {
  return (
    rollup.largestId === null ||
    credits > rollup.largest ||
    (credits === rollup.largest && id < rollup.largestId)
  );
}

/** Merges `delta` into `into` (same key): what an upsert does in SQL. */
export function mergeUsageRollup(into: UsageRollup, delta: UsageRollup): void {
  into.used += delta.used;
  into.usageCount += delta.usageCount;
  into.failures += delta.failures;
  into.refused += delta.refused;
  into.refunded += delta.refunded;
  if (delta.largestId !== null && isLarger(delta.largest, delta.largestId, into)) {
    into.largest = delta.largest;
    into.largestId = delta.largestId;
  }
}
