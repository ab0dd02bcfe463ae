/**
 * The PostgreSQL side of rollups (src/core/rollup.ts). Batches upsert their sums inside
 * `tally_commit` (see commit-batch.ts); this module reads sums over instant ranges (whole days
 * from rollups, ragged ends from raw entries, see src/store/rollup-range.ts) and rebuilds an
 * org's rollups from its raw rows.
 */
import type pg from 'pg';
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
import { POSTGRES_DIALECT, usageSumFromRow, usageSumSql } from '../usage-sum-sql.js';
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
type Db = pg.Pool | pg.PoolClient;

async function rows(db: Db, text: string, values: unknown[]): Promise<Row[]> {
  return (await db.query<Row>(text, values)).rows;
}

/** Raw entries of a range, the period's way: expiries `from < at <= to`, others `from <= at < to`. */
function rawRange(first: number): string {
  const [from, to, included] = [`$${first}`, `$${first + 1}`, `$${first + 2}`];
  return `at >= ${from} AND at <= ${to}
    AND CASE WHEN type = 'expiry' THEN at > ${from} ELSE at < ${to} OR (${included} AND at = ${to}) END`;
}

function rawValues(range: RawRange): unknown[] {
  return [range.from, range.to, range.toIncluded];
}

export async function entryTotals(
  pool: pg.Pool,
  orgId: string,
  timeZone: string,
  from: Instant,
  to: Instant,
  toIncluded: boolean,
): Promise<EntryTotal[]> {
  const split = splitRange(calendarOf(timeZone), from, to, toIncluded);
  const parts: Promise<Row[]>[] = [];
  if (split.days) {
    parts.push(
      rows(
        pool,
        `SELECT kind, type, SUM(amount) AS amount FROM entry_rollups
         WHERE org_id = $1 AND day >= $2 AND day < $3 GROUP BY kind, type`,
        [orgId, split.days.fromDay ?? '', split.days.toDay],
      ),
    );
  }
  for (const range of split.raw) {
    parts.push(
      rows(
        pool,
        `SELECT kind, type, SUM(amount) AS amount FROM entries WHERE org_id = $1 AND ${rawRange(2)}
         GROUP BY kind, type`,
        [orgId, ...rawValues(range)],
      ),
    );
  }
  if (split.lessExpiriesAt !== null) {
    parts.push(
      rows(
        pool,
        `SELECT kind, 'expiry' AS type, -SUM(amount) AS amount FROM entries
         WHERE org_id = $1 AND at = $2 AND type = 'expiry' GROUP BY kind`,
        [orgId, split.lessExpiriesAt],
      ),
    );
  }
  const sums = new Map<string, EntryTotal>();
  for (const row of (await Promise.all(parts)).flat()) {
    const kind = row.kind as GrantKind;
    const type = row.type as EntryTotal['type'];
    const key = `${kind}\u0000${type}`;
    sums.set(key, { kind, type, amount: (sums.get(key)?.amount ?? 0n) + (row.amount as bigint) });
  }
  return [...sums.values()];
}

/** Each grant's entry sums up to `at` included: its remaining and held credits then. */
export async function grantSums(
  pool: pg.Pool,
  orgId: string,
  timeZone: string,
  at: Instant,
): Promise<GrantSum[]> {
  const split = splitRange(calendarOf(timeZone), Number.MIN_SAFE_INTEGER, at, true);
  const parts: Promise<Row[]>[] = [];
  if (split.days) {
    parts.push(
      rows(
        pool,
        `SELECT grant_id, SUM(amount) AS amount, SUM(held) AS held FROM entry_rollups
         WHERE org_id = $1 AND day < $2 GROUP BY grant_id`,
        [orgId, split.days.toDay],
      ),
    );
  }
  for (const range of split.raw) {
    parts.push(
      rows(
        pool,
        `SELECT grant_id, SUM(amount) AS amount, SUM(held) AS held FROM entries
         WHERE org_id = $1 AND ${rawRange(2)} GROUP BY grant_id`,
        [orgId, ...rawValues(range)],
      ),
    );
  }
  if (split.lessExpiriesAt !== null) {
    parts.push(
      rows(
        pool,
        `SELECT grant_id, -SUM(amount) AS amount, -SUM(held) AS held FROM entries
         WHERE org_id = $1 AND at = $2 AND type = 'expiry' GROUP BY grant_id`,
        [orgId, split.lessExpiriesAt],
      ),
    );
  }
  const sums = new Map<string, GrantSum>();
  for (const row of (await Promise.all(parts)).flat()) {
    const grantId = row.grant_id as string;
    const before = sums.get(grantId);
    sums.set(grantId, {
      grantId,
      amount: (before?.amount ?? 0n) + (row.amount as bigint),
      held: (before?.held ?? 0n) + (row.held as bigint),
    });
  }
  return [...sums.values()];
}

/** Succeeded usage rows in `[from, to)`. */
export async function usageCount(
  pool: pg.Pool,
  orgId: string,
  timeZone: string,
  from: Instant,
  to: Instant,
): Promise<number> {
  const split = splitRange(calendarOf(timeZone), from, to);
  const parts: Promise<Row[]>[] = [];
  if (split.days) {
    parts.push(
      rows(
        pool,
        `SELECT COALESCE(SUM(usage_count), 0) AS count FROM usage_rollups
         WHERE org_id = $1 AND dimension = 'all' AND day >= $2 AND day < $3`,
        [orgId, split.days.fromDay ?? '', split.days.toDay],
      ),
    );
  }
  for (const range of split.raw) {
    parts.push(
      rows(
        pool,
        `SELECT COUNT(*) AS count FROM transactions
         WHERE org_id = $1 AND type = 'usage' AND status = 'succeeded' AND at >= $2 AND at < $3`,
        [orgId, range.from, range.to],
      ),
    );
  }
  let count = 0;
  for (const row of (await Promise.all(parts)).flat()) count += Number(row.count as bigint);
  return count;
}

export async function usageRollups(
  pool: pg.Pool,
  orgId: string,
  dimension: UsageDimension,
  fromDay: string,
  toDay: string,
  valuePrefix?: string,
): Promise<UsageRollup[]> {
  const found =
    valuePrefix === undefined
      ? await rows(
          pool,
          `SELECT * FROM usage_rollups WHERE org_id = $1 AND dimension = $2 AND day >= $3 AND day < $4
           ORDER BY day, value`,
          [orgId, dimension, fromDay, toDay],
        )
      : await rows(
          pool,
          `SELECT * FROM usage_rollups WHERE org_id = $1 AND dimension = $2 AND day >= $3 AND day < $4
             AND starts_with(value, $5) ORDER BY day, value`,
          [orgId, dimension, fromDay, toDay, valuePrefix],
        );
  return found.map(usageRollupFromRow);
}

export async function allRollups(
  pool: pg.Pool,
  orgId: string,
): Promise<{ usage: UsageRollup[]; entries: EntryRollup[] }> {
  const [usage, entries] = await Promise.all([
    rows(pool, 'SELECT * FROM usage_rollups WHERE org_id = $1 ORDER BY dimension, day, value', [
      orgId,
    ]),
    rows(pool, 'SELECT * FROM entry_rollups WHERE org_id = $1 ORDER BY day, grant_id, type', [
      orgId,
    ]),
  ]);
  return { usage: usage.map(usageRollupFromRow), entries: entries.map(entryRollupFromRow) };
}

export async function usageSums(
  pool: pg.Pool,
  orgId: string,
  query: UsageSumQuery,
): Promise<UsageSum[]> {
  if (query.values?.length === 0) return [];
  const { text, values } = usageSumSql(POSTGRES_DIALECT, orgId, query);
  return (await rows(pool, text, values)).map(usageSumFromRow);
}

export async function pendingOrgs(pool: pg.Pool): Promise<string[]> {
  return (await rows(pool, 'SELECT org_id FROM rollups_pending ORDER BY org_id', [])).map(
    (row) => row.org_id as string,
  );
}

/**
 * Recomputes the org's rollups from its raw rows. Rows dated before the org's clock can no
 * longer change (rule 6), so they are summed in chunks while writes go on; the rest, and the swap
 * of old rollups for new, happen in one transaction under the org row's lock, which
 * `tally_commit` takes to apply the org's writes.
 */
export async function rebuild(
  pool: pg.Pool,
  orgId: string,
  onProgress?: (progress: RebuildProgress) => void,
): Promise<RebuildResult | undefined> {
  const [org] = await rows(pool, 'SELECT time_zone, clock FROM orgs WHERE id = $1', [orgId]);
  if (!org) {
    await pool.query('DELETE FROM rollups_pending WHERE org_id = $1', [orgId]);
    return undefined;
  }
  const timeZone = org.time_zone as string;
  const settled = org.clock as bigint;
  const [counted] = await rows(
    pool,
    `SELECT (SELECT COUNT(*) FROM transactions WHERE org_id = $1 AND at < $2) +
            (SELECT COUNT(*) FROM entries WHERE org_id = $1 AND at < $2) AS rows`,
    [orgId, settled],
  );
  const total = Number(counted?.rows as bigint);
  const sums = new RollupAccumulator();
  onProgress?.({ rows: 0, total });
  let done = 0;
  let cursor: unknown[] = [Number.MIN_SAFE_INTEGER, ''];
  for (;;) {
    const chunk = await rows(
      pool,
      `SELECT ${LOG_ROW_COLUMNS} FROM transactions
       WHERE org_id = $1 AND (at, id) > ($2, $3) AND at < $4 ORDER BY at, id LIMIT $5`,
      [orgId, ...cursor, settled, REBUILD_CHUNK],
    );
    for (const row of chunk) sums.addRow(logRowFrom(orgId, row), timeZone);
    done += chunk.length;
    onProgress?.({ rows: done, total });
    const last = chunk[chunk.length - 1];
    if (!last || chunk.length < REBUILD_CHUNK) break;
    cursor = [last.at, last.id];
  }
  cursor = [Number.MIN_SAFE_INTEGER, '', -1];
  for (;;) {
    const chunk = await rows(
      pool,
      `SELECT ${ENTRY_COLUMNS} FROM entries
       WHERE org_id = $1 AND (at, transaction_id, line) > ($2, $3, $4) AND at < $5
       ORDER BY at, transaction_id, line LIMIT $6`,
      [orgId, ...cursor, settled, REBUILD_CHUNK],
    );
    for (const row of chunk) {
      sums.addEntry(orgId, row.transaction_id as string, entryFrom(row), timeZone);
    }
    done += chunk.length;
    onProgress?.({ rows: done, total });
    const last = chunk[chunk.length - 1];
    if (!last || chunk.length < REBUILD_CHUNK) break;
    cursor = [last.at, last.transaction_id, last.line];
  }

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const locked = await client.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
    if (locked.rowCount === 0) {
      await client.query('DELETE FROM rollups_pending WHERE org_id = $1', [orgId]);
      await client.query('COMMIT');
      return undefined;
    }
    const recent = await rows(
      client,
      `SELECT ${LOG_ROW_COLUMNS} FROM transactions
       WHERE org_id = $1 AND at >= $2 ORDER BY at, id`,
      [orgId, settled],
    );
    for (const row of recent) sums.addRow(logRowFrom(orgId, row), timeZone);
    const recentEntries = await rows(
      client,
      `SELECT ${ENTRY_COLUMNS} FROM entries
       WHERE org_id = $1 AND at >= $2 ORDER BY at, transaction_id, line`,
      [orgId, settled],
    );
    for (const row of recentEntries) {
      sums.addEntry(orgId, row.transaction_id as string, entryFrom(row), timeZone);
    }
    await client.query('DELETE FROM usage_rollups WHERE org_id = $1', [orgId]);
    await client.query('DELETE FROM entry_rollups WHERE org_id = $1', [orgId]);
    await client.query(INSERT_ROLLUPS, [rollupsDocument(sums)]);
    await client.query('DELETE FROM rollups_pending WHERE org_id = $1', [orgId]);
    await client.query('COMMIT');
    return {
      rows: total + recent.length + recentEntries.length,
      usageRollups: sums.usageRows().length,
      entryRollups: sums.entryRows().length,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Rollup rows as `tally_commit` and the rebuild take them: amounts as text, never floats. */
export function rollupRows(sums: RollupAccumulator): {
  usage_rollups: Record<string, unknown>[];
  entry_rollups: Record<string, unknown>[];
} {
  return {
    usage_rollups: sums.usageRows().map((row) => ({
      org_id: row.orgId,
      dimension: row.dimension,
      day: row.day,
      value: row.value,
      used: row.used.toString(),
      usage_count: row.usageCount,
      failures: row.failures,
      refused: row.refused,
      refunded: row.refunded.toString(),
      largest: row.largest.toString(),
      largest_id: row.largestId,
    })),
    entry_rollups: sums.entryRows().map((row: EntryRollup) => ({
      org_id: row.orgId,
      day: row.day,
      grant_id: row.grantId,
      type: row.type,
      kind: row.kind,
      amount: row.amount.toString(),
      held: row.held.toString(),
    })),
  };
}

function rollupsDocument(sums: RollupAccumulator): string {
  return JSON.stringify(rollupRows(sums));
}

/** A rebuild's rows into empty rollups of its org. */
const INSERT_ROLLUPS = `
  WITH doc AS (SELECT $1::jsonb AS batch),
  usage AS (
    INSERT INTO usage_rollups (org_id, dimension, day, value, used, usage_count, failures, refused,
                               refunded, largest, largest_id)
    SELECT org_id, dimension, day, value, used, usage_count, failures, refused, refunded, largest,
           largest_id
    FROM doc, jsonb_to_recordset(doc.batch->'usage_rollups') AS row (org_id text, dimension text,
         day text, value text, used bigint, usage_count bigint, failures bigint, refused bigint,
         refunded bigint, largest bigint, largest_id text)
    RETURNING 1)
  INSERT INTO entry_rollups (org_id, day, grant_id, type, kind, amount, held)
  SELECT org_id, day, grant_id, type, kind, amount, held
  FROM doc, jsonb_to_recordset(doc.batch->'entry_rollups') AS row (org_id text, day text,
       grant_id text, type text, kind text, amount bigint, held bigint)`;
