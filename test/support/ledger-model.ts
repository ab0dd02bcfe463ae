/**
 * A plain in-memory model of one org's credit pool, written from the rules of DESIGN.md (section
 * 2 and the contract details of section 4), not from the engine's code: the property-based suite
 * applies every command to the engine and to this model and compares them.
 *
 * It is deliberately simple and brute-force. The model keeps every grant with what is left of it,
 * every hold, every charge and a flat list of "flows" (credits added, consumed and expired, each
 * with its instant and kind). After every write it keeps a full copy of its state, so that a read
 * at any instant is "the copy of the latest write at or before that instant, brought forward to
 * it". Bringing a state forward applies, in time order, what the rules make happen by themselves:
 * a pending hold lapses at its `expiresAt` (rule 8), a grant's available credits expire at its
 * `expiresAt` (rule 5), and a monthly grant makes its lot at each period start.
 *
 * Where DESIGN.md is silent, the model takes these choices (the engine's, all reasonable):
 * - The org's "latest entry" (rule 6) is the instant of its latest write that changed anything
 *   (accepted, or refused for lack of credits and logged); a grant effective later does not move
 *   it. Refusals that write nothing do not move it either.
 * - At one instant, holds lapse first, then grants expire, then new lots start; a capture or void
 *   dated at a hold's `expiresAt` finds it voided already.
 * - A capture spends its reservations first, in their order, then draws what exceeds them in
 *   spend order; refused for lack of credits it is not logged, the hold stays pending, and the
 *   refusal gives `required` as the part beyond the hold. Its draws are merged per grant.
 * - A refund returns credits last drawn first; what cannot go back becomes a `refund` grant,
 *   effective at once, never expiring, priority 50. Only succeeded charges can be refunded.
 * - An allowance without `expiresAt` ends with its period; an explicit `expiresAt` is kept (for
 *   every kind, purchases included). A monthly grant's `expiresAt` ends the recurrence: each lot
 *   expires at its period's end or then, whichever is first.
 * - Grants are listed only once effective; an expired grant keeps as `remaining` what pending
 *   holds still reserve on it, so that rule 2 holds grant by grant.
 *
 * Only `periodOf` (a pure calendar helper of `src/core`) is shared with the engine.
 */
import { periodOf } from '../../src/core/period.js';

export const KINDS = ['allowance', 'purchase', 'trial', 'promo', 'admin_grant', 'refund'] as const;
export type Kind = (typeof KINDS)[number];

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: string; readonly details: Record<string, unknown> };

/** A part of a spend, hold, capture or refund: credits of one grant (by the model's number). */
export interface Part {
  readonly grant: number;
  readonly kind: Kind;
  readonly credits: bigint;
}

export interface GrantView {
  /** The model's number for the grant, in the order grants came to exist. */
  readonly seq: number;
  readonly kind: Kind;
  readonly amount: bigint;
  /** In the pool, held credits included. */
  readonly remaining: bigint;
  readonly held: bigint;
  readonly effectiveAt: number;
  readonly expiresAt: number | null;
  readonly priority: number;
  /** The model's number of the monthly grant that made this lot. */
  readonly schedule: number | null;
}

export interface BalanceView {
  readonly available: bigint;
  readonly held: bigint;
  readonly byKind: Record<Kind, bigint>;
  readonly nextExpiry: { readonly credits: bigint; readonly at: number } | null;
}

export interface KindStatement {
  opening: bigint;
  added: bigint;
  consumed: bigint;
  expired: bigint;
  closing: bigint;
}

export interface StatementView {
  readonly month: string;
  readonly start: number;
  readonly end: number;
  readonly final: boolean;
  readonly asOf: number;
  readonly opening: bigint;
  readonly added: bigint;
  readonly consumed: bigint;
  readonly expired: bigint;
  readonly closing: bigint;
  readonly carriedForward: bigint;
  readonly byKind: Record<Kind, KindStatement>;
  readonly usageCount: number;
}

export const DEFAULT_PRIORITY = 50;

/** `credits` for every `per` units. */
export interface PriceLine {
  readonly unit: string;
  readonly credits: bigint;
  readonly per: bigint;
}

/**
 * A charge's credits: the sum over its quantities of quantity × credits / per, as an exact
 * fraction, rounded half-up once to the micro-credit. A quantity is `units / 10^scale`.
 */
export function priceOf(
  lines: readonly PriceLine[],
  quantities: Readonly<Record<string, { units: bigint; scale: number }>>,
): bigint {
  let numerator = 0n;
  let denominator = 1n;
  for (const [unit, quantity] of Object.entries(quantities)) {
    const line = lines.find((candidate) => candidate.unit === unit);
    if (!line) throw new Error(`model: no price for ${unit}`);
    const termNumerator = quantity.units * line.credits;
    const termDenominator = 10n ** BigInt(quantity.scale) * line.per;
    numerator = numerator * termDenominator + termNumerator * denominator;
    denominator *= termDenominator;
  }
  return (2n * numerator + denominator) / (2n * denominator);
}

interface Grant {
  readonly seq: number;
  readonly kind: Kind;
  readonly amount: bigint;
  remaining: bigint;
  held: bigint;
  readonly effectiveAt: number;
  readonly expiresAt: number | null;
  readonly priority: number;
  readonly schedule: number | null;
  /** Its expiry instant has passed and what was available then is gone. */
  expired: boolean;
}

interface Schedule {
  readonly seq: number;
  readonly kind: Kind;
  readonly credits: bigint;
  readonly priority: number;
  /** The start of the next lot. */
  nextAt: number;
  /** No lot starts at or after it. */
  readonly endAt: number | null;
}

interface Hold {
  readonly ref: string;
  status: 'pending' | 'captured' | 'voided';
  readonly credits: bigint;
  readonly reservations: readonly Part[];
  readonly expiresAt: number;
}

interface Charge {
  readonly ref: string;
  readonly status: 'succeeded' | 'failed' | 'refused';
  readonly credits: bigint;
  readonly parts: readonly Part[];
  /** What is left to refund of each part. */
  readonly refundable: bigint[];
}

type FlowType = 'grant' | 'usage' | 'expiry' | 'refund';

interface Flow {
  readonly at: number;
  readonly kind: Kind;
  readonly type: FlowType;
  /** Signed change of the pool. */
  readonly amount: bigint;
}

interface LogRow {
  readonly at: number;
  readonly type: string;
  readonly status: string;
  readonly credits: bigint;
}

interface State {
  readonly timeZone: string;
  /** The instant of the latest write (rule 6). */
  clock: number;
  nextGrant: number;
  nextSchedule: number;
  grants: Grant[];
  schedules: Schedule[];
  holds: Map<string, Hold>;
  charges: Map<string, Charge>;
  flows: Flow[];
  /** Instants of succeeded usage (charges and captures). */
  usage: number[];
  log: LogRow[];
}

function copyState(state: State): State {
  return {
    timeZone: state.timeZone,
    clock: state.clock,
    nextGrant: state.nextGrant,
    nextSchedule: state.nextSchedule,
    grants: state.grants.map((grant) => ({ ...grant })),
    schedules: state.schedules.map((schedule) => ({ ...schedule })),
    holds: new Map([...state.holds].map(([ref, hold]) => [ref, { ...hold }])),
    charges: new Map(
      [...state.charges].map(([ref, charge]) => [
        ref,
        { ...charge, refundable: [...charge.refundable] },
      ]),
    ),
    flows: [...state.flows],
    usage: [...state.usage],
    log: [...state.log],
  };
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

function isLive(grant: Grant, at: number): boolean {
  return grant.effectiveAt <= at && (grant.expiresAt === null || at < grant.expiresAt);
}

function free(grant: Grant): bigint {
  return grant.remaining - grant.held;
}

/** Rule 4, read literally. */
function spendsBefore(a: Grant, b: Grant): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const aExpiry = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const bExpiry = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (aExpiry !== bExpiry) return aExpiry < bExpiry ? -1 : 1;
  const aPaid = a.kind === 'purchase' ? 1 : 0;
  const bPaid = b.kind === 'purchase' ? 1 : 0;
  if (aPaid !== bPaid) return aPaid - bPaid;
  if (a.effectiveAt !== b.effectiveAt) return a.effectiveAt - b.effectiveAt;
  // Ids are given in the order grants come to exist.
  return a.seq - b.seq;
}

function availableAt(state: State, at: number): bigint {
  let total = 0n;
  for (const grant of state.grants) if (isLive(grant, at)) total += free(grant);
  return total;
}

/** Which grants pay for `amount` at `at`, or undefined when the pool cannot (rule 3). */
function plan(state: State, amount: bigint, at: number): Part[] | undefined {
  const usable = state.grants.filter((grant) => isLive(grant, at) && free(grant) > 0n);
  usable.sort(spendsBefore);
  const parts: Part[] = [];
  let left = amount;
  for (const grant of usable) {
    if (left === 0n) break;
    const take = min(free(grant), left);
    parts.push({ grant: grant.seq, kind: grant.kind, credits: take });
    left -= take;
  }
  return left === 0n ? parts : undefined;
}

function grantOf(state: State, seq: number): Grant {
  const grant = state.grants.find((candidate) => candidate.seq === seq);
  if (!grant) throw new Error(`model: no grant ${seq}`);
  return grant;
}

function addGrant(
  state: State,
  fields: Omit<Grant, 'seq' | 'remaining' | 'held' | 'expired'>,
  flowType: FlowType,
): Grant {
  const grant: Grant = {
    ...fields,
    seq: state.nextGrant,
    remaining: fields.amount,
    held: 0n,
    expired: false,
  };
  state.nextGrant += 1;
  state.grants.push(grant);
  state.flows.push({
    at: grant.effectiveAt,
    kind: grant.kind,
    type: flowType,
    amount: grant.amount,
  });
  return grant;
}

function makeLot(state: State, schedule: Schedule, start: number): Grant {
  const periodEnd = periodOf(start, state.timeZone).end;
  const expiresAt = schedule.endAt === null ? periodEnd : Math.min(periodEnd, schedule.endAt);
  const lot = addGrant(
    state,
    {
      kind: schedule.kind,
      amount: schedule.credits,
      effectiveAt: start,
      expiresAt,
      priority: schedule.priority,
      schedule: schedule.seq,
    },
    'grant',
  );
  state.log.push({ at: start, type: 'grant', status: 'succeeded', credits: lot.amount });
  schedule.nextAt = periodEnd;
  return lot;
}

/** Releases what a hold still reserves; credits of a grant that has expired meanwhile expire now. */
function release(state: State, parts: readonly Part[], at: number): void {
  for (const part of parts) grantOf(state, part.grant).held -= part.credits;
  expireReleased(state, parts, at);
}

/** Credits just released from a grant that is past its expiry expire at once (rule 8). */
function expireReleased(state: State, parts: readonly Part[], at: number): void {
  for (const part of parts) {
    const grant = grantOf(state, part.grant);
    if (part.credits > 0n && grant.expiresAt !== null && grant.expiresAt <= at) {
      grant.remaining -= part.credits;
      state.flows.push({ at, kind: grant.kind, type: 'expiry', amount: -part.credits });
      state.log.push({ at, type: 'expiry', status: 'succeeded', credits: -part.credits });
    }
  }
}

function lapse(state: State, hold: Hold, at: number): void {
  hold.status = 'voided';
  state.log.push({ at, type: 'void', status: 'failed', credits: 0n });
  release(state, hold.reservations, at);
}

function expire(state: State, grant: Grant): void {
  grant.expired = true;
  const gone = free(grant);
  if (gone === 0n) return;
  grant.remaining -= gone;
  const at = grant.expiresAt as number;
  state.flows.push({ at, kind: grant.kind, type: 'expiry', amount: -gone });
  state.log.push({ at, type: 'expiry', status: 'succeeded', credits: -gone });
}

/**
 * Brings the state forward to `at`: every hold lapse, grant expiry and lot start due at or before
 * it, in time order (at one instant: lapses, then expiries, then new lots).
 */
function bringForward(state: State, at: number): void {
  for (;;) {
    let best: { at: number; rank: number; run: () => void } | undefined;
    const offer = (when: number, rank: number, run: () => void) => {
      if (when > at) return;
      if (!best || when < best.at || (when === best.at && rank < best.rank)) {
        best = { at: when, rank, run };
      }
    };
    for (const hold of state.holds.values()) {
      if (hold.status === 'pending')
        offer(hold.expiresAt, 0, () => lapse(state, hold, hold.expiresAt));
    }
    for (const grant of state.grants) {
      if (grant.expiresAt !== null && !grant.expired)
        offer(grant.expiresAt, 1, () => expire(state, grant));
    }
    for (const schedule of state.schedules) {
      if (schedule.endAt === null || schedule.nextAt < schedule.endAt) {
        offer(schedule.nextAt, 2, () => makeLot(state, schedule, schedule.nextAt));
      }
    }
    const next = best as { run: () => void } | undefined;
    if (!next) break;
    next.run();
  }
  if (at > state.clock) state.clock = at;
}

function refusal<T>(code: string, details: Record<string, unknown> = {}): Outcome<T> {
  return { ok: false, code, details };
}

function viewOf(grant: Grant): GrantView {
  return {
    seq: grant.seq,
    kind: grant.kind,
    amount: grant.amount,
    remaining: grant.remaining,
    held: grant.held,
    effectiveAt: grant.effectiveAt,
    expiresAt: grant.expiresAt,
    priority: grant.priority,
    schedule: grant.schedule,
  };
}

function emptyByKind<T>(make: () => T): Record<Kind, T> {
  return Object.fromEntries(KINDS.map((kind) => [kind, make()])) as Record<Kind, T>;
}

export interface ModelGrantInput {
  kind: Kind;
  credits: bigint;
  effectiveAt?: number;
  expiresAt?: number | null;
  priority?: number;
  recurrence?: 'monthly';
}

export interface ChargeOutcome {
  readonly ref: string;
  /** Positive amount spent. */
  readonly credits: bigint;
  readonly parts: readonly Part[];
  /** Available right after. */
  readonly balanceAfter: bigint;
}

export interface HoldOutcome {
  readonly ref: string;
  readonly credits: bigint;
  readonly reservations: readonly Part[];
  readonly expiresAt: number;
}

export interface RefundOutcome {
  readonly credits: bigint;
  /** Parts returned to their grants, then the new `refund` grant for what could not go back. */
  readonly parts: readonly Part[];
}

/** One org. Writes return what the engine must answer; reads are exact at any instant. */
export class OrgModel {
  private state: State;
  /** A copy after every write that changed anything, oldest first. */
  private readonly history: { at: number; state: State }[] = [];
  private refs = 0;

  constructor(
    readonly timeZone: string,
    readonly createdAt: number,
    allowance: bigint,
  ) {
    this.state = {
      timeZone,
      clock: createdAt,
      nextGrant: 1,
      nextSchedule: 1,
      grants: [],
      schedules: [],
      holds: new Map(),
      charges: new Map(),
      flows: [],
      usage: [],
      log: [],
    };
    const schedule: Schedule = {
      seq: this.state.nextSchedule,
      kind: 'allowance',
      credits: allowance,
      priority: DEFAULT_PRIORITY,
      nextAt: createdAt,
      endAt: null,
    };
    this.state.nextSchedule += 1;
    this.state.schedules.push(schedule);
    bringForward(this.state, createdAt);
    this.remember();
  }

  /** The org's latest write. */
  get clock(): number {
    return this.state.clock;
  }

  /** Whether grant `seq` exists in the written state (not only in a read's look ahead). */
  isWritten(seq: number): boolean {
    return seq < this.state.nextGrant;
  }

  private copy(state: State): State {
    return copyState(state);
  }

  private remember(): void {
    this.history.push({ at: this.state.clock, state: this.copy(this.state) });
  }

  /** The state at instant `at`: the latest write at or before it, brought forward. */
  private stateAt(at: number): State {
    let found: State | undefined;
    for (let index = this.history.length - 1; index >= 0; index -= 1) {
      const entry = this.history[index];
      if (entry && entry.at <= at) {
        found = entry.state;
        break;
      }
    }
    if (!found) {
      const empty = this.copy(this.state);
      empty.grants = [];
      empty.schedules = [];
      empty.holds = new Map();
      empty.charges = new Map();
      empty.flows = [];
      empty.usage = [];
      empty.log = [];
      return empty;
    }
    const state = this.copy(found);
    bringForward(state, at);
    return state;
  }

  /**
   * Runs a write at `at` on a copy; the copy becomes the state when the write is accepted or its
   * refusal is logged. Rule 6: a write before the latest one is refused and changes nothing.
   */
  private write<T>(
    at: number,
    run: (state: State) => { outcome: Outcome<T>; keep: boolean },
  ): Outcome<T> {
    if (at < this.state.clock) return refusal('at_before_latest_entry');
    const state = this.copy(this.state);
    bringForward(state, at);
    const { outcome, keep } = run(state);
    if (outcome.ok || keep) {
      this.state = state;
      this.remember();
    }
    return outcome;
  }

  private nextRef(prefix: string): string {
    this.refs += 1;
    return `${prefix}${this.refs}`;
  }

  grant(
    input: ModelGrantInput,
    at: number,
  ): Outcome<{ grant: GrantView; schedule: number | null }> {
    return this.write<{ grant: GrantView; schedule: number | null }>(at, (state) => {
      const effectiveAt = input.effectiveAt ?? at;
      const priority = input.priority ?? DEFAULT_PRIORITY;
      if (input.recurrence === 'monthly') {
        const schedule: Schedule = {
          seq: state.nextSchedule,
          kind: input.kind,
          credits: input.credits,
          priority,
          nextAt: effectiveAt,
          endAt: input.expiresAt ?? null,
        };
        state.nextSchedule += 1;
        state.schedules.push(schedule);
        const lot = makeLot(state, schedule, effectiveAt);
        return {
          outcome: { ok: true, value: { grant: viewOf(lot), schedule: schedule.seq } },
          keep: true,
        };
      }
      // An allowance is only good for its period unless told otherwise.
      const expiresAt =
        input.expiresAt ??
        (input.kind === 'allowance' ? periodOf(effectiveAt, this.timeZone).end : null);
      const grant = addGrant(
        state,
        {
          kind: input.kind,
          amount: input.credits,
          effectiveAt,
          expiresAt,
          priority,
          schedule: null,
        },
        'grant',
      );
      state.log.push({
        at: effectiveAt,
        type: 'grant',
        status: 'succeeded',
        credits: grant.amount,
      });
      return { outcome: { ok: true, value: { grant: viewOf(grant), schedule: null } }, keep: true };
    });
  }

  /** A charge of `cost` credits; `failed` logs an attempt that spends nothing. */
  charge(cost: bigint, failed: boolean, at: number): Outcome<ChargeOutcome> {
    return this.write(at, (state) => {
      const ref = this.nextRef('c');
      if (failed) {
        state.charges.set(ref, { ref, status: 'failed', credits: 0n, parts: [], refundable: [] });
        state.log.push({ at, type: 'usage', status: 'failed', credits: 0n });
        return {
          outcome: {
            ok: true,
            value: { ref, credits: 0n, parts: [], balanceAfter: availableAt(state, at) },
          },
          keep: true,
        };
      }
      const parts = plan(state, cost, at);
      if (!parts) {
        state.charges.set(ref, { ref, status: 'refused', credits: 0n, parts: [], refundable: [] });
        state.log.push({ at, type: 'usage', status: 'refused', credits: 0n });
        return {
          outcome: refusal('insufficient_credits', {
            available: availableAt(state, at),
            required: cost,
            ref,
          }),
          keep: true,
        };
      }
      for (const part of parts) {
        const grant = grantOf(state, part.grant);
        grant.remaining -= part.credits;
        state.flows.push({ at, kind: grant.kind, type: 'usage', amount: -part.credits });
      }
      state.usage.push(at);
      state.log.push({ at, type: 'usage', status: 'succeeded', credits: -cost });
      state.charges.set(ref, {
        ref,
        status: 'succeeded',
        credits: cost,
        parts,
        refundable: parts.map((part) => part.credits),
      });
      return {
        outcome: {
          ok: true,
          value: { ref, credits: cost, parts, balanceAfter: availableAt(state, at) },
        },
        keep: true,
      };
    });
  }

  hold(cost: bigint, ttlSeconds: number, at: number): Outcome<HoldOutcome> {
    return this.write(at, (state) => {
      const parts = plan(state, cost, at);
      if (!parts) {
        state.log.push({ at, type: 'hold', status: 'refused', credits: 0n });
        return {
          outcome: refusal('insufficient_credits', {
            available: availableAt(state, at),
            required: cost,
          }),
          keep: true,
        };
      }
      for (const part of parts) grantOf(state, part.grant).held += part.credits;
      const ref = this.nextRef('h');
      const expiresAt = at + ttlSeconds * 1000;
      state.holds.set(ref, {
        ref,
        status: 'pending',
        credits: cost,
        reservations: parts,
        expiresAt,
      });
      state.log.push({ at, type: 'hold', status: 'pending', credits: 0n });
      return {
        outcome: { ok: true, value: { ref, credits: cost, reservations: parts, expiresAt } },
        keep: true,
      };
    });
  }

  /** Credits a hold reserved when it was made. */
  holdCredits(ref: string): bigint | undefined {
    return this.state.holds.get(ref)?.credits;
  }

  /**
   * The holds pending at `at` (at or after the latest write), and those of them that keep credits
   * of a grant expired by then.
   */
  pendingHolds(at: number): { pending: Set<string>; onExpired: Set<string> } {
    const state = this.stateAt(Math.max(at, this.state.clock));
    const pending = new Set<string>();
    const onExpired = new Set<string>();
    for (const hold of state.holds.values()) {
      if (hold.status !== 'pending') continue;
      pending.add(hold.ref);
      const expired = hold.reservations.some((part) => {
        const { expiresAt } = grantOf(state, part.grant);
        return part.credits > 0n && expiresAt !== null && expiresAt <= at;
      });
      if (expired) onExpired.add(hold.ref);
    }
    return { pending, onExpired };
  }

  /** Spends the final amount of a hold: its reservations first, then the spend order (rule 8). */
  capture(holdRef: string, amount: bigint | undefined, at: number): Outcome<ChargeOutcome> {
    return this.write(at, (state) => {
      const hold = state.holds.get(holdRef);
      if (!hold) return { outcome: refusal('unknown_hold'), keep: false };
      if (hold.status !== 'pending') return { outcome: refusal('hold_not_pending'), keep: false };
      const final = amount ?? hold.credits;
      // The reserved credits are spent first, in their order (even from a grant that expired
      // meanwhile); what the hold kept beyond the final amount goes back.
      const parts: Part[] = [];
      const leftOver: Part[] = [];
      let left = final;
      for (const reservation of hold.reservations) {
        const take = min(reservation.credits, left);
        left -= take;
        const grant = grantOf(state, reservation.grant);
        grant.held -= reservation.credits;
        grant.remaining -= take;
        if (take > 0n) {
          parts.push({ ...reservation, credits: take });
          state.flows.push({ at, kind: grant.kind, type: 'usage', amount: -take });
        }
        leftOver.push({ ...reservation, credits: reservation.credits - take });
      }
      // More than held: the difference is drawn in spend order, only if available.
      if (left > 0n) {
        const extra = plan(state, left, at);
        if (!extra) {
          return {
            outcome: refusal('insufficient_credits', {
              available: availableAt(state, at),
              required: left,
            }),
            keep: false,
          };
        }
        for (const part of extra) {
          const grant = grantOf(state, part.grant);
          grant.remaining -= part.credits;
          state.flows.push({ at, kind: grant.kind, type: 'usage', amount: -part.credits });
          parts.push(part);
        }
      }
      hold.status = 'captured';
      state.usage.push(at);
      state.log.push({ at, type: 'usage', status: 'succeeded', credits: -final });
      expireReleased(state, leftOver, at);
      // The charge records one draw per grant, in the order grants were first drawn.
      const merged: Part[] = [];
      for (const part of parts) {
        const index = merged.findIndex((seen) => seen.grant === part.grant);
        const seen = merged[index];
        if (seen) merged[index] = { ...seen, credits: seen.credits + part.credits };
        else merged.push(part);
      }
      const ref = this.nextRef('c');
      state.charges.set(ref, {
        ref,
        status: 'succeeded',
        credits: final,
        parts: merged,
        refundable: merged.map((part) => part.credits),
      });
      return {
        outcome: {
          ok: true,
          value: { ref, credits: final, parts: merged, balanceAfter: availableAt(state, at) },
        },
        keep: true,
      };
    });
  }

  void(holdRef: string, at: number): Outcome<{ status: 'voided' }> {
    return this.write(at, (state) => {
      const hold = state.holds.get(holdRef);
      if (!hold) return { outcome: refusal('unknown_hold'), keep: false };
      if (hold.status !== 'pending') return { outcome: refusal('hold_not_pending'), keep: false };
      lapse(state, hold, at);
      return { outcome: { ok: true, value: { status: 'voided' } }, keep: true };
    });
  }

  /** What is left to refund of a charge, or undefined when it is not a succeeded charge. */
  refundable(ref: string): bigint | undefined {
    const charge = this.state.charges.get(ref);
    if (!charge || charge.status !== 'succeeded') return undefined;
    return charge.refundable.reduce((sum, left) => sum + left, 0n);
  }

  /**
   * Returns credits of a charge to the grants they came from, the last drawn first; what cannot
   * go back because its grant is no longer live becomes a new `refund` grant that never expires.
   */
  refund(chargeRef: string, credits: bigint | undefined, at: number): Outcome<RefundOutcome> {
    return this.write(at, (state) => {
      const charge = state.charges.get(chargeRef);
      if (!charge || charge.status !== 'succeeded')
        return { outcome: refusal('unknown_charge'), keep: false };
      const refundable = charge.refundable.reduce((sum, left) => sum + left, 0n);
      const amount = credits ?? refundable;
      if (amount === 0n || amount > refundable) {
        return { outcome: refusal('refund_exceeds_charge', { refundable }), keep: false };
      }
      const parts: Part[] = [];
      let unreturnable = 0n;
      let left = amount;
      for (let index = charge.parts.length - 1; index >= 0 && left > 0n; index -= 1) {
        const part = charge.parts[index] as Part;
        const take = min(left, charge.refundable[index] as bigint);
        if (take === 0n) continue;
        charge.refundable[index] = (charge.refundable[index] as bigint) - take;
        left -= take;
        const grant = grantOf(state, part.grant);
        if (isLive(grant, at)) {
          grant.remaining += take;
          state.flows.push({ at, kind: grant.kind, type: 'refund', amount: take });
          parts.push({ ...part, credits: take });
        } else {
          unreturnable += take;
        }
      }
      if (unreturnable > 0n) {
        const added = addGrant(
          state,
          {
            kind: 'refund',
            amount: unreturnable,
            effectiveAt: at,
            expiresAt: null,
            priority: DEFAULT_PRIORITY,
            schedule: null,
          },
          'refund',
        );
        parts.push({ grant: added.seq, kind: 'refund', credits: unreturnable });
      }
      state.log.push({ at, type: 'refund', status: 'succeeded', credits: amount });
      return { outcome: { ok: true, value: { credits: amount, parts } }, keep: true };
    });
  }

  /** A write that only brings the org to `at`. */
  advance(at: number): Outcome<{ clock: number }> {
    return this.write(at, () => ({ outcome: { ok: true, value: { clock: at } }, keep: true }));
  }

  // Reads.

  balanceAt(at: number): BalanceView {
    const state = this.stateAt(at);
    const byKind = emptyByKind(() => 0n);
    let available = 0n;
    let held = 0n;
    const expiries = new Map<number, bigint>();
    for (const grant of state.grants) {
      if (grant.effectiveAt > at) continue;
      held += grant.held;
      if (!isLive(grant, at)) continue;
      available += free(grant);
      byKind[grant.kind] += free(grant);
      if (grant.expiresAt !== null && free(grant) > 0n) {
        expiries.set(grant.expiresAt, (expiries.get(grant.expiresAt) ?? 0n) + free(grant));
      }
    }
    let nextExpiry: BalanceView['nextExpiry'] = null;
    for (const [when, credits] of expiries) {
      if (!nextExpiry || when < nextExpiry.at) nextExpiry = { at: when, credits };
    }
    return { available, held, byKind, nextExpiry };
  }

  /** Every grant effective at `at`, with what is left of it then (expired ones keep only held credits). */
  grantsAt(at: number): GrantView[] {
    return this.stateAt(at)
      .grants.filter((grant) => grant.effectiveAt <= at)
      .map(viewOf);
  }

  /** All grants the written state knows, effective or not. */
  allGrants(): GrantView[] {
    return this.state.grants.map(viewOf);
  }

  /** Instants of every pending or past hold expiry. */
  holdExpiries(): number[] {
    return [...this.state.holds.values()].map((hold) => hold.expiresAt);
  }

  /**
   * The activity log as it must be written: one line per row, `type/status@instant credits`,
   * sorted; expiries are summed per instant (one row per grant or per instant are both fine).
   */
  logLines(): string[] {
    const lines: string[] = [];
    const expiries = new Map<number, bigint>();
    for (const row of this.state.log) {
      if (row.type === 'expiry') expiries.set(row.at, (expiries.get(row.at) ?? 0n) + row.credits);
      else lines.push(`${row.type}/${row.status}@${row.at} ${row.credits}`);
    }
    for (const [at, credits] of expiries) if (credits !== 0n) lines.push(`expiry@${at} ${credits}`);
    return lines.sort();
  }

  /** The pool (available and held) at `at`, from the grants. */
  poolAt(at: number): bigint {
    const balance = this.balanceAt(at);
    return balance.available + balance.held;
  }

  /**
   * The statement of the period starting at `start`, as seen at `now`. A running period counts
   * what happened up to `now` included; a final one its whole `[start, end)`, plus the expiries
   * dated at its end. It checks itself: per kind, the flows must add up to the grants' remainders.
   */
  statement(start: number, now: number): StatementView {
    const period = periodOf(start, this.timeZone);
    const final = period.end <= now;
    const horizon = final ? period.end : now;
    const state = this.stateAt(horizon);
    const byKind = emptyByKind<KindStatement>(() => ({
      opening: 0n,
      added: 0n,
      consumed: 0n,
      expired: 0n,
      closing: 0n,
    }));
    const isBefore = (flow: Flow) =>
      flow.type === 'expiry' ? flow.at <= period.start : flow.at < period.start;
    const isWithin = (flow: Flow) => {
      if (isBefore(flow)) return false;
      if (flow.type === 'expiry') return flow.at <= horizon;
      return final ? flow.at < period.end : flow.at <= now;
    };
    for (const flow of state.flows) {
      const row = byKind[flow.kind];
      if (isBefore(flow)) row.opening += flow.amount;
      else if (isWithin(flow)) {
        if (flow.type === 'usage') row.consumed -= flow.amount;
        else if (flow.type === 'expiry') row.expired -= flow.amount;
        else row.added += flow.amount;
      }
    }
    for (const row of Object.values(byKind)) {
      row.closing = row.opening + row.added - row.consumed - row.expired;
    }

    // Self-check: closing is what the grants hold just before the end, less the expiries at it.
    const before = final ? this.stateAt(period.end - 1) : state;
    const poolBefore = emptyByKind(() => 0n);
    for (const grant of before.grants) {
      if (grant.effectiveAt <= (final ? period.end - 1 : now))
        poolBefore[grant.kind] += grant.remaining;
    }
    if (final) {
      for (const flow of state.flows) {
        if (flow.type === 'expiry' && flow.at === period.end) poolBefore[flow.kind] += flow.amount;
      }
    }
    for (const kind of KINDS) {
      if (poolBefore[kind] !== byKind[kind].closing) {
        throw new Error(
          `model is inconsistent: ${period.month} ${kind} closes at ${byKind[kind].closing} by flows, ${poolBefore[kind]} by grants`,
        );
      }
    }
    // Carried forward: what closing holds on grants that outlive the period.
    let carriedForward = 0n;
    for (const grant of before.grants) {
      if (grant.effectiveAt >= period.end || grant.effectiveAt > horizon) continue;
      if (grant.expiresAt === null || grant.expiresAt > period.end)
        carriedForward += grant.remaining;
    }
    const sum = (field: keyof KindStatement) =>
      Object.values(byKind).reduce((total, row) => total + row[field], 0n);
    const usageCount = state.usage.filter(
      (at) => at >= period.start && (final ? at < period.end : at <= now),
    ).length;
    return {
      month: period.month,
      start: period.start,
      end: period.end,
      final,
      asOf: horizon,
      opening: sum('opening'),
      added: sum('added'),
      consumed: sum('consumed'),
      expired: sum('expired'),
      closing: sum('closing'),
      carriedForward,
      byKind,
      usageCount,
    };
  }

  /** Starts of every period from the org's first to the one containing `now`. */
  periodStarts(now: number): number[] {
    const starts: number[] = [];
    let period = periodOf(this.createdAt, this.timeZone);
    while (period.start <= now) {
      starts.push(period.start);
      period = periodOf(period.end, this.timeZone);
    }
    return starts;
  }
}
