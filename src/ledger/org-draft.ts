/**
 * A working copy of one org's live state that the use cases change in memory. It records what
 * changed so the store can write exactly that, and it keeps rules 2, 5, 6 and 8 in one place:
 * every change of a grant goes through `post`, which writes the entry that explains it, and
 * `advanceTo` materialises expiries, hold expiries and allowance periods in time order.
 */
import type { Micros } from '../core/amount.js';
import { availableAt, availableOf, type Draw, type Grant } from '../core/grant.js';
import { periodOf, type Instant } from '../core/period.js';
import type {
  Allowance,
  Attribution,
  Entry,
  Hold,
  Org,
  Project,
  QuantityRecord,
  Schedule,
  Transaction,
  TransactionStatus,
  TransactionType,
} from './model.js';
import { giveBackSpend } from './limits.js';
import type { IdGenerator, OrgChanges, OrgState } from './ports.js';

export interface NewTransaction extends Partial<Attribution> {
  type: TransactionType;
  at: Instant;
  status: TransactionStatus;
  feature?: string | null;
  quantities?: QuantityRecord | null;
  draws?: readonly Draw[];
  held?: Micros;
  holdId?: string | null;
  chargeId?: string | null;
  reason?: string | null;
  id?: string;
}

export class OrgDraft {
  org: Org;
  readonly grants = new Map<string, Grant>();
  readonly holds = new Map<string, Hold>();
  readonly schedules = new Map<string, Schedule>();
  readonly projects = new Map<string, Project>();
  /** Allowances in force, by user. */
  readonly allowances = new Map<string, Allowance>();
  readonly transactions: Transaction[] = [];
  private readonly changedGrants = new Set<string>();
  private readonly changedHolds = new Set<string>();
  private readonly changedSchedules = new Set<string>();
  private readonly changedProjects = new Set<string>();
  private readonly changedAllowances = new Map<string, Allowance>();
  private pendingEntries: Entry[] = [];
  /** Set when a refusal is itself worth writing down (a refused charge is logged, rule 3). */
  keep = false;

  constructor(
    state: OrgState,
    private readonly ids: IdGenerator,
    private readonly isNew = false,
  ) {
    this.org = state.org;
    // Copies: a refused write must leave the caller's state untouched.
    for (const grant of state.grants) this.grants.set(grant.id, { ...grant });
    for (const hold of state.holds) this.holds.set(hold.id, { ...hold });
    for (const schedule of state.schedules) this.schedules.set(schedule.id, { ...schedule });
    for (const project of state.projects) this.projects.set(project.id, project);
    for (const allowance of state.allowances) this.allowances.set(allowance.user, allowance);
  }

  /** Grants the draft did not load (spent or expired ones a refund returns to). */
  adopt(grant: Grant): Grant {
    const known = this.grants.get(grant.id);
    if (known) return known;
    const copy = { ...grant };
    this.grants.set(copy.id, copy);
    return copy;
  }

  keepDespiteRefusal(): void {
    this.keep = true;
  }

  newId(prefix: string): string {
    return this.ids.next(prefix);
  }

  available(at: Instant): Micros {
    return availableAt(this.grants.values(), at);
  }

  /** Changes a grant's remaining and held credits, writing the entry that says why. */
  post(grant: Grant, type: TransactionType, at: Instant, amount: Micros, held: Micros): void {
    if (amount === 0n && held === 0n) return;
    grant.remaining += amount;
    grant.held += held;
    if (grant.remaining < 0n || grant.held < 0n || grant.held > grant.remaining) {
      throw new Error(`grant ${grant.id} would go negative: a bug in the ledger`);
    }
    this.changedGrants.add(grant.id);
    this.pendingEntries.push({ grantId: grant.id, kind: grant.kind, type, at, amount, held });
  }

  /** Puts a new grant in the pool; `type` is `refund` for credits a refund could not return. */
  addGrant(grant: Grant, type: 'grant' | 'refund', at: Instant): Grant {
    const added = { ...grant, remaining: 0n, held: 0n };
    this.grants.set(added.id, added);
    this.post(added, type, at, grant.amount, 0n);
    return added;
  }

  /**
   * Closes the entries posted since the last record into one log row. Built field by field: this
   * runs for every write, and spreading optional fields makes slow objects.
   */
  record(row: NewTransaction): Transaction {
    let credits = 0n;
    for (const entry of this.pendingEntries) credits += entry.amount;
    const transaction: Transaction = {
      id: row.id ?? this.ids.next(row.type === 'usage' ? 'chg_' : 'txn_'),
      orgId: this.org.id,
      type: row.type,
      at: row.at,
      status: row.status,
      feature: row.feature ?? null,
      credits,
      held: row.held ?? 0n,
      balanceAfter: this.available(row.at),
      user: row.user ?? null,
      project: row.project ?? null,
      model: row.model ?? null,
      quantities: row.quantities ?? null,
      draws: row.draws ?? [],
      note: row.note ?? null,
      metadata: row.metadata ?? null,
      holdId: row.holdId ?? null,
      chargeId: row.chargeId ?? null,
      reason: row.reason ?? null,
      entries: this.pendingEntries,
    };
    this.pendingEntries = [];
    this.transactions.push(transaction);
    return transaction;
  }

  touchHold(hold: Hold): void {
    this.holds.set(hold.id, hold);
    this.changedHolds.add(hold.id);
  }

  touchProject(project: Project): void {
    this.projects.set(project.id, project);
    this.changedProjects.add(project.id);
  }

  /** Sets a user's allowance; a removed one leaves the draft's allowances in force. */
  touchAllowance(allowance: Allowance): void {
    if (allowance.removedAt === null) this.allowances.set(allowance.user, allowance);
    else this.allowances.delete(allowance.user);
    this.changedAllowances.set(allowance.user, allowance);
  }

  touchSchedule(schedule: Schedule): void {
    this.schedules.set(schedule.id, schedule);
    this.changedSchedules.add(schedule.id);
  }

  /**
   * Rule 6: brings the org to `at`, writing every hold expiry, grant expiry and new allowance
   * period due at or before it, in time order. At one instant, holds lapse first (so credits they
   * release from an expiring grant expire with it), then grants expire, then new periods begin.
   */
  advanceTo(at: Instant): void {
    for (;;) {
      const next = this.nextDueEvent(at);
      if (!next) break;
      if (next.hold) this.voidHold(next.hold, next.at, 'expired');
      else if (next.grant) this.expire(next.grant, next.at);
      else if (next.schedule) this.issueLot(next.schedule, next.at);
    }
    if (at > this.org.clock || this.isNew) this.org = { ...this.org, clock: at };
  }

  private nextDueEvent(
    until: Instant,
  ): { at: Instant; hold?: Hold; grant?: Grant; schedule?: Schedule } | undefined {
    let best:
      { at: Instant; rank: number; hold?: Hold; grant?: Grant; schedule?: Schedule } | undefined;
    const consider = (
      at: Instant,
      rank: number,
      item: Omit<NonNullable<typeof best>, 'at' | 'rank'>,
    ) => {
      if (at > until) return;
      if (!best || at < best.at || (at === best.at && rank < best.rank))
        best = { at, rank, ...item };
    };
    for (const hold of this.holds.values()) {
      if (hold.status === 'pending') consider(hold.expiresAt, 0, { hold });
    }
    for (const grant of this.grants.values()) {
      if (grant.expiresAt !== null && availableOf(grant) > 0n) {
        consider(grant.expiresAt, 1, { grant });
      }
    }
    for (const schedule of this.schedules.values()) {
      if (schedule.endAt === null || schedule.nextAt < schedule.endAt) {
        consider(schedule.nextAt, 2, { schedule });
      }
    }
    return best;
  }

  /** Rule 5: what is left of a grant, less what pending holds keep, expires at `at`. */
  private expire(grant: Grant, at: Instant): void {
    this.post(grant, 'expiry', at, -availableOf(grant), 0n);
    this.record({ type: 'expiry', at, status: 'succeeded', note: null });
  }

  /**
   * Makes the lot of a recurring grant for the period containing `start`, good until the
   * period's end: allowances never carry forward.
   */
  issueLot(schedule: Schedule, start: Instant): Grant {
    const period = periodOf(start, this.org.timeZone);
    const expiresAt = schedule.endAt === null ? period.end : Math.min(period.end, schedule.endAt);
    const lot = this.addGrant(
      {
        id: this.ids.next('grt_'),
        orgId: this.org.id,
        kind: schedule.kind,
        amount: schedule.credits,
        remaining: schedule.credits,
        held: 0n,
        effectiveAt: start,
        expiresAt,
        priority: schedule.priority,
        note: schedule.note,
        scheduleId: schedule.id,
      },
      'grant',
      start,
    );
    this.record({ type: 'grant', at: start, status: 'succeeded', note: schedule.note });
    this.touchSchedule({ ...schedule, nextAt: period.end });
    return lot;
  }

  /** Rule 8: a hold lapses or is voided; its credits go back, or expire if their grant has. */
  voidHold(hold: Hold, at: Instant, reason: string | null): void {
    const released: { grant: Grant; credits: Micros }[] = [];
    for (const reservation of hold.reservations) {
      const grant = this.grantOf(reservation.grantId);
      this.post(grant, 'void', at, 0n, -reservation.credits);
      released.push({ grant, credits: reservation.credits });
    }
    this.touchHold({ ...hold, status: 'voided', resolvedAt: at });
    giveBackSpend(this, hold, hold.credits, hold.createdAt);
    this.record({
      type: 'void',
      at,
      status: 'failed',
      feature: hold.feature,
      quantities: hold.quantities,
      user: hold.user,
      project: hold.project,
      model: hold.model,
      note: hold.note,
      metadata: hold.metadata,
      held: -hold.credits,
      holdId: hold.id,
      reason,
    });
    this.expireReleased(released, at);
  }

  /**
   * Held credits keep their place only while the hold is pending (rule 8): released from a grant
   * that has expired meanwhile, they expire at the release.
   */
  expireReleased(released: readonly { grant: Grant; credits: Micros }[], at: Instant): void {
    let expired = false;
    for (const { grant, credits } of released) {
      if (credits > 0n && grant.expiresAt !== null && grant.expiresAt <= at) {
        this.post(grant, 'expiry', at, -credits, 0n);
        expired = true;
      }
    }
    if (expired) this.record({ type: 'expiry', at, status: 'succeeded' });
  }

  grantOf(grantId: string): Grant {
    const grant = this.grants.get(grantId);
    if (!grant) throw new Error(`grant ${grantId} is not loaded: a bug in the store`);
    return grant;
  }

  changes(stored?: OrgChanges['stored']): OrgChanges {
    if (this.pendingEntries.length > 0) throw new Error('entries posted without a log row');
    return {
      org: this.org,
      grants: [...this.changedGrants].map((id) => this.grants.get(id) as Grant),
      holds: [...this.changedHolds].map((id) => this.holds.get(id) as Hold),
      schedules: [...this.changedSchedules].map((id) => this.schedules.get(id) as Schedule),
      projects: [...this.changedProjects].map((id) => this.projects.get(id) as Project),
      allowances: [...this.changedAllowances.values()],
      transactions: this.transactions,
      ...(stored ? { stored } : {}),
    };
  }
}
