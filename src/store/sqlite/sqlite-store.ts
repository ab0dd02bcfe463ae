/**
 * The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit is on disk
 * before a write is acknowledged (rule 9). Writes arriving together are grouped into one durable
 * transaction (group commit), each inside a savepoint so that a failing write is undone alone.
 *
 * Live org states are cached between writes. The cache is trusted only while no other connection
 * has committed: SQLite's `data_version` tells, and it is read under the write lock.
 */
import type Database from 'better-sqlite3';
import { applyChanges } from '../../ledger/apply-changes.js';
import type { Grant } from '../../core/grant.js';
import type { Instant } from '../../core/period.js';
import type { Org, PriceVersion, Transaction } from '../../ledger/model.js';
import type {
  EntryTotal,
  GrantAsOf,
  LedgerStore,
  OrgChanges,
  OrgState,
  TransactionCursor,
  TransactionFilter,
  WriteContext,
  WriteRequest,
} from '../../ledger/ports.js';
import type { OrgRowCounts } from '../../ledger/ports.js';
import {
  RollupAccumulator,
  type EntryRollup,
  type UsageDimension,
  type UsageRollup,
} from '../../core/rollup.js';
import type {
  ExportRow,
  RebuildProgress,
  RebuildResult,
  ReportStore,
  UsageSum,
  UsageSumQuery,
} from '../../reports/ports.js';
import { SqliteRollups } from './sqlite-rollups.js';
import { countOrgRowsSql, ORG_TABLES, orgRowCountsFrom } from '../org-tables.js';
import { openSqliteDatabase } from './sqlite-database.js';
import {
  ALLOWANCE_COLUMNS,
  allowanceFromRow,
  allowanceToRow,
  PROJECT_COLUMNS,
  projectFromRow,
  projectToRow,
  drawsFromJson,
  drawsToJson,
  grantFromRow,
  holdFromRow,
  jsonOrNull,
  orgFromRow,
  priceLinesToJson,
  priceVersionFromRow,
  scheduleFromRow,
  transactionFromRow,
} from '../rows.js';

export interface SqliteStoreOptions {
  /** The database file, opened (and migrated) by the store; or `database`, opened by the caller. */
  path?: string;
  database?: Database.Database;
  /** Most writes grouped into one commit; 1 commits every write alone. */
  maxBatch?: number;
  /** How long to wait for another process holding the write lock. */
  busyTimeoutMs?: number;
}

interface QueuedWrite {
  request: WriteRequest<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
type Row = Record<string, unknown>;
type Statement = Database.Statement<unknown[], Row>;

export class SqliteStore implements LedgerStore, ReportStore {
  private readonly db: Database.Database;
  private readonly ownsDatabase: boolean;
  private readonly maxBatch: number;
  private readonly statements = new Map<string, Statement>();
  private readonly states = new Map<string, OrgState>();
  private prices: PriceVersion[] | undefined;
  private dataVersion = -1;
  private queue: QueuedWrite[] = [];
  private readonly rollups: SqliteRollups;
  /** The rollups of the batch being committed, upserted just before its commit. */
  private readonly batchRollups = new RollupAccumulator();
  private flushing = false;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    if (options.database) {
      this.db = options.database;
      this.ownsDatabase = false;
    } else if (options.path) {
      this.db = openSqliteDatabase(options.path, options);
      this.ownsDatabase = true;
    } else {
      throw new Error('SqliteStore needs a path or a database');
    }
    this.maxBatch = options.maxBatch ?? 1000;
    this.rollups = new SqliteRollups(this.db, (text) => this.sql(text));
  }

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text) as Statement;
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Drops cached states when another connection has committed since we last looked. */
  private checkCache(): void {
    const version = Number(this.db.pragma('data_version', { simple: true }) as bigint);
    if (version !== this.dataVersion) {
      this.states.clear();
      this.prices = undefined;
      this.dataVersion = version;
    }
  }

  write<R>(request: WriteRequest<R>): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ request, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits a batch of queued writes in one transaction. Writes are isolated: a refusal writes
   * nothing, and a write that throws (a bug or a full disk) must not fail the others. Savepoints
   * would cost a third of a charge, so the batch first runs without them; only if a write throws
   * is it rolled back and run again, each write in its own savepoint.
   */
  private flush(): void {
    const batch = this.queue.splice(0, this.maxBatch);
    let outcomes: Outcome[];
    try {
      outcomes = this.commitBatch(batch, false);
      if (outcomes.some((outcome) => !outcome.ok)) outcomes = this.commitBatch(batch, true);
    } catch (error) {
      outcomes = batch.map(() => ({ ok: false, error }));
    }
    batch.forEach((queued, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) queued.resolve(outcome.value);
      else queued.reject(outcome?.error);
    });
    this.continueFlushing();
  }

  /**
   * Runs the batch in one durable transaction. Without isolation it stops at the first write that
   * throws and rolls everything back; with isolation each write has a savepoint of its own.
   */
  private commitBatch(batch: readonly QueuedWrite[], isolated: boolean): Outcome[] {
    const outcomes: Outcome[] = [];
    this.batchRollups.clear();
    try {
      this.sql('BEGIN IMMEDIATE').run();
      this.checkCache();
      for (const { request } of batch) {
        if (isolated) this.sql('SAVEPOINT write').run();
        try {
          outcomes.push({ ok: true, value: this.runWrite(request) });
          if (isolated) this.sql('RELEASE write').run();
        } catch (error) {
          outcomes.push({ ok: false, error });
          if (!isolated) throw error;
          this.sql('ROLLBACK TO write').run();
          this.sql('RELEASE write').run();
          this.states.delete(request.orgId);
        }
      }
      this.rollups.upsert(this.batchRollups);
      this.sql('COMMIT').run();
      return outcomes;
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.states.clear();
      this.prices = undefined;
      if (!isolated && outcomes.length > 0 && !outcomes[outcomes.length - 1]?.ok) {
        return outcomes; // a write threw: the caller runs the batch again, isolated
      }
      throw error;
    }
  }

  private continueFlushing(): void {
    if (this.queue.length > 0) setImmediate(() => this.flush());
    else this.flushing = false;
  }

  private runWrite(request: WriteRequest<unknown>): unknown {
    const context = this.contextFor(request);
    const { result, changes } = request.decide(context);
    if (changes) {
      this.apply(request, changes);
      this.states.set(request.orgId, applyChanges(context.state, changes));
      // Only once the write is in: a write that throws leaves no sums behind.
      for (const transaction of changes.transactions) {
        this.batchRollups.add(transaction, changes.org.timeZone);
      }
    }
    return result;
  }

  private contextFor(request: WriteRequest<unknown>): WriteContext {
    const stored =
      request.idempotencyKey === undefined
        ? undefined
        : this.sql(
            'SELECT request_hash, response FROM stored_responses WHERE org_id = ? AND key = ?',
          ).get(request.orgId, request.idempotencyKey);
    const holdRow =
      request.holdId === undefined
        ? undefined
        : this.sql('SELECT * FROM holds WHERE id = ? AND org_id = ?').get(
            request.holdId,
            request.orgId,
          );
    const hold = holdRow ? holdFromRow(holdRow) : undefined;
    // A capture prices its quantities with the feature of its hold.
    const featureId = request.featureId ?? hold?.feature;
    return {
      state: this.liveState(request.orgId),
      prices: featureId === undefined ? [] : this.priceVersions(featureId),
      hold,
      charge:
        request.chargeId === undefined
          ? undefined
          : this.chargeRecord(request.orgId, request.chargeId),
      stored: stored
        ? { requestHash: stored.request_hash as string, response: stored.response as string }
        : undefined,
    };
  }

  private liveState(orgId: string): OrgState | undefined {
    const cached = this.states.get(orgId);
    if (cached) return cached;
    const orgRow = this.sql('SELECT * FROM orgs WHERE id = ?').get(orgId);
    if (!orgRow) return undefined;
    const state: OrgState = {
      org: orgFromRow(orgRow),
      grants: this.sql('SELECT * FROM grants WHERE org_id = ? AND live = 1')
        .all(orgId)
        .map(grantFromRow),
      holds: this.sql("SELECT * FROM holds WHERE org_id = ? AND status = 'pending'")
        .all(orgId)
        .map(holdFromRow),
      schedules: this.sql(
        'SELECT * FROM schedules WHERE org_id = ? AND (end_at IS NULL OR next_at < end_at)',
      )
        .all(orgId)
        .map(scheduleFromRow),
      projects: this.sql('SELECT * FROM projects WHERE org_id = ?').all(orgId).map(projectFromRow),
      allowances: this.sql('SELECT * FROM allowances WHERE org_id = ? AND removed_at IS NULL')
        .all(orgId)
        .map(allowanceFromRow),
    };
    this.states.set(orgId, state);
    return state;
  }

  private priceVersions(featureId: string): PriceVersion[] {
    this.prices ??= this.sql('SELECT * FROM price_versions ORDER BY effective_at, feature_id')
      .all()
      .map(priceVersionFromRow);
    return this.prices.filter((version) => version.featureId === featureId);
  }

  private chargeRecord(orgId: string, chargeId: string): WriteContext['charge'] {
    const row = this.sql(
      `SELECT at, credits, draws, feature, user, project, model FROM transactions
       WHERE id = ? AND org_id = ? AND type = 'usage' AND status = 'succeeded'`,
    ).get(chargeId, orgId);
    if (!row) return undefined;
    const draws = drawsFromJson(row.draws);
    const refunded = this.sql(
      "SELECT COALESCE(SUM(credits), 0) AS refunded FROM transactions WHERE org_id = ? AND charge_id = ? AND type = 'refund'",
    ).get(orgId, chargeId);
    const grants = draws.map((draw) => {
      const grantRow = this.sql('SELECT * FROM grants WHERE id = ?').get(draw.grantId);
      if (!grantRow) throw new Error(`charge ${chargeId} drew from missing grant ${draw.grantId}`);
      return grantFromRow(grantRow);
    });
    return {
      id: chargeId,
      credits: -(row.credits as bigint),
      draws,
      refunded: refunded?.refunded as bigint,
      grants,
      feature: row.feature as string | null,
      user: row.user as string | null,
      project: row.project as string | null,
      model: row.model as string | null,
      at: Number(row.at as bigint),
    };
  }

  private apply(request: WriteRequest<unknown>, changes: OrgChanges): void {
    const { org } = changes;
    this.sql(
      `INSERT INTO orgs (id, name, time_zone, plan, created_at, clock) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET clock = excluded.clock`,
    ).run(org.id, org.name, org.timeZone, org.plan, org.createdAt, org.clock);
    for (const grant of changes.grants) {
      const live = grant.remaining > 0n ? 1 : 0;
      const updated = this.sql('UPDATE grants SET remaining = ?, held = ? WHERE id = ?').run(
        grant.remaining,
        grant.held,
        grant.id,
      );
      if (updated.changes > 0) {
        this.sql('UPDATE grants SET live = ? WHERE id = ? AND live <> ?').run(live, grant.id, live);
        continue;
      }
      this.sql(
        `INSERT INTO grants (id, org_id, kind, amount, remaining, held, effective_at, expires_at, priority, note,
           schedule_id, live)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        grant.id,
        grant.orgId,
        grant.kind,
        grant.amount,
        grant.remaining,
        grant.held,
        grant.effectiveAt,
        grant.expiresAt,
        grant.priority,
        grant.note,
        grant.scheduleId,
        live,
      );
    }
    for (const schedule of changes.schedules) {
      this.sql(
        `INSERT INTO schedules (id, org_id, kind, credits, priority, note, next_at, end_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET next_at = excluded.next_at, end_at = excluded.end_at`,
      ).run(
        schedule.id,
        schedule.orgId,
        schedule.kind,
        schedule.credits,
        schedule.priority,
        schedule.note,
        schedule.nextAt,
        schedule.endAt,
      );
    }
    for (const hold of changes.holds) {
      this.sql(
        `INSERT INTO holds (id, org_id, status, feature, quantities, credits, reservations, created_at, expires_at,
           resolved_at, charge_id, user, project, model, note, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, resolved_at = excluded.resolved_at,
           charge_id = excluded.charge_id`,
      ).run(
        hold.id,
        hold.orgId,
        hold.status,
        hold.feature,
        jsonOrNull(hold.quantities),
        hold.credits,
        drawsToJson(hold.reservations),
        hold.createdAt,
        hold.expiresAt,
        hold.resolvedAt,
        hold.chargeId,
        hold.user,
        hold.project,
        hold.model,
        hold.note,
        jsonOrNull(hold.metadata),
      );
    }
    for (const project of changes.projects) {
      this.sql(
        `INSERT INTO projects (${PROJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name, archived_at = excluded.archived_at,
           budget_credits = excluded.budget_credits, budget_period = excluded.budget_period,
           budget_window_start = excluded.budget_window_start, budget_used = excluded.budget_used`,
      ).run(...projectToRow(project));
    }
    for (const allowance of changes.allowances) {
      this.sql(
        `INSERT INTO allowances (${ALLOWANCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id, "user") DO UPDATE SET credits = excluded.credits, period = excluded.period,
           window_start = excluded.window_start, used = excluded.used, created_at = excluded.created_at,
           removed_at = excluded.removed_at`,
      ).run(...allowanceToRow(allowance));
    }
    for (const transaction of changes.transactions) this.insertTransaction(transaction);
    if (changes.stored) {
      this.sql(
        'INSERT INTO stored_responses (org_id, key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?)',
      ).run(
        request.orgId,
        changes.stored.key,
        changes.stored.requestHash,
        changes.stored.response,
        changes.stored.at,
      );
    }
  }

  private insertTransaction(transaction: Transaction): void {
    this.sql(
      `INSERT INTO transactions (org_id, at, id, type, status, feature, credits, held, balance_after, user, project,
         model, quantities, draws, note, metadata, hold_id, charge_id, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      transaction.orgId,
      transaction.at,
      transaction.id,
      transaction.type,
      transaction.status,
      transaction.feature,
      transaction.credits,
      transaction.held,
      transaction.balanceAfter,
      transaction.user,
      transaction.project,
      transaction.model,
      jsonOrNull(transaction.quantities),
      drawsToJson(transaction.draws),
      transaction.note,
      jsonOrNull(transaction.metadata),
      transaction.holdId,
      transaction.chargeId,
      transaction.reason,
    );
    transaction.entries.forEach((entry, line) => {
      this.sql(
        `INSERT INTO entries (org_id, at, transaction_id, line, grant_id, kind, type, amount, held)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        transaction.orgId,
        entry.at,
        transaction.id,
        line,
        entry.grantId,
        entry.kind,
        entry.type,
        entry.amount,
        entry.held,
      );
    });
  }

  async getOrg(orgId: string): Promise<Org | undefined> {
    const row = this.sql('SELECT * FROM orgs WHERE id = ?').get(orgId);
    return row ? orgFromRow(row) : undefined;
  }

  async listOrgs(afterId: string | undefined, limit: number): Promise<Org[]> {
    const rows =
      afterId === undefined
        ? this.sql('SELECT * FROM orgs ORDER BY id LIMIT ?').all(limit)
        : this.sql('SELECT * FROM orgs WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit);
    return rows.map(orgFromRow);
  }

  async loadState(orgId: string): Promise<OrgState | undefined> {
    this.checkCache();
    return this.liveState(orgId);
  }

  async grantsAsOf(orgId: string, at: Instant): Promise<GrantAsOf[]> {
    const timeZone = this.timeZoneOf(orgId);
    if (timeZone === undefined) return [];
    const sums = this.rollups.grantSums(orgId, timeZone, at);
    const grants = new Map(
      this.sql('SELECT * FROM grants WHERE org_id = ?')
        .all(orgId)
        .map((row) => [row.id as string, grantFromRow(row)]),
    );
    return sums.flatMap(({ grantId, amount, held }) => {
      const grant = grants.get(grantId);
      return grant ? [{ grant, remaining: amount, held }] : [];
    });
  }

  private timeZoneOf(orgId: string): string | undefined {
    return this.sql('SELECT time_zone FROM orgs WHERE id = ?').get(orgId)?.time_zone as
      string | undefined;
  }

  async listGrants(orgId: string): Promise<Grant[]> {
    return this.sql('SELECT * FROM grants WHERE org_id = ? ORDER BY effective_at, id')
      .all(orgId)
      .map(grantFromRow);
  }

  async listTransactions(
    orgId: string,
    filter: TransactionFilter,
    limit: number,
    after: TransactionCursor | undefined,
  ): Promise<Transaction[]> {
    const { where, params } = transactionWhere(orgId, filter, after);
    return this.db
      .prepare(`SELECT * FROM transactions WHERE ${where} ORDER BY at DESC, id DESC LIMIT ?`)
      .all(...params, limit)
      .map((row) => transactionFromRow(row as Row));
  }

  async exportTransactions(
    orgId: string,
    filter: TransactionFilter,
    limit: number,
    after: TransactionCursor | undefined,
  ): Promise<ExportRow[]> {
    const { where, params } = transactionWhere(orgId, filter, after);
    // Amounts as text and rows as arrays: no bigint and no object per row on the way out.
    return this.db
      .prepare(
        `SELECT ${EXPORT_SELECT} FROM transactions WHERE ${where} ORDER BY at DESC, id DESC LIMIT ?`,
      )
      .raw(true)
      .safeIntegers(false)
      .all(...params, limit) as ExportRow[];
  }

  async entryTotals(
    orgId: string,
    from: Instant,
    to: Instant,
    toIncluded = false,
  ): Promise<EntryTotal[]> {
    const timeZone = this.timeZoneOf(orgId);
    return timeZone === undefined
      ? []
      : this.rollups.entryTotals(orgId, timeZone, from, to, toIncluded);
  }

  async usageCount(orgId: string, from: Instant, to: Instant): Promise<number> {
    const timeZone = this.timeZoneOf(orgId);
    return timeZone === undefined ? 0 : this.rollups.usageCount(orgId, timeZone, from, to);
  }

  async usageRollups(
    orgId: string,
    dimension: UsageDimension,
    fromDay: string,
    toDay: string,
    valuePrefix?: string,
  ): Promise<UsageRollup[]> {
    return this.rollups.usageRollups(orgId, dimension, fromDay, toDay, valuePrefix);
  }

  rebuildRollups(
    orgId: string,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<RebuildResult | undefined> {
    return this.rollups.rebuild(orgId, onProgress);
  }

  async usageSums(orgId: string, query: UsageSumQuery): Promise<UsageSum[]> {
    return this.rollups.usageSums(orgId, query);
  }

  async allRollups(orgId: string): Promise<{ usage: UsageRollup[]; entries: EntryRollup[] }> {
    return this.rollups.all(orgId);
  }

  async pendingRollups(): Promise<string[]> {
    return this.rollups.pendingOrgs();
  }

  async putPriceVersion(version: PriceVersion): Promise<void> {
    this.sql(
      `INSERT INTO price_versions (feature_id, effective_at, name, lines) VALUES (?, ?, ?, ?)
       ON CONFLICT (feature_id, effective_at) DO UPDATE SET name = excluded.name, lines = excluded.lines`,
    ).run(version.featureId, version.effectiveAt, version.name, priceLinesToJson(version.lines));
    this.prices = undefined;
  }

  async listPriceVersions(featureId?: string): Promise<PriceVersion[]> {
    const rows =
      featureId === undefined
        ? this.sql('SELECT * FROM price_versions ORDER BY effective_at, feature_id').all()
        : this.sql('SELECT * FROM price_versions WHERE feature_id = ? ORDER BY effective_at').all(
            featureId,
          );
    return rows.map(priceVersionFromRow);
  }

  async orgsWithDueEvents(at: Instant, limit: number): Promise<string[]> {
    const rows = this.sql(
      `SELECT org_id FROM grants WHERE live = 1 AND expires_at IS NOT NULL AND expires_at <= ? AND remaining > held
       UNION SELECT org_id FROM holds WHERE status = 'pending' AND expires_at <= ?
       UNION SELECT org_id FROM schedules WHERE next_at <= ? AND (end_at IS NULL OR next_at < end_at)
       LIMIT ?`,
    ).all(at, at, at, limit);
    return rows.map((row) => row.org_id as string);
  }

  async purgeStoredResponses(before: Instant): Promise<number> {
    return Number(
      this.sql('DELETE FROM stored_responses WHERE created_at < ?').run(before).changes,
    );
  }

  async countOrgRows(orgId: string): Promise<OrgRowCounts | undefined> {
    const row = this.sql(countOrgRowsSql('@org')).get({ org: orgId });
    return row ? orgRowCountsFrom(row) : undefined;
  }

  /**
   * One immediate transaction. better-sqlite3 runs it synchronously, so no batch of this store
   * can run in between, and the writes queued for the org find no org when their turn comes.
   */
  async deleteOrg(orgId: string): Promise<OrgRowCounts | undefined> {
    const remove = this.db.transaction((): OrgRowCounts | undefined => {
      if (!this.sql('SELECT 1 FROM orgs WHERE id = ?').get(orgId)) return undefined;
      const removed = Object.fromEntries(
        ORG_TABLES.map(([name, table]) => [
          name,
          Number(this.sql(`DELETE FROM ${table} WHERE org_id = ?`).run(orgId).changes),
        ]),
      ) as unknown as OrgRowCounts;
      this.sql('DELETE FROM orgs WHERE id = ?').run(orgId);
      return removed;
    });
    try {
      return remove.immediate();
    } finally {
      this.states.delete(orgId);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await new Promise((resolve) => setImmediate(resolve));
    if (this.ownsDatabase) this.db.close();
  }
}

/** The columns of an export row, in `EXPORT_COLUMNS` order, amounts as text. */
const EXPORT_SELECT = `id, at, type, status, feature, CAST(credits AS TEXT), CAST(balance_after AS TEXT),
  CAST(held AS TEXT), user, project, model, quantities, draws, hold_id, charge_id, reason, note, metadata`;

/** The log's filters and keyset position as a WHERE clause on (org_id, at, id). */
function transactionWhere(
  orgId: string,
  filter: TransactionFilter,
  after: TransactionCursor | undefined,
): { where: string; params: unknown[] } {
  const where = ['org_id = ?'];
  const params: unknown[] = [orgId];
  const anyOf = (column: string, values: readonly string[] | undefined) => {
    if (!values || values.length === 0) return;
    where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  anyOf('type', filter.types);
  anyOf('status', filter.statuses);
  for (const [column, value] of [
    ['feature', filter.feature],
    ['user', filter.user],
    ['project', filter.project],
    ['model', filter.model],
  ] as const) {
    if (value !== undefined) {
      where.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (filter.from !== undefined) {
    where.push('at >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    where.push('at < ?');
    params.push(filter.to);
  }
  if (after) {
    // A row value, so that SQLite seeks the (org_id, at, id) key instead of scanning from the
    // newest row for every page.
    where.push('(at, id) < (?, ?)');
    params.push(after.at, after.id);
  }
  return { where: where.join(' AND '), params };
}
