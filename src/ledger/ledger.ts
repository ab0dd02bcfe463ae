/**
 * The ledger engine: every rule of DESIGN.md section 2 behind one interface. Writes go through
 * `write`, which keeps rules 6 and 7 (time order and exactly-once) for every use case; reads
 * compute what is due but not yet written (rule 5), so they are exact at any instant.
 */
import type { Micros } from '../core/amount.js';
import { credits as toMicros } from '../core/amount.js';
import { isGrantKind, type Grant } from '../core/grant.js';
import { isTimeZone, periodNamed, type Instant } from '../core/period.js';
import { parsePriceLines } from '../core/price.js';
import { invalid, ok, refuse, type Result } from '../core/refusal.js';
import { countEntry, emptyFlows, placeOfEntry, type KindFlows } from '../core/statement.js';
import { balanceOf, type Balance } from './balance.js';
import { charge, type ChargeResult } from './charge.js';
import { canonicalJson, decodeResponse, encodeResponse, fingerprint } from './codec.js';
import { grantCredits, type GrantResult } from './grant-credits.js';
import { capture, hold, voidHold } from './holds.js';
import {
  IDEMPOTENCY_KEY_MAX_LENGTH,
  MAX_METADATA_BYTES,
  MAX_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  type AttributionInput,
  type CaptureInput,
  type ChargeInput,
  type CreateOrgInput,
  type FeatureInput,
  type GrantInput,
  type HoldInput,
  type RefundInput,
  type VoidInput,
  type WriteOptions,
} from './inputs.js';
import type { Hold, Org, PriceVersion, Transaction, TransactionRow } from './model.js';
import { OrgDraft } from './org-draft.js';
import type {
  Clock,
  IdGenerator,
  LedgerStore,
  OrgChanges,
  OrgRowCounts,
  OrgState,
  TransactionCursor,
  TransactionFilter,
  WriteContext,
} from './ports.js';
import { priceVersionAt } from './prices.js';
import { refund } from './refund.js';
import {
  setMonthlyAllowance,
  type MonthlyAllowanceInput,
  type MonthlyAllowanceResult,
} from './monthly-allowance.js';
import { revokeGrant, type RevokeGrantInput, type RevokeGrantResult } from './revoke-grant.js';
import {
  allowanceView,
  createProject,
  projectView,
  removeAllowance,
  setAllowance,
  updateProject,
  type AllowanceInput,
  type AllowanceView,
  type CreateProjectInput,
  type ProjectView,
  type UpdateProjectInput,
} from './spending-settings.js';

/** A write's outcome; `replayed` when it is the stored response to an earlier request (rule 7). */
export type WriteResult<T> = Result<T> & { readonly replayed: boolean };

export interface Statement {
  readonly month: string;
  readonly start: Instant;
  readonly end: Instant;
  /** False while the period is still running: figures are as of `asOf`. */
  readonly final: boolean;
  readonly asOf: Instant;
  readonly opening: Micros;
  readonly added: Micros;
  readonly consumed: Micros;
  readonly expired: Micros;
  readonly closing: Micros;
  readonly carriedForward: Micros;
  readonly byKind: Readonly<Record<Grant['kind'], KindFlows>>;
  readonly usageCount: number;
}

export interface TransactionPage {
  readonly data: TransactionRow[];
  readonly nextCursor: TransactionCursor | null;
}

export interface OrgPage {
  readonly data: Org[];
  /** The last id of this page when more may follow: pass it back as `cursor`. */
  readonly nextCursor: string | null;
}

export interface FeaturePrice extends PriceVersion {
  readonly id: string;
}

export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;
/** Rule 7 keeps keys at least 30 days. */
export const IDEMPOTENCY_RETENTION_MS = 30 * 24 * 3600 * 1000;

export interface Ledger {
  createOrg(input: CreateOrgInput): Promise<Result<Org>>;
  getOrg(orgId: string): Promise<Result<Org>>;
  /** Every org of the installation by id, a page at a time: the ones after `cursor`. */
  listOrgs(page?: { limit?: number; cursor?: string }): Promise<Result<OrgPage>>;
  setFeature(input: FeatureInput): Promise<Result<FeaturePrice>>;
  /** Each feature's price in force at `at` (default now). */
  listFeatures(at?: Instant): Promise<FeaturePrice[]>;
  grant(orgId: string, input: GrantInput): Promise<WriteResult<GrantResult>>;
  charge(orgId: string, input: ChargeInput): Promise<WriteResult<ChargeResult>>;
  hold(orgId: string, input: HoldInput): Promise<WriteResult<Hold>>;
  capture(orgId: string, holdId: string, input: CaptureInput): Promise<WriteResult<ChargeResult>>;
  void(orgId: string, holdId: string, input: VoidInput): Promise<WriteResult<Hold>>;
  refund(orgId: string, chargeId: string, input: RefundInput): Promise<WriteResult<TransactionRow>>;
  /** Sets the org's monthly allowance from the next period on (see monthly-allowance.ts). */
  setMonthlyAllowance(
    orgId: string,
    input: MonthlyAllowanceInput & WriteOptions,
  ): Promise<WriteResult<MonthlyAllowanceResult>>;
  /** Takes back what is left of a grant, as an adjustment (see revoke-grant.ts). */
  revokeGrant(
    orgId: string,
    grantId: string,
    input: RevokeGrantInput & WriteOptions,
  ): Promise<WriteResult<RevokeGrantResult>>;
  /** Writes what is due up to `at` (expiries, lapsed holds, new periods). */
  advance(orgId: string, options?: WriteOptions): Promise<WriteResult<{ clock: Instant }>>;
  createProject(
    orgId: string,
    input: CreateProjectInput & Pick<WriteOptions, 'idempotencyKey'>,
  ): Promise<WriteResult<ProjectView>>;
  updateProject(
    orgId: string,
    projectId: string,
    input: UpdateProjectInput & Pick<WriteOptions, 'idempotencyKey'>,
  ): Promise<WriteResult<ProjectView>>;
  /** Every project of the org, archived ones included, by id, with its budget now. */
  listProjects(orgId: string): Promise<Result<ProjectView[]>>;
  setAllowance(
    orgId: string,
    user: string,
    input: AllowanceInput & Pick<WriteOptions, 'idempotencyKey'>,
  ): Promise<WriteResult<AllowanceView>>;
  removeAllowance(
    orgId: string,
    user: string,
    options?: Pick<WriteOptions, 'idempotencyKey'>,
  ): Promise<WriteResult<AllowanceView>>;
  /** Allowances in force, by user, with what is used and left now. */
  listAllowances(orgId: string): Promise<Result<AllowanceView[]>>;
  balance(orgId: string, at?: Instant): Promise<Result<Balance>>;
  /** Every grant with what is left of it at `at` (default now); `active` keeps those with credits available. */
  listGrants(orgId: string, options?: { active?: boolean; at?: Instant }): Promise<Result<Grant[]>>;
  transactions(
    orgId: string,
    filter?: TransactionFilter,
    page?: { limit?: number; cursor?: TransactionCursor },
  ): Promise<Result<TransactionPage>>;
  statement(orgId: string, month: string, asOf?: Instant): Promise<Result<Statement>>;
  /** Forgets idempotency keys older than the retention. */
  purgeIdempotencyKeys(): Promise<number>;
  /**
   * Writes what is due in every org (expiries, lapsed holds, new periods), so that the log shows
   * them without waiting for the org's next write. Answers how many orgs were advanced.
   */
  advanceDue(): Promise<number>;
  /** The org's rows in the ledger, table by table: what `deleteOrg` would remove. */
  countOrgRows(orgId: string): Promise<Result<OrgRowCounts>>;
  /**
   * Removes the org and its whole ledger (grants, log, holds, settings, idempotency keys) for
   * good, in one step that no write of the org straddles; afterwards it is `unknown_org`.
   */
  deleteOrg(orgId: string): Promise<Result<OrgRowCounts>>;
}

export interface LedgerDependencies {
  store: LedgerStore;
  clock: Clock;
  ids: IdGenerator;
}

export function createLedger(dependencies: LedgerDependencies): Ledger {
  return new LedgerEngine(dependencies.store, dependencies.clock, dependencies.ids);
}

interface WriteSpec<T> {
  orgId: string;
  operation: string;
  input: WriteOptions & object;
  featureId?: string;
  chargeId?: string;
  holdId?: string;
  /** A change of settings, not an entry: it leaves the org's clock where it is. */
  keepsClock?: boolean;
  run: (draft: OrgDraft, at: Instant, context: WriteContext) => Result<T>;
}

class LedgerEngine implements Ledger {
  /** Keys whose first request is still running, to refuse a concurrent retry (rule 7). */
  private readonly running = new Set<string>();

  constructor(
    private readonly store: LedgerStore,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async createOrg(input: CreateOrgInput): Promise<Result<Org>> {
    const now = this.clock.now();
    const at = input.at ?? now;
    const checked = checkOrg(input, at, now);
    if (!checked.ok) return checked;
    const org: Org = {
      id: input.id ?? this.ids.next('org_'),
      name: input.name.trim(),
      timeZone: input.timeZone ?? 'UTC',
      plan: input.plan ?? null,
      createdAt: at,
      clock: at,
    };
    return this.store.write({
      orgId: org.id,
      decide: ({ state }) => {
        if (state) {
          return {
            result: refuse('org_exists', `org ${org.id} exists`, { org: org.id }),
            changes: undefined,
          };
        }
        const draft = new OrgDraft(
          { org, grants: [], holds: [], schedules: [], projects: [], allowances: [] },
          this.ids,
          true,
        );
        draft.advanceTo(at);
        if (input.allowance) {
          const allowance = grantCredits(
            draft,
            { kind: 'allowance', credits: input.allowance.credits, recurrence: 'monthly' },
            at,
          );
          if (!allowance.ok) return { result: allowance, changes: undefined };
        }
        return { result: ok(draft.org), changes: draft.changes() };
      },
    });
  }

  async getOrg(orgId: string): Promise<Result<Org>> {
    const org = await this.store.getOrg(orgId);
    return org ? ok(org) : unknownOrg(orgId);
  }

  async listOrgs(page: { limit?: number; cursor?: string } = {}): Promise<Result<OrgPage>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      return invalid('limit', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    // One more than asked says whether another page follows, without a count of every org.
    const orgs = await this.store.listOrgs(page.cursor, limit + 1);
    const data = orgs.slice(0, limit);
    const last = data[data.length - 1];
    return ok({ data, nextCursor: orgs.length > limit && last ? last.id : null });
  }

  async setFeature(input: FeatureInput): Promise<Result<FeaturePrice>> {
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(input.id)) {
      return invalid(
        'feature',
        'a feature id is lowercase letters, digits, dots, dashes and underscores',
      );
    }
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
      return invalid('name', `name must be 1 to ${MAX_NAME_LENGTH} characters`);
    }
    const lines = parsePriceLines(input.prices, (value, field) => {
      if (typeof value === 'bigint') {
        return value < 0n ? invalid(field, `${field} must not be negative`) : ok(value);
      }
      return invalid(field, `${field} must be micro-credits`);
    });
    if (!lines.ok) return lines;
    const effectiveAt = input.effectiveAt ?? this.clock.now();
    const version: PriceVersion = { featureId: input.id, name, lines: lines.value, effectiveAt };
    await this.store.putPriceVersion(version);
    return ok({ id: input.id, ...version });
  }

  async listFeatures(at?: Instant): Promise<FeaturePrice[]> {
    const when = at ?? this.clock.now();
    const byFeature = new Map<string, PriceVersion[]>();
    for (const version of await this.store.listPriceVersions()) {
      const versions = byFeature.get(version.featureId) ?? [];
      versions.push(version);
      byFeature.set(version.featureId, versions);
    }
    const features: FeaturePrice[] = [];
    for (const [id, versions] of byFeature) {
      const current = priceVersionAt(versions, when);
      if (current) features.push({ id, ...current });
    }
    return features.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  grant(orgId: string, input: GrantInput): Promise<WriteResult<GrantResult>> {
    if (!isGrantKind(input.kind)) return refused(invalid('kind', 'kind is not a grant kind'));
    return this.write({
      orgId,
      operation: 'grant',
      input,
      run: (draft, at) => grantCredits(draft, input, at),
    });
  }

  charge(orgId: string, input: ChargeInput): Promise<WriteResult<ChargeResult>> {
    const checked = checkAttribution(input);
    if (!checked.ok) return refused(checked);
    return this.write({
      orgId,
      operation: 'charge',
      input,
      featureId: input.feature,
      run: (draft, at, context) => charge(draft, input, at, context.prices),
    });
  }

  hold(orgId: string, input: HoldInput): Promise<WriteResult<Hold>> {
    const checked = checkAttribution(input);
    if (!checked.ok) return refused(checked);
    return this.write({
      orgId,
      operation: 'hold',
      input,
      featureId: input.feature,
      run: (draft, at, context) => hold(draft, input, at, context.prices),
    });
  }

  capture(orgId: string, holdId: string, input: CaptureInput): Promise<WriteResult<ChargeResult>> {
    return this.write({
      orgId,
      operation: `capture ${holdId}`,
      input,
      holdId,
      run: (draft, at, context) => capture(draft, holdId, input, at, context.prices),
    });
  }

  void(orgId: string, holdId: string, input: VoidInput): Promise<WriteResult<Hold>> {
    if (input.reason != null && input.reason.length > MAX_TEXT_LENGTH) {
      return refused(invalid('reason', `reason may be at most ${MAX_TEXT_LENGTH} characters`));
    }
    return this.write({
      orgId,
      operation: `void ${holdId}`,
      input,
      holdId,
      run: (draft, at) => voidHold(draft, holdId, input, at),
    });
  }

  refund(
    orgId: string,
    chargeId: string,
    input: RefundInput,
  ): Promise<WriteResult<TransactionRow>> {
    if (input.note != null && input.note.length > MAX_TEXT_LENGTH) {
      return refused(invalid('note', `note may be at most ${MAX_TEXT_LENGTH} characters`));
    }
    return this.write({
      orgId,
      operation: `refund ${chargeId}`,
      input,
      chargeId,
      run: (draft, at, context) => refund(draft, context.charge, chargeId, input, at),
    });
  }

  setMonthlyAllowance(
    orgId: string,
    input: MonthlyAllowanceInput & WriteOptions,
  ): Promise<WriteResult<MonthlyAllowanceResult>> {
    return this.write({
      orgId,
      operation: 'set monthly allowance',
      input,
      run: (draft, at) => setMonthlyAllowance(draft, input, at),
    });
  }

  revokeGrant(
    orgId: string,
    grantId: string,
    input: RevokeGrantInput & WriteOptions,
  ): Promise<WriteResult<RevokeGrantResult>> {
    if (input.note != null && input.note.length > MAX_TEXT_LENGTH) {
      return refused(invalid('note', `note may be at most ${MAX_TEXT_LENGTH} characters`));
    }
    return this.write({
      orgId,
      operation: `revoke grant ${grantId}`,
      input,
      run: (draft, at) => revokeGrant(draft, grantId, input, at),
    });
  }

  advance(orgId: string, options: WriteOptions = {}): Promise<WriteResult<{ clock: Instant }>> {
    return this.write({
      orgId,
      operation: 'advance',
      input: options,
      run: (draft) => ok({ clock: draft.org.clock }),
    });
  }

  createProject(
    orgId: string,
    input: CreateProjectInput & Pick<WriteOptions, 'idempotencyKey'>,
  ): Promise<WriteResult<ProjectView>> {
    return this.write({
      orgId,
      operation: 'create project',
      input,
      keepsClock: true,
      run: (draft) => createProject(draft, input, this.clock.now()),
    });
  }

  updateProject(
    orgId: string,
    projectId: string,
    input: UpdateProjectInput & Pick<WriteOptions, 'idempotencyKey'>,
  ): Promise<WriteResult<ProjectView>> {
    return this.write({
      orgId,
      operation: `update project ${projectId}`,
      input,
      keepsClock: true,
      run: (draft) => updateProject(draft, projectId, input, this.clock.now()),
    });
  }

  async listProjects(orgId: string): Promise<Result<ProjectView[]>> {
    const state = await this.store.loadState(orgId);
    if (!state) return unknownOrg(orgId);
    const now = this.clock.now();
    return ok(
      [...state.projects]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((project) => projectView(project, now, state.org.timeZone)),
    );
  }

  setAllowance(
    orgId: string,
    user: string,
    input: AllowanceInput & Pick<WriteOptions, 'idempotencyKey'>,
  ): Promise<WriteResult<AllowanceView>> {
    return this.write({
      orgId,
      operation: `set allowance ${user}`,
      input,
      keepsClock: true,
      run: (draft) => setAllowance(draft, user, input, this.clock.now()),
    });
  }

  removeAllowance(
    orgId: string,
    user: string,
    options: Pick<WriteOptions, 'idempotencyKey'> = {},
  ): Promise<WriteResult<AllowanceView>> {
    return this.write({
      orgId,
      operation: `remove allowance ${user}`,
      input: options,
      keepsClock: true,
      run: (draft) => removeAllowance(draft, user, this.clock.now()),
    });
  }

  async listAllowances(orgId: string): Promise<Result<AllowanceView[]>> {
    const state = await this.store.loadState(orgId);
    if (!state) return unknownOrg(orgId);
    const now = this.clock.now();
    return ok(
      [...state.allowances]
        .sort((a, b) => (a.user < b.user ? -1 : 1))
        .map((allowance) => allowanceView(allowance, now, state.org.timeZone)),
    );
  }

  private async write<T>(spec: WriteSpec<T>): Promise<WriteResult<T>> {
    const { input } = spec;
    const now = this.clock.now();
    if (input.at !== undefined && (!Number.isSafeInteger(input.at) || input.at > now)) {
      return refused(invalid('at', 'at may not be later than now'));
    }
    const key = input.idempotencyKey;
    if (key !== undefined && (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH)) {
      return refused(
        invalid(
          'idempotencyKey',
          `an idempotency key has 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
        ),
      );
    }
    const runningKey = key === undefined ? undefined : `${spec.orgId}\u0000${key}`;
    if (runningKey !== undefined) {
      if (this.running.has(runningKey)) {
        return refused(
          refuse('idempotency_key_in_use', 'a request with this idempotency key is still running', {
            key,
          }),
        );
      }
      this.running.add(runningKey);
    }
    const { idempotencyKey: _key, ...request } = input;
    const requestHash =
      key === undefined ? '' : fingerprint(canonicalJson({ operation: spec.operation, request }));
    try {
      return await this.store.write<WriteResult<T>>({
        orgId: spec.orgId,
        ...(spec.featureId === undefined ? {} : { featureId: spec.featureId }),
        ...(spec.chargeId === undefined ? {} : { chargeId: spec.chargeId }),
        ...(spec.holdId === undefined ? {} : { holdId: spec.holdId }),
        ...(key === undefined ? {} : { idempotencyKey: key }),
        decide: (context) => {
          if (context.stored) {
            if (context.stored.requestHash === requestHash) {
              const first = decodeResponse<Result<T>>(context.stored.response);
              return { result: { ...first, replayed: true }, changes: undefined };
            }
            const reused = refuse<T>(
              'idempotency_key_reused',
              'this idempotency key was used with a different request',
              { key },
            );
            return { result: { ...reused, replayed: false }, changes: undefined };
          }
          const { state } = context;
          if (!state)
            return {
              result: { ...unknownOrg<T>(spec.orgId), replayed: false },
              changes: undefined,
            };
          return this.decide(spec, state, context, key, requestHash);
        },
      });
    } finally {
      if (runningKey !== undefined) this.running.delete(runningKey);
    }
  }

  private decide<T>(
    spec: WriteSpec<T>,
    state: OrgState,
    context: WriteContext,
    key: string | undefined,
    requestHash: string,
  ): { result: WriteResult<T>; changes: OrgChanges | undefined } {
    // The default instant is taken inside the transaction, never before the org's clock, so that
    // concurrent writers without `at` are never refused for arriving in a different order.
    const now = this.clock.now();
    const at = spec.keepsClock
      ? state.org.clock
      : (spec.input.at ?? Math.max(now, state.org.clock));
    let result: Result<T>;
    let draft: OrgDraft | undefined;
    if (at < state.org.clock) {
      result = refuse('at_before_latest_entry', 'the org has a later entry than at', {
        at: new Date(at).toISOString(),
        latest: new Date(state.org.clock).toISOString(),
      });
    } else {
      draft = new OrgDraft(state, this.ids);
      if (context.hold && !draft.holds.has(context.hold.id))
        draft.holds.set(context.hold.id, { ...context.hold });
      draft.advanceTo(at);
      result = spec.run(draft, at, context);
    }
    // Only a write that changed something keeps its response under the key: a refusal that wrote
    // nothing (an unknown feature, a hold already resolved) may be retried once its cause is fixed.
    if (!draft || !(result.ok || draft.keep))
      return { result: { ...result, replayed: false }, changes: undefined };
    const stored =
      key === undefined
        ? undefined
        : { key, requestHash, response: encodeResponse(result), at: now };
    return { result: { ...result, replayed: false }, changes: draft.changes(stored) };
  }

  /** The org's live state brought forward to `at` in memory, for reads at or after its clock. */
  private async stateAt(orgId: string, at: Instant): Promise<OrgDraft | undefined> {
    const state = await this.store.loadState(orgId);
    if (!state) return undefined;
    const draft = new OrgDraft(state, this.ids);
    if (at >= state.org.clock) draft.advanceTo(at);
    return draft;
  }

  /** Every grant with its remaining and held credits as of `at`, due events included. */
  private async grantsAt(
    orgId: string,
    at: Instant,
  ): Promise<{ org: Org; grants: Grant[]; virtual: Transaction[] } | undefined> {
    const org = await this.store.getOrg(orgId);
    if (!org) return undefined;
    if (at < org.clock) {
      const grants = (await this.store.grantsAsOf(orgId, at)).map(({ grant, remaining, held }) => ({
        ...grant,
        remaining,
        held,
      }));
      return { org, grants, virtual: [] };
    }
    const draft = await this.stateAt(orgId, at);
    if (!draft) return undefined;
    const all = new Map((await this.store.listGrants(orgId)).map((grant) => [grant.id, grant]));
    for (const grant of draft.grants.values()) all.set(grant.id, grant);
    const grants = [...all.values()].filter((grant) => grant.effectiveAt <= at);
    return { org, grants, virtual: draft.transactions };
  }

  async balance(orgId: string, at?: Instant): Promise<Result<Balance>> {
    const when = at ?? this.clock.now();
    const found = await this.grantsAt(orgId, when);
    if (!found) return unknownOrg(orgId);
    return ok(balanceOf(found.grants, when));
  }

  async listGrants(
    orgId: string,
    options: { active?: boolean; at?: Instant } = {},
  ): Promise<Result<Grant[]>> {
    const at = options.at ?? this.clock.now();
    const found = await this.grantsAt(orgId, at);
    if (!found) return unknownOrg(orgId);
    const grants = found.grants
      .map((grant) =>
        grant.expiresAt !== null && grant.expiresAt <= at
          ? { ...grant, remaining: grant.held }
          : grant,
      )
      .filter((grant) => !options.active || balanceOf([grant], at).available > 0n);
    return ok(grants.sort((a, b) => a.effectiveAt - b.effectiveAt || (a.id < b.id ? -1 : 1)));
  }

  async transactions(
    orgId: string,
    filter: TransactionFilter = {},
    page: { limit?: number; cursor?: TransactionCursor } = {},
  ): Promise<Result<TransactionPage>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      return invalid('limit', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    }
    if (!(await this.store.getOrg(orgId))) return unknownOrg(orgId);
    const rows = await this.store.listTransactions(orgId, filter, limit + 1, page.cursor);
    const data = rows.slice(0, limit);
    const last = data[data.length - 1];
    const nextCursor = rows.length > limit && last ? { at: last.at, id: last.id } : null;
    return ok({ data, nextCursor });
  }

  async statement(orgId: string, month: string, asOf?: Instant): Promise<Result<Statement>> {
    const org = await this.store.getOrg(orgId);
    if (!org) return unknownOrg(orgId);
    const period = periodNamed(month, org.timeZone);
    if (!period) return invalid('month', 'month must be YYYY-MM');
    const now = asOf ?? this.clock.now();
    if (period.start > now) return invalid('month', 'the month has not begun');
    const final = period.end <= now;
    const horizon = final ? period.end : now;

    const flows = emptyFlows();
    for (const total of await this.store.entryTotals(
      orgId,
      Number.MIN_SAFE_INTEGER,
      period.start,
    )) {
      countEntry(flows, total.kind, total.type, 'before', total.amount);
    }
    for (const total of await this.store.entryTotals(orgId, period.start, horizon, !final)) {
      countEntry(flows, total.kind, total.type, 'within', total.amount);
    }
    // What is due but not yet written counts too: reads compute expiries (rule 5).
    const found = await this.grantsAt(orgId, horizon);
    if (!found) return unknownOrg(orgId);
    for (const transaction of found.virtual) {
      for (const entry of transaction.entries) {
        const place = placeOfEntry(entry.type, entry.at, period.start, horizon, !final);
        countEntry(flows, entry.kind, entry.type, place, entry.amount);
      }
    }
    // Carried forward: what closing holds on grants that outlive the period, as they stand just
    // before its end (writes dated at the end belong to the next period). Allowances never carry.
    const closingGrants = final ? await this.grantsAt(orgId, period.end - 1) : found;
    if (!closingGrants) return unknownOrg(orgId);
    let carriedForward = 0n;
    for (const grant of closingGrants.grants) {
      if (grant.expiresAt === null || grant.expiresAt > period.end)
        carriedForward += grant.remaining;
    }
    const sum = (field: keyof KindFlows) =>
      Object.values(flows).reduce((total, row) => total + row[field], 0n);
    const closing = sum('closing');
    return ok({
      month: period.month,
      start: period.start,
      end: period.end,
      final,
      asOf: horizon,
      opening: sum('opening'),
      added: sum('added'),
      consumed: sum('consumed'),
      expired: sum('expired'),
      closing,
      carriedForward,
      byKind: flows,
      usageCount: await this.store.usageCount(orgId, period.start, final ? horizon : horizon + 1),
    });
  }

  async advanceDue(): Promise<number> {
    const due = await this.store.orgsWithDueEvents(this.clock.now(), 1000);
    const results = await Promise.all(due.map((orgId) => this.advance(orgId)));
    return results.filter((result) => result.ok).length;
  }

  purgeIdempotencyKeys(): Promise<number> {
    return this.store.purgeStoredResponses(this.clock.now() - IDEMPOTENCY_RETENTION_MS);
  }

  async countOrgRows(orgId: string): Promise<Result<OrgRowCounts>> {
    const counts = await this.store.countOrgRows(orgId);
    return counts ? ok(counts) : unknownOrg(orgId);
  }

  async deleteOrg(orgId: string): Promise<Result<OrgRowCounts>> {
    const removed = await this.store.deleteOrg(orgId);
    return removed ? ok(removed) : unknownOrg(orgId);
  }
}

function refused<T>(result: Result<never>): Promise<WriteResult<T>> {
  return Promise.resolve({ ...result, replayed: false });
}

function unknownOrg<T>(orgId: string): Result<T> {
  return refuse('unknown_org', `no org ${orgId}`, { org: orgId });
}

function checkOrg(input: CreateOrgInput, at: Instant, now: Instant): Result<void> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    return invalid('name', `name must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  if (input.id !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(input.id)) {
    return invalid('id', 'an org id is 1 to 64 letters, digits, dashes or underscores');
  }
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) {
    return invalid('timezone', `${input.timeZone} is not an IANA time zone`);
  }
  if (at > now) return invalid('at', 'at may not be later than now');
  if (
    input.allowance &&
    (input.allowance.credits <= 0n || input.allowance.credits > toMicros(1e12))
  ) {
    return invalid('allowance.credits', 'the allowance must be more than zero');
  }
  return ok(undefined);
}

function checkAttribution(input: AttributionInput & { feature: string }): Result<void> {
  for (const field of ['user', 'project', 'model'] as const) {
    const value = input[field];
    if (value != null && (value.length === 0 || value.length > MAX_NAME_LENGTH)) {
      return invalid(field, `${field} must be 1 to ${MAX_NAME_LENGTH} characters`);
    }
  }
  if (input.note != null && input.note.length > MAX_TEXT_LENGTH) {
    return invalid('note', `note may be at most ${MAX_TEXT_LENGTH} characters`);
  }
  if (input.metadata != null && encodeResponse(input.metadata).length > MAX_METADATA_BYTES) {
    return invalid('metadata', `metadata may be at most ${MAX_METADATA_BYTES} bytes of JSON`);
  }
  return ok(undefined);
}
