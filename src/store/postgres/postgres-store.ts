/**
 * The ledger on PostgreSQL, for several Tally servers on one database.
 *
 * Writes are serialised per org in the database, not in this process: each server keeps the live
 * state of the orgs it serves, tagged with the org's version, decides a batch of writes against
 * it, and sends the whole batch in one statement (`tally_commit`). The statement applies the
 * orgs whose version has not moved and returns those that another server wrote meanwhile; their
 * writes are decided again on fresh state. No lock is held across a network round trip, and on
 * one server a batch costs one round trip and one durable commit.
 */
import type pg from 'pg';
import { applyChanges } from '../../ledger/apply-changes.js';
import type { Instant } from '../../core/period.js';
import type { Grant } from '../../core/grant.js';
import type { Org, PriceVersion, Transaction } from '../../ledger/model.js';
import type {
  EntryTotal,
  GrantAsOf,
  LedgerStore,
  OrgChanges,
  OrgState,
  StoredResponse,
  TransactionCursor,
  TransactionFilter,
  WriteContext,
  WriteRequest,
} from '../../ledger/ports.js';
import type { OrgRowCounts } from '../../ledger/ports.js';
import { countOrgRowsSql, ORG_TABLES, orgRowCountsFrom } from '../org-tables.js';
import { priceLinesToJson } from '../rows.js';
import { commitDocument, type OrgInBatch } from './commit-batch.js';
import * as queries from './ledger-queries.js';
import * as rollups from './postgres-rollups.js';
import type { EntryRollup, UsageDimension, UsageRollup } from '../../core/rollup.js';
import type {
  ExportRow,
  RebuildProgress,
  RebuildResult,
  ReportStore,
  UsageSum,
  UsageSumQuery,
} from '../../reports/ports.js';
import { openPostgres, type PostgresOptions } from './postgres-database.js';

export interface PostgresStoreOptions extends PostgresOptions {
  /** The most writes committed together. */
  maxBatch?: number;
  /** The most org states kept in memory; the least recently used go first. */
  maxCachedOrgs?: number;
  /** How often a write is decided again when other servers keep winning, before it fails. */
  maxAttempts?: number;
}

interface QueuedWrite {
  readonly request: WriteRequest<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  attempts: number;
  /** Set after a conflict: read the idempotency key's stored response before deciding. */
  readKey: boolean;
}

/** What a write needs from the database besides its org's state. */
interface Lookups {
  hold?: WriteContext['hold'];
  charge?: WriteContext['charge'];
  stored?: WriteContext['stored'];
}

/** One org's part of a batch while it is being decided. */
interface OrgWork {
  readonly id: string;
  readonly expected: bigint | null;
  state: OrgState | undefined;
  readonly keys: string[];
  readonly changes: OrgChanges[];
  readonly decided: { queued: QueuedWrite; result: unknown }[];
}

export class PostgresStore implements LedgerStore, ReportStore {
  private readonly maxBatch: number;
  private readonly maxCachedOrgs: number;
  private readonly maxAttempts: number;
  private readonly states = new Map<string, queries.VersionedState>();
  private prices: { version: bigint; prices: PriceVersion[] } | undefined;
  private queue: QueuedWrite[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    options: PostgresStoreOptions = {},
    private readonly ownsPool = false,
  ) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxCachedOrgs = options.maxCachedOrgs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 100;
  }

  /** Connects, migrates, and gives a store that closes its pool with itself. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    return new PostgresStore(await openPostgres(url, options), options, true);
  }

  write<R>(request: WriteRequest<R>): Promise<R> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({
        request,
        resolve: resolve as (value: unknown) => void,
        reject,
        attempts: 0,
        readKey: false,
      });
      this.draining ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let the writes arriving in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) await this.runBatch(this.takeBatch());
    this.draining = undefined;
  }

  /**
   * The next writes in order. A write that reads a hold or a charge must come first for its org
   * in the batch, so that what it reads is committed and not changed by a write before it.
   */
  private takeBatch(): QueuedWrite[] {
    const orgs = new Set<string>();
    let count = 0;
    for (const queued of this.queue) {
      if (count === this.maxBatch) break;
      const { orgId, holdId, chargeId } = queued.request;
      if ((holdId !== undefined || chargeId !== undefined) && orgs.has(orgId)) break;
      orgs.add(orgId);
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async runBatch(batch: QueuedWrite[]): Promise<void> {
    let lookups: Lookups[];
    try {
      lookups = await this.prepare(batch);
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    const prices = this.prices as { version: bigint; prices: PriceVersion[] };
    const orgs = this.decide(batch, lookups, prices.prices);
    const inBatch: OrgInBatch[] = [...orgs.values()].map((work) => ({
      id: work.id,
      expected: work.expected,
      org: work.changes.length > 0 && work.state ? work.state.org : null,
      keys: work.keys,
      changes: work.changes,
    }));
    if (inBatch.length === 0) return;

    let conflicted: Set<string>;
    try {
      const result = await this.pool.query<{ conflicted: string[] | null }>(
        'SELECT tally_commit($1::jsonb) AS conflicted',
        [commitDocument(inBatch, prices.version)],
      );
      const answer = result.rows[0]?.conflicted;
      if (answer === null) this.prices = undefined; // priced with an old list: decide all again
      conflicted = new Set(answer ?? orgs.keys());
    } catch (error) {
      this.forget(orgs.keys());
      const writes = [...orgs.values()].flatMap((work) => work.decided.map((d) => d.queued));
      if (writes.length <= 1) {
        for (const queued of writes) queued.reject(error);
        return;
      }
      // One write's rows broke the statement: commit each alone, so only that one fails.
      for (const queued of writes) await this.runBatch([queued]);
      return;
    }

    const retry: QueuedWrite[] = [];
    for (const work of orgs.values()) {
      if (conflicted.has(work.id)) {
        this.forget([work.id]);
        retry.push(...work.decided.map((decided) => decided.queued));
        continue;
      }
      if (work.state) {
        const changed = work.changes.length > 0;
        const version = changed ? (work.expected ?? 0n) + 1n : (work.expected as bigint);
        this.remember(work.id, { state: work.state, version });
      }
      for (const { queued, result } of work.decided) queued.resolve(result);
    }
    this.requeue(retry);
  }

  /** Decides each write in order against its org's state as the batch has left it. */
  private decide(
    batch: readonly QueuedWrite[],
    lookups: readonly Lookups[],
    prices: readonly PriceVersion[],
  ): Map<string, OrgWork> {
    const orgs = new Map<string, OrgWork>();
    const storedInBatch = new Map<string, StoredResponse>();
    batch.forEach((queued, index) => {
      const { request } = queued;
      let work = orgs.get(request.orgId);
      if (!work) {
        const cached = this.states.get(request.orgId);
        work = {
          id: request.orgId,
          expected: cached?.version ?? null,
          state: cached?.state,
          keys: [],
          changes: [],
          decided: [],
        };
        orgs.set(request.orgId, work);
      }
      const found = lookups[index] ?? {};
      const key = request.idempotencyKey;
      const storedKey = `${request.orgId}\u0000${key}`;
      let stored = found.stored;
      if (key !== undefined && !queued.readKey) {
        stored = storedInBatch.get(storedKey);
        if (!stored) work.keys.push(key);
      }
      const featureId = request.featureId ?? found.hold?.feature;
      const context: WriteContext = {
        state: work.state,
        prices:
          featureId === undefined ? [] : prices.filter((price) => price.featureId === featureId),
        hold: found.hold,
        charge: found.charge,
        stored,
      };
      let decided: ReturnType<WriteRequest<unknown>['decide']>;
      try {
        decided = request.decide(context);
      } catch (error) {
        queued.reject(error); // a bug in one write: it fails alone, the batch goes on without it
        return;
      }
      if (decided.changes) {
        work.state = applyChanges(work.state, decided.changes);
        work.changes.push(decided.changes);
        if (decided.changes.stored) storedInBatch.set(storedKey, decided.changes.stored);
      }
      work.decided.push({ queued, result: decided.result });
    });
    return orgs;
  }

  /** Loads what the batch reads and this server does not hold: states, prices, holds, charges. */
  private async prepare(batch: readonly QueuedWrite[]): Promise<Lookups[]> {
    const missing = [
      ...new Set(batch.map((queued) => queued.request.orgId).filter((id) => !this.states.has(id))),
    ];
    const [states, prices] = await Promise.all([
      missing.length > 0 ? queries.loadStates(this.pool, missing) : undefined,
      this.prices ? undefined : queries.loadPrices(this.pool),
    ]);
    for (const [id, state] of states ?? []) this.remember(id, state);
    if (prices) this.prices = prices;
    return Promise.all(
      batch.map(async ({ request, readKey }): Promise<Lookups> => {
        const { orgId, holdId, chargeId, idempotencyKey } = request;
        const [hold, charge, stored] = await Promise.all([
          holdId === undefined ? undefined : queries.findHold(this.pool, orgId, holdId),
          chargeId === undefined ? undefined : queries.findCharge(this.pool, orgId, chargeId),
          readKey && idempotencyKey !== undefined
            ? queries.findStoredResponse(this.pool, orgId, idempotencyKey)
            : undefined,
        ]);
        return { hold, charge, stored };
      }),
    );
  }

  private requeue(writes: QueuedWrite[]): void {
    const again: QueuedWrite[] = [];
    for (const queued of writes) {
      queued.attempts += 1;
      queued.readKey = queued.request.idempotencyKey !== undefined;
      if (queued.attempts >= this.maxAttempts) {
        queued.reject(
          new Error(
            `org ${queued.request.orgId} is too busy: gave up after ${queued.attempts} tries`,
          ),
        );
      } else {
        again.push(queued);
      }
    }
    this.queue.unshift(...again);
  }

  /** Keeps an org's state unless a newer one is already known; the least recent leave first. */
  private remember(orgId: string, entry: queries.VersionedState): void {
    const known = this.states.get(orgId);
    if (known && known.version > entry.version) return;
    this.states.delete(orgId);
    this.states.set(orgId, entry);
    if (this.states.size > this.maxCachedOrgs) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
  }

  private forget(orgIds: Iterable<string>): void {
    for (const id of orgIds) this.states.delete(id);
  }

  async getOrg(orgId: string): Promise<Org | undefined> {
    return queries.getOrg(this.pool, orgId);
  }

  listOrgs(afterId: string | undefined, limit: number): Promise<Org[]> {
    return queries.listOrgs(this.pool, afterId, limit);
  }

  /** The org's live state: the one held here when its version is still the database's. */
  async loadState(orgId: string): Promise<OrgState | undefined> {
    const version = await queries.orgVersion(this.pool, orgId);
    if (version === undefined) return undefined;
    const known = this.states.get(orgId);
    if (known && known.version === version) return known.state;
    const fresh = (await queries.loadStates(this.pool, [orgId])).get(orgId);
    if (!fresh) return undefined;
    this.remember(orgId, fresh);
    return fresh.state;
  }

  async grantsAsOf(orgId: string, at: Instant): Promise<GrantAsOf[]> {
    const timeZone = await this.timeZoneOf(orgId);
    if (timeZone === undefined) return [];
    const [sums, grants] = await Promise.all([
      rollups.grantSums(this.pool, orgId, timeZone, at),
      queries.listGrants(this.pool, orgId),
    ]);
    const byId = new Map(grants.map((grant) => [grant.id, grant]));
    return sums.flatMap(({ grantId, amount, held }) => {
      const grant = byId.get(grantId);
      return grant ? [{ grant, remaining: amount, held }] : [];
    });
  }

  listGrants(orgId: string): Promise<Grant[]> {
    return queries.listGrants(this.pool, orgId);
  }

  listTransactions(
    orgId: string,
    filter: TransactionFilter,
    limit: number,
    after: TransactionCursor | undefined,
  ): Promise<Transaction[]> {
    return queries.listTransactions(this.pool, orgId, filter, limit, after);
  }

  exportTransactions(
    orgId: string,
    filter: TransactionFilter,
    limit: number,
    after: TransactionCursor | undefined,
  ): Promise<ExportRow[]> {
    return queries.exportTransactions(this.pool, orgId, filter, limit, after);
  }

  async entryTotals(
    orgId: string,
    from: Instant,
    to: Instant,
    toIncluded = false,
  ): Promise<EntryTotal[]> {
    const timeZone = await this.timeZoneOf(orgId);
    return timeZone === undefined
      ? []
      : rollups.entryTotals(this.pool, orgId, timeZone, from, to, toIncluded);
  }

  async usageCount(orgId: string, from: Instant, to: Instant): Promise<number> {
    const timeZone = await this.timeZoneOf(orgId);
    return timeZone === undefined ? 0 : rollups.usageCount(this.pool, orgId, timeZone, from, to);
  }

  /** An org's time zone never changes: the one of a state held here will do. */
  private async timeZoneOf(orgId: string): Promise<string | undefined> {
    const known = this.states.get(orgId);
    if (known) return known.state.org.timeZone;
    return (await queries.getOrg(this.pool, orgId))?.timeZone;
  }

  usageRollups(
    orgId: string,
    dimension: UsageDimension,
    fromDay: string,
    toDay: string,
    valuePrefix?: string,
  ): Promise<UsageRollup[]> {
    return rollups.usageRollups(this.pool, orgId, dimension, fromDay, toDay, valuePrefix);
  }

  rebuildRollups(
    orgId: string,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<RebuildResult | undefined> {
    return rollups.rebuild(this.pool, orgId, onProgress);
  }

  usageSums(orgId: string, query: UsageSumQuery): Promise<UsageSum[]> {
    return rollups.usageSums(this.pool, orgId, query);
  }

  allRollups(orgId: string): Promise<{ usage: UsageRollup[]; entries: EntryRollup[] }> {
    return rollups.allRollups(this.pool, orgId);
  }

  pendingRollups(): Promise<string[]> {
    return rollups.pendingOrgs(this.pool);
  }

  async putPriceVersion(version: PriceVersion): Promise<void> {
    await this.pool.query(
      `WITH saved AS (
         INSERT INTO price_versions (feature_id, effective_at, name, lines) VALUES ($1, $2, $3, $4)
         ON CONFLICT (feature_id, effective_at) DO UPDATE SET name = excluded.name, lines = excluded.lines
         RETURNING 1)
       UPDATE tally_meta SET value = value + (SELECT COUNT(*) FROM saved) WHERE name = 'prices_version'`,
      [version.featureId, version.effectiveAt, version.name, priceLinesToJson(version.lines)],
    );
    this.prices = undefined;
  }

  async listPriceVersions(featureId?: string): Promise<PriceVersion[]> {
    const { prices } = await queries.loadPrices(this.pool);
    return featureId === undefined
      ? prices
      : prices.filter((version) => version.featureId === featureId);
  }

  async purgeStoredResponses(before: Instant): Promise<number> {
    const result = await this.pool.query('DELETE FROM stored_responses WHERE created_at < $1', [
      before,
    ]);
    return result.rowCount ?? 0;
  }

  orgsWithDueEvents(at: Instant, limit: number): Promise<string[]> {
    return queries.orgsWithDueEvents(this.pool, at, limit);
  }

  async countOrgRows(orgId: string): Promise<OrgRowCounts | undefined> {
    const [row] = (await this.pool.query<Record<string, unknown>>(countOrgRowsSql('$1'), [orgId]))
      .rows;
    return row ? orgRowCountsFrom(row) : undefined;
  }

  /**
   * Deletes under the org row's lock, the one `tally_commit` takes when it applies the org's
   * writes: a batch that holds it commits first and its rows are deleted too; a batch that comes
   * after finds no row at the version it expects, so its org is returned as conflicted, its rows
   * are left out, and its writes are decided again, on no org: `unknown_org`.
   */
  async deleteOrg(orgId: string): Promise<OrgRowCounts | undefined> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const locked = await client.query('SELECT 1 FROM orgs WHERE id = $1 FOR UPDATE', [orgId]);
      if (locked.rowCount === 0) {
        await client.query('ROLLBACK');
        return undefined;
      }
      const removed: Record<string, number> = {};
      for (const [name, table] of ORG_TABLES) {
        removed[name] =
          (await client.query(`DELETE FROM ${table} WHERE org_id = $1`, [orgId])).rowCount ?? 0;
      }
      await client.query('DELETE FROM orgs WHERE id = $1', [orgId]);
      await client.query('COMMIT');
      return removed as unknown as OrgRowCounts;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
      // A state cached here would be of an org that no longer is (or, on failure, maybe stale).
      this.forget([orgId]);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
    if (this.ownsPool) await this.pool.end();
  }
}
