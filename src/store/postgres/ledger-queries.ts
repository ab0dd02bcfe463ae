/** The ledger's reads on PostgreSQL, each one statement (or one snapshot) on the pool. */
import type pg from 'pg';
import type { Grant } from '../../core/grant.js';
import type { Instant } from '../../core/period.js';
import type { Hold, Org, PriceVersion, Transaction } from '../../ledger/model.js';
import type { ExportRow } from '../../reports/ports.js';
import type {
  OrgState,
  TransactionCursor,
  TransactionFilter,
  WriteContext,
} from '../../ledger/ports.js';
import {
  allowanceFromRow,
  drawsFromJson,
  grantFromRow,
  holdFromRow,
  orgFromRow,
  priceVersionFromRow,
  projectFromRow,
  scheduleFromRow,
  transactionFromRow,
} from '../rows.js';

type Row = Record<string, unknown>;

export interface VersionedState {
  readonly state: OrgState;
  readonly version: bigint;
}

async function rows(db: pg.Pool | pg.PoolClient, text: string, values: unknown[]): Promise<Row[]> {
  return (await db.query<Row>(text, values)).rows;
}

/** The live states of several orgs, read in one snapshot so that they agree with their versions. */
export async function loadStates(
  pool: pg.Pool,
  orgIds: readonly string[],
): Promise<Map<string, VersionedState>> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const ids = [orgIds];
    const orgs = await rows(client, 'SELECT * FROM orgs WHERE id = ANY($1)', ids);
    const grants = await rows(client, 'SELECT * FROM grants WHERE org_id = ANY($1) AND live', ids);
    const holds = await rows(
      client,
      "SELECT * FROM holds WHERE org_id = ANY($1) AND status = 'pending'",
      ids,
    );
    const schedules = await rows(
      client,
      'SELECT * FROM schedules WHERE org_id = ANY($1) AND (end_at IS NULL OR next_at < end_at)',
      ids,
    );
    const projects = await rows(client, 'SELECT * FROM projects WHERE org_id = ANY($1)', ids);
    const allowances = await rows(
      client,
      'SELECT * FROM allowances WHERE org_id = ANY($1) AND removed_at IS NULL',
      ids,
    );
    await client.query('COMMIT');
    const states = new Map<string, VersionedState>();
    for (const row of orgs) {
      const id = row.id as string;
      const mine = (row: Row) => row.org_id === id;
      states.set(id, {
        version: row.version as bigint,
        state: {
          org: orgFromRow(row),
          grants: grants.filter(mine).map(grantFromRow),
          holds: holds.filter(mine).map(holdFromRow),
          schedules: schedules.filter(mine).map(scheduleFromRow),
          projects: projects.filter(mine).map(projectFromRow),
          allowances: allowances.filter(mine).map(allowanceFromRow),
        },
      });
    }
    return states;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function orgVersion(pool: pg.Pool, orgId: string): Promise<bigint | undefined> {
  const [row] = await rows(pool, 'SELECT version FROM orgs WHERE id = $1', [orgId]);
  return row?.version as bigint | undefined;
}

/** Every price version with the counter that moves when one changes (read first: never newer). */
export async function loadPrices(
  pool: pg.Pool,
): Promise<{ version: bigint; prices: PriceVersion[] }> {
  const [meta] = await rows(pool, "SELECT value FROM tally_meta WHERE name = 'prices_version'", []);
  const prices = await rows(
    pool,
    'SELECT * FROM price_versions ORDER BY effective_at, feature_id',
    [],
  );
  return { version: meta?.value as bigint, prices: prices.map(priceVersionFromRow) };
}

export async function findHold(
  pool: pg.Pool,
  orgId: string,
  holdId: string,
): Promise<Hold | undefined> {
  const [row] = await rows(pool, 'SELECT * FROM holds WHERE id = $1 AND org_id = $2', [
    holdId,
    orgId,
  ]);
  return row ? holdFromRow(row) : undefined;
}

export async function findStoredResponse(
  pool: pg.Pool,
  orgId: string,
  key: string,
): Promise<WriteContext['stored']> {
  const [row] = await rows(
    pool,
    'SELECT request_hash, response FROM stored_responses WHERE org_id = $1 AND key = $2',
    [orgId, key],
  );
  return row
    ? { requestHash: row.request_hash as string, response: row.response as string }
    : undefined;
}

/** A succeeded charge with what was refunded of it and the grants it drew from. */
export async function findCharge(
  pool: pg.Pool,
  orgId: string,
  chargeId: string,
): Promise<WriteContext['charge']> {
  const [row] = await rows(
    pool,
    `SELECT at, credits, draws, feature, "user", project, model,
       (SELECT COALESCE(SUM(credits), 0) FROM transactions
        WHERE org_id = $2 AND charge_id = $1 AND type = 'refund') AS refunded
     FROM transactions WHERE id = $1 AND org_id = $2 AND type = 'usage' AND status = 'succeeded'`,
    [chargeId, orgId],
  );
  if (!row) return undefined;
  const draws = drawsFromJson(row.draws);
  const grantRows = await rows(pool, 'SELECT * FROM grants WHERE id = ANY($1)', [
    draws.map((draw) => draw.grantId),
  ]);
  const grants = draws.map((draw) => {
    const grantRow = grantRows.find((candidate) => candidate.id === draw.grantId);
    if (!grantRow) throw new Error(`charge ${chargeId} drew from missing grant ${draw.grantId}`);
    return grantFromRow(grantRow);
  });
  return {
    id: chargeId,
    credits: -(row.credits as bigint),
    draws,
    refunded: row.refunded as bigint,
    grants,
    feature: row.feature as string | null,
    user: row.user as string | null,
    project: row.project as string | null,
    model: row.model as string | null,
    at: Number(row.at as bigint),
  };
}

export async function getOrg(pool: pg.Pool, orgId: string): Promise<Org | undefined> {
  const [row] = await rows(pool, 'SELECT * FROM orgs WHERE id = $1', [orgId]);
  return row ? orgFromRow(row) : undefined;
}

/**
 * Orgs by id after `afterId`, on the primary key's index. The order is the database's collation:
 * the ids Tally makes (`org_` and lowercase base-32 digits) sort in it as bytes, as on SQLite.
 */
export async function listOrgs(
  pool: pg.Pool,
  afterId: string | undefined,
  limit: number,
): Promise<Org[]> {
  const found =
    afterId === undefined
      ? await rows(pool, 'SELECT * FROM orgs ORDER BY id LIMIT $1', [limit])
      : await rows(pool, 'SELECT * FROM orgs WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
  return found.map(orgFromRow);
}

export async function listGrants(pool: pg.Pool, orgId: string): Promise<Grant[]> {
  const found = await rows(
    pool,
    'SELECT * FROM grants WHERE org_id = $1 ORDER BY effective_at, id',
    [orgId],
  );
  return found.map(grantFromRow);
}

async function selectTransactions(
  pool: pg.Pool,
  orgId: string,
  filter: TransactionFilter,
  limit: number,
  after: TransactionCursor | undefined,
  columns: 'all' | 'export',
): Promise<Row[]> {
  const params: unknown[] = [orgId];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['org_id = $1'];
  if (filter.types?.length) where.push(`type = ANY(${param(filter.types)})`);
  if (filter.statuses?.length) where.push(`status = ANY(${param(filter.statuses)})`);
  for (const [column, value] of [
    ['feature', filter.feature],
    ['"user"', filter.user],
    ['project', filter.project],
    ['model', filter.model],
  ] as const) {
    if (value !== undefined) where.push(`${column} = ${param(value)}`);
  }
  if (filter.from !== undefined) where.push(`at >= ${param(filter.from)}`);
  if (filter.to !== undefined) where.push(`at < ${param(filter.to)}`);
  if (after) where.push(`(at, id) < (${param(after.at)}, ${param(after.id)})`);
  const found = await rows(
    pool,
    `SELECT ${columns === 'export' ? EXPORT_SELECT : '*'} FROM transactions WHERE ${where.join(' AND ')}
     ORDER BY at DESC, id DESC LIMIT ${param(limit)}`,
    params,
  );
  return found;
}

export async function listTransactions(
  pool: pg.Pool,
  orgId: string,
  filter: TransactionFilter,
  limit: number,
  after: TransactionCursor | undefined,
): Promise<Transaction[]> {
  return (await selectTransactions(pool, orgId, filter, limit, after, 'all')).map(
    transactionFromRow,
  );
}

/** The columns of an export row, in `EXPORT_COLUMNS` order, amounts as text. */
const EXPORT_SELECT = `id, at::float8 AS at, type, status, feature, credits::text AS credits,
  balance_after::text AS balance_after, held::text AS held, "user", project, model, quantities,
  draws, hold_id, charge_id, reason, note, metadata`;

export async function exportTransactions(
  pool: pg.Pool,
  orgId: string,
  filter: TransactionFilter,
  limit: number,
  after: TransactionCursor | undefined,
): Promise<ExportRow[]> {
  return (await selectTransactions(pool, orgId, filter, limit, after, 'export')).map(
    (row) => Object.values(row) as unknown as ExportRow,
  );
}

export async function orgsWithDueEvents(
  pool: pg.Pool,
  at: Instant,
  limit: number,
): Promise<string[]> {
  const found = await rows(
    pool,
    `SELECT org_id FROM grants WHERE live AND expires_at IS NOT NULL AND expires_at <= $1 AND remaining > held
     UNION SELECT org_id FROM holds WHERE status = 'pending' AND expires_at <= $1
     UNION SELECT org_id FROM schedules WHERE next_at <= $1 AND (end_at IS NULL OR next_at < end_at)
     LIMIT $2`,
    [at, limit],
  );
  return found.map((row) => row.org_id as string);
}
