/**
 * The ports the ledger needs: a store, a clock and ids. Adapters implement them; only
 * `src/main.ts` (and tests) choose which.
 */
import type { Grant } from '../core/grant.js';
import type { Instant } from '../core/period.js';
import type { Micros } from '../core/amount.js';
import type {
  Allowance,
  ChargeRecord,
  Hold,
  Org,
  PriceVersion,
  Project,
  Schedule,
  Transaction,
  TransactionStatus,
  TransactionType,
} from './model.js';

export interface Clock {
  now(): Instant;
}

export interface IdGenerator {
  /** A new unique id starting with `prefix`, e.g. `chg_…`. */
  next(prefix: string): string;
}

/** What a write works on: the live part of one org. */
export interface OrgState {
  readonly org: Org;
  /** Grants with credits left, including those effective in the future. */
  readonly grants: readonly Grant[];
  readonly holds: readonly Hold[];
  readonly schedules: readonly Schedule[];
  /** Every project, archived ones included. */
  readonly projects: readonly Project[];
  /** Allowances in force. */
  readonly allowances: readonly Allowance[];
}

export interface StoredResponse {
  readonly requestHash: string;
  readonly response: string;
}

export interface WriteContext {
  /** Undefined when the org does not exist (yet). */
  readonly state: OrgState | undefined;
  /** Every price version of the requested feature (else of the requested hold's), oldest first. */
  readonly prices: readonly PriceVersion[];
  /** The requested hold, whatever its status. */
  readonly hold: Hold | undefined;
  /** The requested charge, with the grants it drew from. */
  readonly charge: ChargeRecord | undefined;
  /** The response stored under the request's idempotency key. */
  readonly stored: StoredResponse | undefined;
}

/** Everything one write changes, applied atomically. */
export interface OrgChanges {
  /** Inserted when new; otherwise its clock is moved. */
  readonly org: Org;
  /** Inserted or updated. */
  readonly grants: readonly Grant[];
  readonly holds: readonly Hold[];
  readonly schedules: readonly Schedule[];
  /** Inserted or updated. */
  readonly projects: readonly Project[];
  /** Inserted or updated, by org and user. */
  readonly allowances: readonly Allowance[];
  readonly transactions: readonly Transaction[];
  readonly stored?: StoredResponse & { readonly key: string; readonly at: Instant };
}

export interface WriteRequest<R> {
  readonly orgId: string;
  readonly featureId?: string;
  readonly chargeId?: string;
  readonly holdId?: string;
  readonly idempotencyKey?: string;
  /**
   * Decides the write from the org's state, inside the store's transaction. It must be pure and
   * synchronous: it may run inside a batch of writes sharing one durable commit.
   */
  readonly decide: (context: WriteContext) => { result: R; changes: OrgChanges | undefined };
}

export interface TransactionFilter {
  readonly types?: readonly TransactionType[];
  readonly feature?: string;
  readonly statuses?: readonly TransactionStatus[];
  readonly user?: string;
  readonly project?: string;
  readonly model?: string;
  /** Inclusive. */
  readonly from?: Instant;
  /** Exclusive. */
  readonly to?: Instant;
}

/** Keyset position: rows strictly older than this one. */
export interface TransactionCursor {
  readonly at: Instant;
  readonly id: string;
}

/** A grant's remaining and held credits as of some instant, from its entries. */
export interface GrantAsOf {
  readonly grant: Grant;
  readonly remaining: Micros;
  readonly held: Micros;
}

/** Entry totals of one kind and type within a time range. */
export interface EntryTotal {
  readonly kind: Grant['kind'];
  readonly type: TransactionType;
  readonly amount: Micros;
}

export interface LedgerStore {
  /**
   * Runs the write in a durable transaction. Writes arriving together share one commit, each
   * isolated: a write that throws is rolled back alone and its promise rejects.
   */
  write<R>(request: WriteRequest<R>): Promise<R>;
  getOrg(orgId: string): Promise<Org | undefined>;
  /** At most `limit` orgs by id, from the first one after `afterId` (from the first of all without). */
  listOrgs(afterId: string | undefined, limit: number): Promise<Org[]>;
  loadState(orgId: string): Promise<OrgState | undefined>;
  /** Every grant of the org with its remaining and held credits from entries dated at or before `at`. */
  grantsAsOf(orgId: string, at: Instant): Promise<GrantAsOf[]>;
  /** Every grant of the org as it is now, oldest first. */
  listGrants(orgId: string): Promise<Grant[]>;
  listTransactions(
    orgId: string,
    filter: TransactionFilter,
    limit: number,
    after: TransactionCursor | undefined,
  ): Promise<Transaction[]>;
  /**
   * Sums of entry amounts by kind and type, for entries with `from < at <= to` when type is
   * `expiry` and `from <= at < to` otherwise (`<= to` with `toIncluded`): the way periods count,
   * see `placeOfEntry` in src/core/statement.ts.
   */
  entryTotals(
    orgId: string,
    from: Instant,
    to: Instant,
    toIncluded?: boolean,
  ): Promise<EntryTotal[]>;
  /** Succeeded usage rows in `[from, to)`. */
  usageCount(orgId: string, from: Instant, to: Instant): Promise<number>;
  putPriceVersion(version: PriceVersion): Promise<void>;
  /** Every price version, oldest first. */
  listPriceVersions(featureId?: string): Promise<PriceVersion[]>;
  /** Drops idempotency records stored before `before`. */
  purgeStoredResponses(before: Instant): Promise<number>;
  /**
   * Orgs with something due at or before `at` that is not written yet: a grant expiry, a hold
   * lapse or a new allowance period. At most `limit` of them.
   */
  orgsWithDueEvents(at: Instant, limit: number): Promise<string[]>;
  /** The org's rows, table by table: what deleting it would remove. Undefined: no such org. */
  countOrgRows(orgId: string): Promise<OrgRowCounts | undefined>;
  /**
   * Removes the org and every ledger row of it in one transaction, in turn with its writes: a
   * write commits wholly before the removal or finds no org (`unknown_org`), never half an org.
   * Answers what was removed; undefined when there is no such org.
   */
  deleteOrg(orgId: string): Promise<OrgRowCounts | undefined>;
  close(): Promise<void>;
}

/** How many rows an org has in each table of the ledger. */
export interface OrgRowCounts {
  readonly grants: number;
  readonly schedules: number;
  readonly holds: number;
  readonly transactions: number;
  readonly entries: number;
  readonly projects: number;
  readonly allowances: number;
  /** Responses kept under the org's idempotency keys. */
  readonly storedResponses: number;
  /** Day sums of usage and of entries (src/core/rollup.ts). */
  readonly usageRollups: number;
  readonly entryRollups: number;
}
