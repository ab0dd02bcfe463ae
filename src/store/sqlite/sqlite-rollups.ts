/**
 * The SQLite side of rollups (src/core/rollup.ts): upserting a batch's sums inside its commit,
 * reading sums over instant ranges (whole days from rollups, ragged ends from raw entries, see
 * src/store/rollup-range.ts), and rebuilding an org's rollups from its raw rows.
 */
import type Database from 'better-sqlite3';
import type { Micros } from '../../core/amount.js';
import type { GrantKind } from '../../core/grant.js';
import { calendarOf } from '../../core/local-day.js';
import type { Instant } from '../../core/period.js';
import {
  RollupAccumulator,
  type EntryRollup,
  type UsageDimension,
  type UsageRollup,
} from '../../core/rollup.js';
import type { EntryTotal } from '../../ledger/ports.js';
import type {
  RebuildProgress,
  RebuildResult,
  UsageSum,
  UsageSumQuery,
} from '../../reports/ports.js';
import { SQLITE_DIALECT, usageSumFromRow, usageSumSql } from '../usage-sum-sql.js';
import { splitRange, type RawRange } from '../rollup-range.js';
import {
  ENTRY_COLUMNS,
  entryRollupFromRow,
  entryFrom,
  LOG_ROW_COLUMNS,
  logRowFrom,
  usageRollupFromRow,
  REBUILD_CHUNK,
  type GrantSum,
} from '../rollup-rows.js';

type Row = Record<string, unknown>;
type Statement = Database.Statement<unknown[], Row>;

export class SqliteRollups {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: (text: string) => Statement,
  ) {}

  /** Adds a batch's sums to the stored rollups; inside the batch's transaction. */
  upsert(sums: RollupAccumulator): void {
    for (const row of sums.usageRows()) {
      this.sql(
        `INSERT INTO usage_rollups (org_id, dimension, day, value, used, usage_count, failures, refused,
           refunded, largest, largest_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id, dimension, day, value) DO UPDATE SET
           used = used + excluded.used,
           usage_count = usage_count + excluded.usage_count,
           failures = failures + excluded.failures,
           refused = refused + excluded.refused,
           refunded = refunded + excluded.refunded,
           largest = CASE WHEN ${LARGER} THEN excluded.largest ELSE largest END,
           largest_id = CASE WHEN ${LARGER} THEN excluded.largest_id ELSE largest_id END`,
      ).run(
        row.orgId,
        row.dimension,
        row.day,
        row.value,
        row.used,
        row.usageCount,
        row.failures,
        row.refused,
        row.refunded,
        row.largest,
        row.largestId,
      );
    }
    for (const row of sums.entryRows()) {
      this.sql(
        `INSERT INTO entry_rollups (org_id, day, grant_id, type, kind, amount, held)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id, day, grant_id, type) DO UPDATE SET
           amount = amount + excluded.amount, held = held + excluded.held`,
      ).run(row.orgId, row.day, row.grantId, row.type, row.kind, row.amount, row.held);
    }
  }

  /** Entry sums by kind and type over a range, counted the period's way. */
  entryTotals(
    orgId: string,
    timeZone: string,
    from: Instant,
    to: Instant,
    toIncluded: boolean,
  ): EntryTotal[] {
    const sums = new Map<string, EntryTotal>();
    const add = (kind: GrantKind, type: EntryTotal['type'], amount: Micros) => {
      const key = `${kind}\u0000${type}`;
      sums.set(key, { kind, type, amount: (sums.get(key)?.amount ?? 0n) + amount });
    };
    const split = splitRange(calendarOf(timeZone), from, to, toIncluded);
    if (split.days) {
      const rows = this.sql(
        `SELECT kind, type, SUM(amount) AS amount FROM entry_rollups
         WHERE org_id = ? AND day >= ? AND day < ? GROUP BY kind, type`,
      ).all(orgId, split.days.fromDay ?? '', split.days.toDay);
      for (const row of rows) {
        add(row.kind as GrantKind, row.type as EntryTotal['type'], row.amount as bigint);
      }
    }
    for (const range of split.raw) {
      for (const row of this.sql(
        `SELECT kind, type, SUM(amount) AS amount FROM entries WHERE org_id = ? AND ${RAW_RANGE}
         GROUP BY kind, type`,
      ).all(orgId, ...rawParameters(range))) {
        add(row.kind as GrantKind, row.type as EntryTotal['type'], row.amount as bigint);
      }
    }
    if (split.lessExpiriesAt !== null) {
      for (const row of this.sql(
        `SELECT kind, SUM(amount) AS amount FROM entries WHERE org_id = ? AND at = ? AND type = 'expiry'
         GROUP BY kind`,
      ).all(orgId, split.lessExpiriesAt)) {
        add(row.kind as GrantKind, 'expiry', -(row.amount as bigint));
      }
    }
    return [...sums.values()];
  }

  /** Each grant's entry sums up to `at` included: its remaining and held credits then. */
  grantSums(orgId: string, timeZone: string, at: Instant): GrantSum[] {
    const sums = new Map<string, GrantSum>();
    const add = (row: Row, sign = 1n) => {
      const grantId = row.grant_id as string;
      const before = sums.get(grantId);
      sums.set(grantId, {
        grantId,
        amount: (before?.amount ?? 0n) + sign * (row.amount as bigint),
        held: (before?.held ?? 0n) + sign * (row.held as bigint),
      });
    };
    const split = splitRange(calendarOf(timeZone), Number.MIN_SAFE_INTEGER, at, true);
    if (split.days) {
      this.sql(
        `SELECT grant_id, SUM(amount) AS amount, SUM(held) AS held FROM entry_rollups
         WHERE org_id = ? AND day < ? GROUP BY grant_id`,
      )
        .all(orgId, split.days.toDay)
        .forEach((row) => add(row));
    }
    for (const range of split.raw) {
      this.sql(
        `SELECT grant_id, SUM(amount) AS amount, SUM(held) AS held FROM entries
         WHERE org_id = ? AND ${RAW_RANGE} GROUP BY grant_id`,
      )
        .all(orgId, ...rawParameters(range))
        .forEach((row) => add(row));
    }
    if (split.lessExpiriesAt !== null) {
      this.sql(
        `SELECT grant_id, SUM(amount) AS amount, SUM(held) AS held FROM entries
         WHERE org_id = ? AND at = ? AND type = 'expiry' GROUP BY grant_id`,
      )
        .all(orgId, split.lessExpiriesAt)
        .forEach((row) => add(row, -1n));
    }
    return [...sums.values()];
  }

  /** Succeeded usage rows in `[from, to)`. */
  usageCount(orgId: string, timeZone: string, from: Instant, to: Instant): number {
    let count = 0;
    const split = splitRange(calendarOf(timeZone), from, to);
    if (split.days) {
      const row = this.sql(
        `SELECT COALESCE(SUM(usage_count), 0) AS count FROM usage_rollups
         WHERE org_id = ? AND dimension = 'all' AND day >= ? AND day < ?`,
      ).get(orgId, split.days.fromDay ?? '', split.days.toDay);
      count += Number(row?.count as bigint);
    }
    for (const range of split.raw) {
      const row = this.sql(
        `SELECT COUNT(*) AS count FROM transactions
         WHERE org_id = ? AND type = 'usage' AND status = 'succeeded' AND at >= ? AND at < ?`,
      ).get(orgId, range.from, range.to);
      count += Number(row?.count as bigint);
    }
    return count;
  }

  /** Usage rollups of one dimension over days `[fromDay, toDay)`, values starting with a prefix. */
  usageRollups(
    orgId: string,
    dimension: UsageDimension,
    fromDay: string,
    toDay: string,
    valuePrefix?: string,
  ): UsageRollup[] {
    const rows =
      valuePrefix === undefined
        ? this.sql(
            `SELECT * FROM usage_rollups WHERE org_id = ? AND dimension = ? AND day >= ? AND day < ?
             ORDER BY day, value`,
          ).all(orgId, dimension, fromDay, toDay)
        : this.sql(
            `SELECT * FROM usage_rollups WHERE org_id = ? AND dimension = ? AND day >= ? AND day < ?
               AND substr(value, 1, ?) = ? ORDER BY day, value`,
          ).all(orgId, dimension, fromDay, toDay, valuePrefix.length, valuePrefix);
    return rows.map(usageRollupFromRow);
  }

  all(orgId: string): { usage: UsageRollup[]; entries: EntryRollup[] } {
    return {
      usage: this.sql('SELECT * FROM usage_rollups WHERE org_id = ? ORDER BY dimension, day, value')
        .all(orgId)
        .map(usageRollupFromRow),
      entries: this.sql('SELECT * FROM entry_rollups WHERE org_id = ? ORDER BY day, grant_id, type')
        .all(orgId)
        .map(entryRollupFromRow),
    };
  }

  usageSums(orgId: string, query: UsageSumQuery): UsageSum[] {
    if (query.values?.length === 0) return [];
    const { text, values } = usageSumSql(SQLITE_DIALECT, orgId, query);
    return this.sql(text)
      .all(...values)
      .map(usageSumFromRow);
  }

  pendingOrgs(): string[] {
    return this.sql('SELECT org_id FROM rollups_pending ORDER BY org_id')
      .all()
      .map((row) => row.org_id as string);
  }

  /**
   * Recomputes the org's rollups from its raw rows. Rows dated before the org's clock can no
   * longer change (rule 6), so they are summed in chunks while writes go on; the rest, and the
   * swap of old rollups for new, happen in one transaction, in turn with the org's writes.
   */
  async rebuild(
    orgId: string,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<RebuildResult | undefined> {
    const org = this.sql('SELECT time_zone, clock FROM orgs WHERE id = ?').get(orgId);
    if (!org) return undefined;
    const timeZone = org.time_zone as string;
    const settled = Number(org.clock as bigint);
    const counted = this.sql(
      `SELECT (SELECT COUNT(*) FROM transactions WHERE org_id = ? AND at < ?) +
              (SELECT COUNT(*) FROM entries WHERE org_id = ? AND at < ?) AS rows`,
    ).get(orgId, settled, orgId, settled);
    const total = Number(counted?.rows as bigint);
    const sums = new RollupAccumulator();
    onProgress?.({ rows: 0, total });
    await this.sumRows(orgId, timeZone, settled, sums, (rows) => onProgress?.({ rows, total }));
    const finish = this.db.transaction((): RebuildResult | undefined => {
      if (!this.sql('SELECT 1 FROM orgs WHERE id = ?').get(orgId)) {
        this.sql('DELETE FROM rollups_pending WHERE org_id = ?').run(orgId);
        return undefined;
      }
      const rest = this.sumRange(orgId, timeZone, settled, Number.MAX_SAFE_INTEGER, sums);
      this.sql('DELETE FROM usage_rollups WHERE org_id = ?').run(orgId);
      this.sql('DELETE FROM entry_rollups WHERE org_id = ?').run(orgId);
      this.upsert(sums);
      this.sql('DELETE FROM rollups_pending WHERE org_id = ?').run(orgId);
      return {
        rows: total + rest,
        usageRollups: sums.usageRows().length,
        entryRollups: sums.entryRows().length,
      };
    });
    return finish.immediate();
  }

  /** Sums the org's rows dated before `before`, a chunk at a time, yielding in between. */
  private async sumRows(
    orgId: string,
    timeZone: string,
    before: Instant,
    sums: RollupAccumulator,
    onChunk: (rowsSoFar: number) => void,
  ): Promise<void> {
    let rows = 0;
    let cursor: [number, string] = [Number.MIN_SAFE_INTEGER, ''];
    for (;;) {
      const chunk = this.sql(
        `SELECT ${LOG_ROW_COLUMNS} FROM transactions
         WHERE org_id = ? AND (at, id) > (?, ?) AND at < ? ORDER BY at, id LIMIT ?`,
      ).all(orgId, cursor[0], cursor[1], before, REBUILD_CHUNK);
      for (const row of chunk) sums.addRow(logRowFrom(orgId, row), timeZone);
      rows += chunk.length;
      onChunk(rows);
      const last = chunk[chunk.length - 1];
      if (!last || chunk.length < REBUILD_CHUNK) break;
      cursor = [Number(last.at as bigint), last.id as string];
      await new Promise((resolve) => setImmediate(resolve));
    }
    let entryCursor: [number, string, number] = [Number.MIN_SAFE_INTEGER, '', -1];
    for (;;) {
      const chunk = this.sql(
        `SELECT ${ENTRY_COLUMNS} FROM entries
         WHERE org_id = ? AND (at, transaction_id, line) > (?, ?, ?) AND at < ?
         ORDER BY at, transaction_id, line LIMIT ?`,
      ).all(orgId, ...entryCursor, before, REBUILD_CHUNK);
      for (const row of chunk) {
        sums.addEntry(orgId, row.transaction_id as string, entryFrom(row), timeZone);
      }
      rows += chunk.length;
      onChunk(rows);
      const last = chunk[chunk.length - 1];
      if (!last || chunk.length < REBUILD_CHUNK) break;
      entryCursor = [
        Number(last.at as bigint),
        last.transaction_id as string,
        Number(last.line as bigint),
      ];
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Sums the org's rows dated in `[from, to)` at once; answers how many. */
  private sumRange(
    orgId: string,
    timeZone: string,
    from: Instant,
    to: Instant,
    sums: RollupAccumulator,
  ): number {
    const rows = this.sql(
      `SELECT ${LOG_ROW_COLUMNS} FROM transactions
       WHERE org_id = ? AND at >= ? AND at < ? ORDER BY at, id`,
    ).all(orgId, from, to);
    for (const row of rows) sums.addRow(logRowFrom(orgId, row), timeZone);
    const entries = this.sql(
      `SELECT ${ENTRY_COLUMNS} FROM entries
       WHERE org_id = ? AND at >= ? AND at < ? ORDER BY at, transaction_id, line`,
    ).all(orgId, from, to);
    for (const row of entries) {
      sums.addEntry(orgId, row.transaction_id as string, entryFrom(row), timeZone);
    }
    return rows.length + entries.length;
  }
}

/** The upsert's rule for the largest charge: `isLarger` of src/core/rollup.ts in SQL. */
const LARGER = `(largest_id IS NULL OR (excluded.largest_id IS NOT NULL AND (excluded.largest > largest
  OR (excluded.largest = largest AND excluded.largest_id < largest_id))))`;

/** Raw entries of a range, the period's way: expiries `from < at <= to`, others `from <= at < to`. */
const RAW_RANGE = `at >= ? AND at <= ?
  AND CASE WHEN type = 'expiry' THEN at > ? ELSE at < ? OR (? AND at = ?) END`;

function rawParameters(range: RawRange): unknown[] {
  return [range.from, range.to, range.from, range.to, range.toIncluded ? 1 : 0, range.to];
}
