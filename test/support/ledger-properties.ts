/**
 * The property-based suite of DESIGN.md section 2: long random sequences of commands (orgs,
 * grants of every kind, charges, holds, captures, voids, refunds, time moving forward, writes
 * dated in the past, idempotent replays, reads at past instants) applied to the real engine
 * (on SQLite in test/ledger-properties.test.ts, on PostgreSQL in
 * test/ledger-properties-postgres.test.ts) and to the plain in-memory model of
 * test/support/ledger-model.ts. After every step the engine must agree with the model and with
 * itself on rules 2 to 8 and 10 (rule 9 is the crash test's, rule 11 the API's).
 *
 * Seeds are random; a failure prints its seed and path, and the commands that led to it. To
 * replay one, run the backend's test file with TALLY_PROPERTY_SEED=<seed> TALLY_PROPERTY_PATH=<path> and
 * `-t '<the failing profile>'`.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { credits } from '../../src/core/amount.js';
import type { Draw, Grant } from '../../src/core/grant.js';
import { periodOf } from '../../src/core/period.js';
import type { Result } from '../../src/core/refusal.js';
import type { Balance } from '../../src/ledger/balance.js';
import type { GrantInput } from '../../src/ledger/inputs.js';
import type { Ledger, Statement, WriteResult } from '../../src/ledger/ledger.js';
import type { LedgerUnderTest } from './harness.js';
import {
  KINDS,
  OrgModel,
  priceOf,
  type GrantView,
  type Kind,
  type Outcome,
  type Part,
  type PriceLine,
  type StatementView,
} from './ledger-model.js';

/**
 * Size of the suite: every profile runs RUNS_PER_PROFILE sequences of COMMANDS_PER_RUN commands,
 * so one `npm test` applies 3 × 34 × 100 = 10,200 random commands (about 30 s on 2 cores).
 */
const COMMANDS_PER_RUN = 100;
const RUNS_PER_PROFILE = 34;
/** TALLY_PROPERTY_RUNS overrides the runs per profile, for a quick look or a long soak. */
const RUNS = Number(process.env.TALLY_PROPERTY_RUNS ?? RUNS_PER_PROFILE);
/** The heavier checks (the whole log, every period's statement) run every this many steps. */
const FULL_CHECK_EVERY = 10;

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];

interface FeatureDef {
  readonly id: string;
  readonly lines: readonly PriceLine[];
}

/** Fixed prices: whole, fractional, free, per-token with sub-micro results, per a third of a unit. */
const FEATURES: readonly FeatureDef[] = [
  { id: 'text-to-image', lines: [{ unit: 'action', credits: credits(8), per: 1n }] },
  { id: 'erase', lines: [{ unit: 'action', credits: 7_500_000n, per: 1n }] },
  { id: 'upscale', lines: [{ unit: 'action', credits: 0n, per: 1n }] },
  {
    id: 'chat',
    lines: [
      { unit: 'input_tokens', credits: 1_000_001n, per: 1000n },
      { unit: 'output_tokens', credits: 3_333_333n, per: 1000n },
    ],
  },
  { id: 'transcribe', lines: [{ unit: 'minute', credits: credits(1), per: 3n }] },
];

// ---------------------------------------------------------------------------------------------
// Commands: plain data, generated up front and shrunk by fast-check.

type AtSpec =
  | { readonly kind: 'now' }
  /** Before the org's latest write: must be refused (rule 6). */
  | { readonly kind: 'past'; readonly ms: number }
  /** Somewhere between the org's latest write and now. */
  | { readonly kind: 'between'; readonly frac: number };

interface QtySpec {
  readonly count: number;
  readonly input: number;
  readonly output: number;
  readonly tenths: number;
  readonly explicit: boolean;
}

type Command =
  | { readonly type: 'createOrg'; readonly zone: string; readonly allowance: bigint }
  | {
      readonly type: 'grant';
      readonly org: number;
      readonly kind: Kind;
      readonly credits: bigint;
      readonly effective:
        | { readonly kind: 'at' }
        | { readonly kind: 'later'; readonly ms: number }
        | { readonly kind: 'nextPeriod' };
      readonly expires:
        | { readonly kind: 'none' }
        | { readonly kind: 'after'; readonly ms: number }
        | { readonly kind: 'periodEnd' };
      readonly priority: number | undefined;
      readonly monthly: boolean;
      readonly at: AtSpec;
      readonly keyed: boolean;
    }
  | {
      readonly type: 'charge';
      readonly org: number;
      readonly feature: number;
      readonly qty: QtySpec;
      readonly failed: boolean;
      readonly at: AtSpec;
      readonly keyed: boolean;
    }
  | {
      readonly type: 'hold';
      readonly org: number;
      readonly feature: number;
      readonly qty: QtySpec;
      readonly byCredits: bigint | null;
      readonly ttl: number;
      readonly at: AtSpec;
      readonly keyed: boolean;
    }
  | {
      readonly type: 'capture';
      readonly org: number;
      readonly hold: number;
      readonly amount:
        | { readonly kind: 'held' }
        | { readonly kind: 'same' }
        | { readonly kind: 'zero' }
        | { readonly kind: 'less'; readonly permille: number }
        | { readonly kind: 'more'; readonly extra: bigint }
        | { readonly kind: 'quantities' };
      readonly qty: QtySpec;
      readonly at: AtSpec;
      readonly keyed: boolean;
    }
  | {
      readonly type: 'void';
      readonly org: number;
      readonly hold: number;
      readonly at: AtSpec;
      readonly keyed: boolean;
    }
  | {
      readonly type: 'refund';
      readonly org: number;
      readonly charge: number;
      readonly amount:
        | { readonly kind: 'all' }
        | { readonly kind: 'part'; readonly permille: number }
        | { readonly kind: 'over' };
      readonly at: AtSpec;
      readonly keyed: boolean;
    }
  | { readonly type: 'advance'; readonly org: number; readonly at: AtSpec; readonly keyed: boolean }
  | {
      readonly type: 'time';
      readonly org: number;
      readonly step:
        | { readonly kind: 'ms'; readonly ms: number }
        | {
            readonly kind: 'next';
            readonly what: 'expiry' | 'hold' | 'period';
            readonly offset: -1 | 0 | 1;
          };
    }
  | { readonly type: 'replay'; readonly org: number; readonly pick: number; readonly same: boolean }
  | { readonly type: 'read'; readonly org: number; readonly frac: number };

type CommandType = Command['type'];

interface Profile {
  readonly name: string;
  readonly weights: Readonly<Record<CommandType, number>>;
  /** Time steps: 'short' seconds to hours, 'long' hours to 45 days, 'any' both. */
  readonly steps: 'short' | 'long' | 'any';
  /** Weights of the jumps to exactly the next grant expiry, hold expiry or period end. */
  readonly jumps: { readonly expiry: number; readonly hold: number; readonly period: number };
  /** Weight of holds living an hour to a week (others live seconds to hours). */
  readonly longHolds: number;
}

const PROFILES: readonly Profile[] = [
  {
    name: 'everything mixed, steps from seconds to 45 days',
    weights: {
      createOrg: 1,
      grant: 12,
      charge: 20,
      hold: 10,
      capture: 6,
      void: 3,
      refund: 8,
      advance: 2,
      time: 16,
      replay: 7,
      read: 5,
    },
    steps: 'any',
    jumps: { expiry: 1, hold: 1, period: 1 },
    longHolds: 3,
  },
  {
    name: 'holds, captures and voids around exact expiries',
    weights: {
      createOrg: 1,
      grant: 10,
      charge: 10,
      hold: 20,
      capture: 12,
      void: 6,
      refund: 5,
      advance: 2,
      time: 20,
      replay: 5,
      read: 5,
    },
    steps: 'short',
    jumps: { expiry: 4, hold: 1, period: 1 },
    longHolds: 8,
  },
  {
    name: 'monthly grants, expiries and refunds across many periods',
    weights: {
      createOrg: 1,
      grant: 18,
      charge: 16,
      hold: 6,
      capture: 5,
      void: 3,
      refund: 12,
      advance: 3,
      time: 20,
      replay: 5,
      read: 6,
    },
    steps: 'long',
    jumps: { expiry: 1, hold: 1, period: 2 },
    longHolds: 3,
  },
];

const atSpec: fc.Arbitrary<AtSpec> = fc.oneof(
  { weight: 14, arbitrary: fc.constant({ kind: 'now' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.constant(1), fc.integer({ min: 1, max: 40 * DAY }))
      .map((ms) => ({ kind: 'past' as const, ms })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true }))
      .map((frac) => ({ kind: 'between' as const, frac })),
  },
);

const keyed = fc.integer({ min: 0, max: 9 }).map((n) => n < 3);
const orgIndex = fc.nat(5);

const qtySpec: fc.Arbitrary<QtySpec> = fc.record({
  count: fc.integer({ min: 1, max: 3 }),
  input: fc.oneof(fc.constant(500), fc.integer({ min: 0, max: 40_000 })),
  output: fc.integer({ min: 0, max: 20_000 }),
  tenths: fc.integer({ min: 1, max: 600 }),
  explicit: fc.boolean(),
});

const grantCredits = fc.oneof(
  fc.integer({ min: 1, max: 400 }).map((n) => credits(n)),
  fc.bigInt({ min: 1n, max: credits(2000) }),
);

function timeStep(profile: Profile): fc.Arbitrary<Extract<Command, { type: 'time' }>['step']> {
  const ms = {
    short: fc.oneof(
      fc.integer({ min: 1, max: 60 }).map((s) => s * SECOND),
      fc.integer({ min: 1, max: 3 * HOUR }),
      fc.integer({ min: 1, max: 36 }).map((h) => h * HOUR),
    ),
    long: fc.oneof(
      fc.integer({ min: 1, max: 48 }).map((h) => h * HOUR),
      fc.integer({ min: 1, max: 45 }).map((d) => d * DAY),
      fc.integer({ min: 1, max: 45 * DAY }),
    ),
    any: fc.oneof(
      fc.integer({ min: 1, max: 3600 }).map((s) => s * SECOND),
      fc.integer({ min: 1, max: 48 }).map((h) => h * HOUR),
      fc.integer({ min: 1, max: 45 }).map((d) => d * DAY),
    ),
  }[profile.steps];
  return fc.oneof(
    { weight: 3, arbitrary: ms.map((value) => ({ kind: 'ms' as const, ms: value })) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('next' as const),
        what: fc.oneof(
          { weight: profile.jumps.expiry, arbitrary: fc.constant('expiry' as const) },
          { weight: profile.jumps.hold, arbitrary: fc.constant('hold' as const) },
          { weight: profile.jumps.period, arbitrary: fc.constant('period' as const) },
        ),
        offset: fc.constantFrom(-1 as const, 0 as const, 1 as const),
      }),
    },
  );
}

function commandArb(profile: Profile): fc.Arbitrary<Command> {
  const arbitraries: Record<CommandType, fc.Arbitrary<Command>> = {
    createOrg: fc.record({
      type: fc.constant('createOrg' as const),
      zone: fc.constantFrom(...ZONES),
      allowance: fc.integer({ min: 1, max: 300 }).map((n) => credits(n)),
    }),
    grant: fc.record({
      type: fc.constant('grant' as const),
      org: orgIndex,
      kind: fc.constantFrom(...KINDS),
      credits: grantCredits,
      effective: fc.oneof(
        { weight: 5, arbitrary: fc.constant({ kind: 'at' as const }) },
        {
          weight: 2,
          arbitrary: fc
            .integer({ min: 1, max: 40 * DAY })
            .map((ms) => ({ kind: 'later' as const, ms })),
        },
        { weight: 1, arbitrary: fc.constant({ kind: 'nextPeriod' as const }) },
      ),
      expires: fc.oneof(
        { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
        {
          weight: 3,
          arbitrary: fc
            .oneof(fc.integer({ min: 1, max: 2 * DAY }), fc.integer({ min: 1, max: 60 * DAY }))
            .map((ms) => ({ kind: 'after' as const, ms })),
        },
        { weight: 1, arbitrary: fc.constant({ kind: 'periodEnd' as const }) },
      ),
      priority: fc.constantFrom(undefined, 0, 10, 50, 50, 100),
      monthly: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      at: atSpec,
      keyed,
    }),
    charge: fc.record({
      type: fc.constant('charge' as const),
      org: orgIndex,
      feature: fc.nat(FEATURES.length - 1),
      qty: qtySpec,
      failed: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
      at: atSpec,
      keyed,
    }),
    hold: fc.record({
      type: fc.constant('hold' as const),
      org: orgIndex,
      feature: fc.nat(FEATURES.length - 1),
      qty: qtySpec,
      byCredits: fc.option<bigint>(
        fc.oneof(
          fc.integer({ min: 1, max: 100 }).map((n) => credits(n)),
          fc.bigInt({ min: 1n, max: credits(150) }),
        ),
      ),
      ttl: fc.oneof(
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 120 }) },
        { weight: 1, arbitrary: fc.integer({ min: 60, max: 3 * 3600 }) },
        { weight: profile.longHolds, arbitrary: fc.integer({ min: 3600, max: 7 * 24 * 3600 }) },
      ),
      at: atSpec,
      keyed,
    }),
    capture: fc.record({
      type: fc.constant('capture' as const),
      org: orgIndex,
      hold: fc.nat(),
      amount: fc.oneof(
        fc.constant({ kind: 'held' as const }),
        fc.constant({ kind: 'same' as const }),
        fc.constant({ kind: 'zero' as const }),
        fc.integer({ min: 0, max: 1000 }).map((permille) => ({ kind: 'less' as const, permille })),
        fc
          .oneof(
            fc.constant(1n),
            fc.bigInt({ min: 1n, max: credits(60) }),
            fc.bigInt({ min: credits(100), max: credits(3000) }),
          )
          .map((extra) => ({ kind: 'more' as const, extra })),
        fc.constant({ kind: 'quantities' as const }),
      ),
      qty: qtySpec,
      at: atSpec,
      keyed,
    }),
    void: fc.record({
      type: fc.constant('void' as const),
      org: orgIndex,
      hold: fc.nat(),
      at: atSpec,
      keyed,
    }),
    refund: fc.record({
      type: fc.constant('refund' as const),
      org: orgIndex,
      charge: fc.nat(),
      amount: fc.oneof(
        { weight: 2, arbitrary: fc.constant({ kind: 'all' as const }) },
        {
          weight: 3,
          arbitrary: fc
            .integer({ min: 0, max: 1000 })
            .map((permille) => ({ kind: 'part' as const, permille })),
        },
        { weight: 1, arbitrary: fc.constant({ kind: 'over' as const }) },
      ),
      at: atSpec,
      keyed,
    }),
    advance: fc.record({
      type: fc.constant('advance' as const),
      org: orgIndex,
      at: atSpec,
      keyed,
    }),
    time: fc.record({
      type: fc.constant('time' as const),
      org: orgIndex,
      step: timeStep(profile),
    }),
    replay: fc.record({
      type: fc.constant('replay' as const),
      org: orgIndex,
      pick: fc.nat(),
      same: fc.integer({ min: 0, max: 2 }).map((n) => n > 0),
    }),
    read: fc.record({
      type: fc.constant('read' as const),
      org: orgIndex,
      frac: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  };
  return fc.oneof(
    ...(Object.keys(arbitraries) as CommandType[]).map((type) => ({
      weight: profile.weights[type],
      arbitrary: arbitraries[type],
    })),
  );
}

const scenarioArb = (profile: Profile) =>
  fc.record({
    start: fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 31) }),
    zone: fc.constantFrom(...ZONES),
    allowance: fc.oneof(
      fc.integer({ min: 1, max: 300 }).map((n) => credits(n)),
      fc.bigInt({ min: 1n, max: credits(2000) }),
    ),
    // Every slot holds a command (null has a one in a billion chance): the length stays fixed,
    // yet shrinking can empty slots, which leaves a short counterexample.
    commands: fc.array(fc.option(commandArb(profile), { freq: 1e9, nil: null }), {
      minLength: COMMANDS_PER_RUN,
      maxLength: COMMANDS_PER_RUN,
    }),
  });

type Scenario = ReturnType<typeof scenarioArb> extends fc.Arbitrary<infer S> ? S : never;

// ---------------------------------------------------------------------------------------------
// Running commands on the engine and the model.

interface KeyedWrite {
  readonly key: string;
  readonly label: string;
  readonly first: WriteResult<unknown>;
  readonly again: () => Promise<WriteResult<unknown>>;
  readonly different: () => Promise<WriteResult<unknown>>;
}

interface OrgCtx {
  readonly id: string;
  readonly model: OrgModel;
  readonly holds: { ref: string; id: string; feature: FeatureDef }[];
  readonly charges: { ref: string; id: string }[];
  readonly keyed: KeyedWrite[];
  keys: number;
  /** The engine's id of each grant the model knows (by the model's number), both ways. */
  readonly grantIds: Map<number, string>;
  readonly grantSeqs: Map<string, number>;
  /** The engine's id of each monthly grant (by the model's number). */
  readonly scheduleIds: Map<number, string>;
}

interface World {
  readonly t: LedgerUnderTest;
  readonly ledger: Ledger;
  readonly orgs: OrgCtx[];
  step: number;
  trace: string[];
}

class Mismatch extends Error {}

/** Commands and profiles run, by backend. */
const commandsRun = new Map<string, number>();
const profilesRun = new Map<string, number>();
const count = (counts: Map<string, number>, backend: string) =>
  counts.set(backend, (counts.get(backend) ?? 0) + 1);
/** How often each kind of outcome happened, printed at the end to show what the runs reached. */
const outcomes = new Map<string, number>();
function tally(what: string): void {
  outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
}

function fail(world: World, message: string): never {
  throw new Mismatch(
    `${message}\n  at step ${world.step}; commands so far (clock before each):\n    ${world.trace.slice(-40).join('\n    ')}`,
  );
}

const show = (value: unknown): string =>
  JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${item}n` : item));

function same(world: World, label: string, actual: unknown, expected: unknown): void {
  // The strict comparison is fast and almost always enough; toEqual forgives undefined fields.
  if (isDeepStrictEqual(actual, expected)) return;
  try {
    expect(actual).toEqual(expected);
  } catch {
    fail(world, `${label}: engine ${show(actual)}\n  model ${show(expected)}`);
  }
}

function now(world: World): number {
  return world.t.clock.now();
}

/** Compares the engine's answer to the model's: same acceptance, same refusal code. */
function outcome<T, V>(
  world: World,
  label: string,
  expected: Outcome<T>,
  actual: Result<V>,
  onOk: (value: V, model: T) => void,
  onRefusal?: (details: Record<string, unknown>, model: Record<string, unknown>) => void,
): void {
  tally(`${label.split(' ')[0]} ${expected.ok ? 'ok' : expected.code}`);
  if (expected.ok) {
    if (!actual.ok) {
      fail(
        world,
        `${label}: the model accepts, the engine refuses ${actual.refusal.code} (${actual.refusal.message})`,
      );
    }
    onOk(actual.value, expected.value);
    return;
  }
  if (actual.ok)
    fail(
      world,
      `${label}: the model refuses ${expected.code}, the engine accepts ${show(actual.value)}`,
    );
  same(world, `${label} refusal`, actual.refusal.code, expected.code);
  onRefusal?.(actual.refusal.details as Record<string, unknown>, expected.details);
}

function bindGrant(world: World, org: OrgCtx, seq: number, id: string): void {
  const known = org.grantIds.get(seq);
  if (known === id) return;
  if (known !== undefined)
    fail(world, `grant ${seq} of the model is ${known} in the engine, not ${id}`);
  const other = org.grantSeqs.get(id);
  if (other !== undefined) fail(world, `engine grant ${id} is the model's ${other}, not ${seq}`);
  org.grantIds.set(seq, id);
  org.grantSeqs.set(id, seq);
}

/** Draws must name the same grants, kinds and credits, in the same order (rule 4). */
function sameParts(
  world: World,
  org: OrgCtx,
  label: string,
  draws: readonly Draw[],
  parts: readonly Part[],
): void {
  const shown = () =>
    `${label}: engine draws ${show(draws)}\n  model ${show(parts)} (ids ${show([...org.grantIds])})`;
  if (draws.length !== parts.length) fail(world, shown());
  parts.forEach((part, index) => {
    const draw = draws[index] as Draw;
    if (draw.kind !== part.kind || draw.credits !== part.credits) fail(world, shown());
    const known = org.grantIds.get(part.grant);
    if (known !== undefined && known !== draw.grantId) fail(world, shown());
    if (known === undefined) {
      if (!org.model.isWritten(part.grant)) fail(world, shown());
      bindGrant(world, org, part.grant, draw.grantId);
    }
  });
}

/**
 * One pick in four among every hold; the others among the holds pending now (when any), half of
 * those among holds keeping credits of a grant that has expired since (rule 8), when any.
 */
function pickHold(world: World, org: OrgCtx, pick: number): OrgCtx['holds'][number] | undefined {
  const { pending, onExpired } = org.model.pendingHolds(now(world));
  const pendingHolds = org.holds.filter((hold) => pending.has(hold.ref));
  const onExpiredHolds = org.holds.filter((hold) => onExpired.has(hold.ref));
  const among =
    pick % 4 === 0
      ? org.holds
      : pick % 4 === 1 && onExpiredHolds.length > 0
        ? onExpiredHolds
        : pendingHolds.length > 0
          ? pendingHolds
          : org.holds;
  return among[Math.floor(pick / 4) % Math.max(1, among.length)];
}

/** Three picks in four among the charges left to refund (when any), the others among all. */
function pickCharge(org: OrgCtx, pick: number): OrgCtx['charges'][number] | undefined {
  const open = org.charges.filter((charge) => (org.model.refundable(charge.ref) ?? 0n) > 0n);
  const among = pick % 4 !== 0 && open.length > 0 ? open : org.charges;
  return among[Math.floor(pick / 4) % Math.max(1, among.length)];
}

function resolveAt(world: World, org: OrgCtx, spec: AtSpec): number | undefined {
  const clock = org.model.clock;
  switch (spec.kind) {
    case 'now':
      return undefined;
    case 'past':
      return clock - spec.ms;
    case 'between':
      return clock + Math.floor(spec.frac * (now(world) - clock));
  }
}

function quantitiesOf(
  feature: FeatureDef,
  qty: QtySpec,
): {
  engine: Record<string, number> | undefined;
  model: Record<string, { units: bigint; scale: number }>;
} {
  if (feature.id === 'chat') {
    return {
      engine: { input_tokens: qty.input, output_tokens: qty.output },
      model: {
        input_tokens: { units: BigInt(qty.input), scale: 0 },
        output_tokens: { units: BigInt(qty.output), scale: 0 },
      },
    };
  }
  if (feature.id === 'transcribe') {
    return {
      engine: { minute: qty.tenths / 10 },
      model: { minute: { units: BigInt(qty.tenths), scale: 1 } },
    };
  }
  if (!qty.explicit) return { engine: undefined, model: { action: { units: 1n, scale: 0 } } };
  return {
    engine: { action: qty.count },
    model: { action: { units: BigInt(qty.count), scale: 0 } },
  };
}

/**
 * Sends a write, with an idempotency key when asked, and remembers keyed ones for replays. Only a
 * write that changed something keeps its response (rule 7 as the engine reads it): a success, or a
 * refusal that was logged (it carries the id of its log row).
 */
async function send<T>(
  org: OrgCtx,
  label: string,
  withKey: boolean,
  call: (key: string | undefined) => Promise<WriteResult<T>>,
  different: (key: string) => Promise<WriteResult<unknown>>,
): Promise<WriteResult<T>> {
  const key = withKey ? `key-${(org.keys += 1)}` : undefined;
  const result = await call(key);
  const wrote = result.ok || 'transactionId' in result.refusal.details;
  if (key !== undefined && wrote) {
    org.keyed.push({
      key,
      label,
      first: result,
      again: () => call(key),
      different: () => different(key),
    });
  }
  return result;
}

const at = (value: number | undefined) => (value === undefined ? {} : { at: value });
const withKey = (key: string | undefined) => (key === undefined ? {} : { idempotencyKey: key });

async function createOrg(world: World, zone: string, allowance: bigint): Promise<void> {
  const created = await world.ledger.createOrg({
    name: `org ${world.orgs.length + 1}`,
    timeZone: zone,
    allowance: { credits: allowance },
  });
  if (!created.ok) fail(world, `createOrg refused: ${created.refusal.message}`);
  const model = new OrgModel(zone, now(world), allowance);
  const org: OrgCtx = {
    id: created.value.id,
    model,
    holds: [],
    charges: [],
    keyed: [],
    keys: 0,
    grantIds: new Map(),
    grantSeqs: new Map(),
    scheduleIds: new Map(),
  };
  same(world, 'org clock', created.value.clock, model.clock);
  // The monthly allowance's first lot is the only grant: learn its ids.
  const listed = await world.ledger.listGrants(org.id);
  const [lot] = model.allGrants();
  if (!listed.ok || listed.value.length !== 1 || !lot)
    fail(world, `a new org lists ${show(listed)}`);
  const first = listed.value[0] as Grant;
  bindGrant(world, org, lot.seq, first.id);
  if (lot.schedule === null || first.scheduleId === null)
    fail(world, 'the allowance lot has no schedule');
  org.scheduleIds.set(lot.schedule, first.scheduleId);
  world.orgs.push(org);
}

async function grant(
  world: World,
  org: OrgCtx,
  command: Extract<Command, { type: 'grant' }>,
): Promise<void> {
  const written = resolveAt(world, org, command.at);
  const when = written ?? now(world);
  const effectiveAt =
    command.effective.kind === 'at'
      ? undefined
      : command.effective.kind === 'later'
        ? when + command.effective.ms
        : periodOf(when, org.model.timeZone).end;
  const base = effectiveAt ?? when;
  const expiresAt =
    command.expires.kind === 'none'
      ? undefined
      : command.expires.kind === 'after'
        ? base + command.expires.ms
        : periodOf(base, org.model.timeZone).end;
  const input: GrantInput = {
    kind: command.kind,
    credits: command.credits,
    ...(effectiveAt === undefined ? {} : { effectiveAt }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(command.priority === undefined ? {} : { priority: command.priority }),
    ...(command.monthly ? { recurrence: 'monthly' as const } : {}),
    ...at(written),
  };
  const expected = org.model.grant(
    {
      kind: command.kind,
      credits: command.credits,
      ...(effectiveAt === undefined ? {} : { effectiveAt }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
      ...(command.priority === undefined ? {} : { priority: command.priority }),
      ...(command.monthly ? { recurrence: 'monthly' as const } : {}),
    },
    when,
  );
  const result = await send(
    org,
    'grant',
    command.keyed,
    (key) => world.ledger.grant(org.id, { ...input, ...withKey(key) }),
    (key) =>
      world.ledger.grant(org.id, { ...input, credits: input.credits + 1n, idempotencyKey: key }),
  );
  outcome(world, 'grant', expected, result, (value, model) => {
    same(
      world,
      'granted',
      {
        kind: value.kind,
        amount: value.amount,
        remaining: value.remaining,
        held: value.held,
        effectiveAt: value.effectiveAt,
        expiresAt: value.expiresAt,
        priority: value.priority,
        recurrence: value.recurrence,
      },
      {
        kind: model.grant.kind,
        amount: model.grant.amount,
        remaining: model.grant.amount,
        held: 0n,
        effectiveAt: model.grant.effectiveAt,
        expiresAt: model.grant.expiresAt,
        priority: model.grant.priority,
        recurrence: command.monthly ? 'monthly' : null,
      },
    );
    bindGrant(world, org, model.grant.seq, value.id);
    if (model.schedule !== null) {
      if (value.scheduleId === null) fail(world, 'a monthly grant without a schedule');
      org.scheduleIds.set(model.schedule, value.scheduleId);
    }
  });
}

function insufficient(world: World, label: string) {
  return (details: Record<string, unknown>, model: Record<string, unknown>) =>
    same(
      world,
      `${label} refused for lack of credits`,
      { available: details.available, required: details.required },
      { available: model.available, required: model.required },
    );
}

async function charge(
  world: World,
  org: OrgCtx,
  command: Extract<Command, { type: 'charge' }>,
): Promise<void> {
  const feature = FEATURES[command.feature % FEATURES.length] as FeatureDef;
  const quantities = quantitiesOf(feature, command.qty);
  const cost = priceOf(feature.lines, quantities.model);
  const written = resolveAt(world, org, command.at);
  const when = written ?? now(world);
  const expected = org.model.charge(cost, command.failed, when);
  const input = {
    feature: feature.id,
    ...(quantities.engine === undefined ? {} : { quantities: quantities.engine }),
    ...(command.failed ? { status: 'failed' as const } : {}),
    user: 'ana',
    ...at(written),
  };
  const result = await send(
    org,
    'charge',
    command.keyed,
    (key) => world.ledger.charge(org.id, { ...input, ...withKey(key) }),
    (key) =>
      world.ledger.charge(org.id, { ...input, note: 'another request', idempotencyKey: key }),
  );
  outcome(
    world,
    `charge ${feature.id} of ${cost}`,
    expected,
    result,
    (value, model) => {
      same(
        world,
        'charge',
        {
          status: value.status,
          credits: value.credits,
          balanceAfter: value.balanceAfter,
          at: value.at,
        },
        {
          status: command.failed ? 'failed' : 'succeeded',
          credits: -model.credits,
          balanceAfter: model.balanceAfter,
          at: when,
        },
      );
      sameParts(world, org, 'charge', value.draws, model.parts);
      org.charges.push({ ref: model.ref, id: value.id });
    },
    (details, model) => {
      insufficient(world, 'charge')(details, model);
      org.charges.push({ ref: model.ref as string, id: details.transactionId as string });
    },
  );
}

async function hold(
  world: World,
  org: OrgCtx,
  command: Extract<Command, { type: 'hold' }>,
): Promise<void> {
  const feature = FEATURES[command.feature % FEATURES.length] as FeatureDef;
  const quantities = quantitiesOf(feature, command.qty);
  const cost = command.byCredits ?? priceOf(feature.lines, quantities.model);
  const written = resolveAt(world, org, command.at);
  const when = written ?? now(world);
  const expected = org.model.hold(cost, command.ttl, when);
  const input = {
    feature: feature.id,
    ...(command.byCredits !== null
      ? { credits: command.byCredits }
      : quantities.engine === undefined
        ? {}
        : { quantities: quantities.engine }),
    ttlSeconds: command.ttl,
    ...at(written),
  };
  const result = await send(
    org,
    'hold',
    command.keyed,
    (key) => world.ledger.hold(org.id, { ...input, ...withKey(key) }),
    (key) => world.ledger.hold(org.id, { ...input, note: 'another request', idempotencyKey: key }),
  );
  outcome(
    world,
    `hold of ${cost}`,
    expected,
    result,
    (value, model) => {
      same(
        world,
        'hold',
        { status: value.status, credits: value.credits, expiresAt: value.expiresAt },
        { status: 'pending', credits: model.credits, expiresAt: model.expiresAt },
      );
      sameParts(world, org, 'hold', value.reservations, model.reservations);
      org.holds.push({ ref: model.ref, id: value.id, feature });
    },
    insufficient(world, 'hold'),
  );
}

async function capture(
  world: World,
  org: OrgCtx,
  command: Extract<Command, { type: 'capture' }>,
): Promise<void> {
  const target = pickHold(world, org, command.hold);
  if (!target) return advance(world, org, command.at, command.keyed);
  const held = org.model.holdCredits(target.ref) ?? 0n;
  const quantities = quantitiesOf(target.feature, command.qty);
  const { amount } = command;
  const asked: { credits?: bigint; quantities?: Record<string, number> } =
    amount.kind === 'held'
      ? {}
      : amount.kind === 'same'
        ? { credits: held }
        : amount.kind === 'zero'
          ? { credits: 0n }
          : amount.kind === 'less'
            ? { credits: (held * BigInt(amount.permille)) / 1000n }
            : amount.kind === 'more'
              ? { credits: held + amount.extra }
              : quantities.engine === undefined
                ? {}
                : { quantities: quantities.engine };
  const final =
    asked.credits ??
    (amount.kind === 'quantities' && quantities.engine !== undefined
      ? priceOf(target.feature.lines, quantities.model)
      : undefined);
  const written = resolveAt(world, org, command.at);
  const when = written ?? now(world);
  const expected = org.model.capture(target.ref, final, when);
  const input = { ...asked, ...at(written) };
  const result = await send(
    org,
    'capture',
    command.keyed,
    (key) => world.ledger.capture(org.id, target.id, { ...input, ...withKey(key) }),
    (key) =>
      world.ledger.capture(org.id, target.id, {
        ...at(written),
        credits: (asked.credits ?? 0n) + 1n,
        idempotencyKey: key,
      }),
  );
  outcome(
    world,
    `capture ${target.id} (${held} held) for ${final ?? 'the held amount'}`,
    expected,
    result,
    (value, model) => {
      same(
        world,
        'capture',
        {
          type: value.type,
          status: value.status,
          credits: value.credits,
          held: value.held,
          holdId: value.holdId,
          balanceAfter: value.balanceAfter,
          at: value.at,
        },
        {
          type: 'usage',
          status: 'succeeded',
          credits: -model.credits,
          held: -held,
          holdId: target.id,
          balanceAfter: model.balanceAfter,
          at: when,
        },
      );
      tally(`capture ok: ${command.amount.kind}${model.credits > held ? ', more than held' : ''}`);
      const expired = new Set(
        org.model
          .allGrants()
          .filter((grant) => grant.expiresAt !== null && grant.expiresAt <= when)
          .map((grant) => grant.seq),
      );
      if (model.parts.some((part) => expired.has(part.grant))) {
        tally('capture ok: spends held credits of an expired grant');
      }
      sameParts(world, org, 'capture', value.draws, model.parts);
      org.charges.push({ ref: model.ref, id: value.id });
    },
    insufficient(world, 'capture'),
  );
}

async function voidHold(
  world: World,
  org: OrgCtx,
  command: Extract<Command, { type: 'void' }>,
): Promise<void> {
  const target = pickHold(world, org, command.hold);
  if (!target) return advance(world, org, command.at, command.keyed);
  const written = resolveAt(world, org, command.at);
  const when = written ?? now(world);
  const keepsExpired = org.model.pendingHolds(when).onExpired.has(target.ref);
  const expected = org.model.void(target.ref, when);
  const result = await send(
    org,
    'void',
    command.keyed,
    (key) =>
      world.ledger.void(org.id, target.id, {
        reason: 'cancelled',
        ...at(written),
        ...withKey(key),
      }),
    (key) =>
      world.ledger.void(org.id, target.id, {
        reason: 'another',
        ...at(written),
        idempotencyKey: key,
      }),
  );
  outcome(world, `void ${target.id}`, expected, result, (value) => {
    if (keepsExpired) tally('void ok: releases held credits of an expired grant');
    same(
      world,
      'void',
      { status: value.status, resolvedAt: value.resolvedAt },
      { status: 'voided', resolvedAt: when },
    );
  });
}

async function refund(
  world: World,
  org: OrgCtx,
  command: Extract<Command, { type: 'refund' }>,
): Promise<void> {
  const target = pickCharge(org, command.charge);
  if (!target) return advance(world, org, command.at, command.keyed);
  const refundable = org.model.refundable(target.ref);
  const { amount } = command;
  let asked: bigint | undefined;
  if (amount.kind === 'part') {
    asked = refundable === undefined ? credits(1) : (refundable * BigInt(amount.permille)) / 1000n;
    if (asked === 0n) asked = 1n;
  } else if (amount.kind === 'over') {
    asked = (refundable ?? 0n) + 1n;
  }
  const written = resolveAt(world, org, command.at);
  const when = written ?? now(world);
  const expected = org.model.refund(target.ref, asked, when);
  const input = { ...(asked === undefined ? {} : { credits: asked }), ...at(written) };
  const result = await send(
    org,
    'refund',
    command.keyed,
    (key) => world.ledger.refund(org.id, target.id, { ...input, ...withKey(key) }),
    (key) =>
      world.ledger.refund(org.id, target.id, {
        ...input,
        note: 'another request',
        idempotencyKey: key,
      }),
  );
  outcome(
    world,
    `refund ${asked ?? 'all'} of ${target.id} (${refundable} left)`,
    expected,
    result,
    (value, model) => {
      same(
        world,
        'refund',
        { type: value.type, credits: value.credits, chargeId: value.chargeId, at: value.at },
        { type: 'refund', credits: model.credits, chargeId: target.id, at: when },
      );
      if (model.parts.some((part) => !org.grantIds.has(part.grant))) {
        tally('refund ok: into a new refund grant');
      }
      sameParts(world, org, 'refund', value.draws, model.parts);
    },
  );
}

async function advance(
  world: World,
  org: OrgCtx,
  spec: AtSpec,
  keyedWrite: boolean,
): Promise<void> {
  const written = resolveAt(world, org, spec);
  const when = written ?? now(world);
  const expected = org.model.advance(when);
  const result = await send(
    org,
    'advance',
    keyedWrite,
    (key) => world.ledger.advance(org.id, { ...at(written), ...withKey(key) }),
    (key) => world.ledger.void(org.id, 'hld_none', { idempotencyKey: key }),
  );
  outcome(world, 'advance', expected, result, (value) =>
    same(world, 'advanced', value.clock, when),
  );
}

/** Rule 7: the same request under a key answers the first response; another request is refused. */
async function replay(
  world: World,
  org: OrgCtx,
  command: Extract<Command, { type: 'replay' }>,
): Promise<void> {
  const entry = org.keyed[command.pick % Math.max(1, org.keyed.length)];
  if (!entry) return advance(world, org, { kind: 'now' }, true);
  tally(`replay ${command.same ? 'same request' : 'another request'}`);
  if (command.same) {
    const again = await entry.again();
    same(world, `replay of ${entry.label} ${entry.key}`, again, { ...entry.first, replayed: true });
  } else {
    const other = await entry.different();
    same(
      world,
      `another request under ${entry.key}`,
      { ok: other.ok, code: other.ok ? undefined : other.refusal.code, replayed: other.replayed },
      { ok: false, code: 'idempotency_key_reused', replayed: false },
    );
  }
}

function moveTime(
  world: World,
  org: OrgCtx,
  step: Extract<Command, { type: 'time' }>['step'],
): void {
  const current = now(world);
  if (step.kind === 'ms') {
    world.t.clock.advance(step.ms);
    return;
  }
  const candidates =
    step.what === 'expiry'
      ? org.model
          .allGrants()
          .flatMap((grant) => (grant.expiresAt === null ? [] : [grant.expiresAt]))
      : step.what === 'hold'
        ? org.model.holdExpiries()
        : [periodOf(current, org.model.timeZone).end];
  const target = Math.min(...candidates.filter((instant) => instant + step.offset > current));
  world.t.clock.current = Number.isFinite(target) ? target + step.offset : current + SECOND;
}

// ---------------------------------------------------------------------------------------------
// Checks after every step.

async function readBalance(world: World, org: OrgCtx, instant: number): Promise<Balance> {
  const balance = await world.ledger.balance(org.id, instant);
  if (!balance.ok) fail(world, `balance refused: ${balance.refusal.message}`);
  return balance.value;
}

/** Rules 2, 3, 5 and 8 through the balance: exact at any instant, past or future. */
async function checkBalance(
  world: World,
  org: OrgCtx,
  instant: number,
  why: string,
): Promise<Balance> {
  const balance = await readBalance(world, org, instant);
  same(
    world,
    `balance at ${new Date(instant).toISOString()} (${why})`,
    {
      available: balance.available,
      held: balance.held,
      byKind: balance.byKind,
      nextExpiry: balance.nextExpiry,
    },
    org.model.balanceAt(instant),
  );
  if (balance.available < 0n || balance.held < 0n) fail(world, 'a balance below zero');
  return balance;
}

const grantShape = (grant: Grant | GrantView) => ({
  kind: grant.kind,
  amount: grant.amount,
  remaining: grant.remaining,
  held: grant.held,
  effectiveAt: grant.effectiveAt,
  expiresAt: grant.expiresAt,
  priority: grant.priority,
});

/** Rule 2 through the grants: each grant's remainder, and their sum is the pool. */
async function checkGrants(
  world: World,
  org: OrgCtx,
  instant: number,
  balance: Balance,
): Promise<void> {
  const listed = await world.ledger.listGrants(org.id, { at: instant });
  if (!listed.ok) fail(world, `listGrants refused: ${listed.refusal.message}`);
  const label = `grants at ${new Date(instant).toISOString()}`;
  const expected = org.model.grantsAt(instant);
  const unmatched = [...listed.value];
  for (const grant of expected) {
    const known = org.grantIds.get(grant.seq);
    const scheduleId = grant.schedule === null ? undefined : org.scheduleIds.get(grant.schedule);
    const index = unmatched.findIndex((candidate) =>
      known !== undefined
        ? candidate.id === known
        : scheduleId !== undefined &&
          candidate.scheduleId === scheduleId &&
          candidate.effectiveAt === grant.effectiveAt,
    );
    const found = unmatched[index];
    if (!found) {
      fail(
        world,
        `${label}: the engine lacks ${show(grant)} (${known ?? 'no id'})\n  engine ${show(listed.value)}`,
      );
    }
    unmatched.splice(index, 1);
    same(world, `${label}: grant ${found.id}`, grantShape(found), grantShape(grant));
    if (known === undefined && org.model.isWritten(grant.seq))
      bindGrant(world, org, grant.seq, found.id);
  }
  if (unmatched.length > 0) fail(world, `${label}: the engine has more grants ${show(unmatched)}`);
  let remaining = 0n;
  let held = 0n;
  for (const grant of listed.value) {
    if (grant.remaining < 0n || grant.held < 0n || grant.held > grant.remaining) {
      fail(world, `${label}: grant ${grant.id} is out of bounds ${show(grant)}`);
    }
    remaining += grant.remaining;
    held += grant.held;
  }
  same(
    world,
    `${label}: sum of remainders = available + held`,
    remaining,
    balance.available + balance.held,
  );
  same(world, `${label}: sum of held`, held, balance.held);
}

const statementShape = (statement: Statement | StatementView) => ({
  month: statement.month,
  start: statement.start,
  end: statement.end,
  final: statement.final,
  asOf: statement.asOf,
  opening: statement.opening,
  added: statement.added,
  consumed: statement.consumed,
  expired: statement.expired,
  closing: statement.closing,
  carriedForward: statement.carriedForward,
  byKind: Object.fromEntries(KINDS.map((kind) => [kind, { ...statement.byKind[kind] }])),
  usageCount: statement.usageCount,
});

/** Rule 10: the statement agrees with the model and reconciles per kind. */
async function checkStatement(world: World, org: OrgCtx, start: number): Promise<Statement> {
  const expected = org.model.statement(start, now(world));
  const read = await world.ledger.statement(org.id, expected.month);
  if (!read.ok) fail(world, `statement ${expected.month} refused: ${read.refusal.message}`);
  const statement = read.value;
  same(world, `statement ${expected.month}`, statementShape(statement), statementShape(expected));
  for (const kind of KINDS) {
    const row = statement.byKind[kind];
    if (row.opening + row.added - row.consumed - row.expired !== row.closing) {
      fail(world, `statement ${statement.month} does not reconcile for ${kind}: ${show(row)}`);
    }
  }
  return statement;
}

async function checkAllStatements(world: World, org: OrgCtx): Promise<void> {
  let previous: Statement | undefined;
  for (const start of org.model.periodStarts(now(world))) {
    const statement = await checkStatement(world, org, start);
    if (previous?.final) {
      same(
        world,
        `opening of ${statement.month} = closing of ${previous.month}`,
        statement.opening,
        previous.closing,
      );
      for (const kind of KINDS) {
        same(
          world,
          `opening of ${statement.month} = closing of ${previous.month} for ${kind}`,
          statement.byKind[kind].opening,
          previous.byKind[kind].closing,
        );
      }
    }
    previous = statement;
  }
}

/**
 * Rules 2, 3 and 5 through the log: every row the model expects, at its instant (refusals and
 * failed attempts included, at 0 credits), expiries dated at their instant; and the rows up to the
 * latest write sum to the pool.
 */
async function checkLog(world: World, org: OrgCtx): Promise<void> {
  const lines: string[] = [];
  const expiries = new Map<number, bigint>();
  let upToClock = 0n;
  let cursor: { at: number; id: string } | undefined;
  for (;;) {
    const page = await world.ledger.transactions(
      org.id,
      {},
      { limit: 1000, ...(cursor ? { cursor } : {}) },
    );
    if (!page.ok) fail(world, `transactions refused: ${page.refusal.message}`);
    for (const row of page.value.data) {
      if (row.type === 'expiry') expiries.set(row.at, (expiries.get(row.at) ?? 0n) + row.credits);
      else lines.push(`${row.type}/${row.status}@${row.at} ${row.credits}`);
      if (row.at <= org.model.clock) upToClock += row.credits;
    }
    if (!page.value.nextCursor) break;
    cursor = page.value.nextCursor;
  }
  for (const [at, credits] of expiries) if (credits !== 0n) lines.push(`expiry@${at} ${credits}`);
  same(world, 'the activity log', lines.sort(), org.model.logLines());
  same(
    world,
    'the log sums to the pool at the latest write',
    upToClock,
    org.model.poolAt(org.model.clock),
  );
}

async function checkOrg(world: World, org: OrgCtx, full: boolean): Promise<void> {
  const instant = now(world);
  const read = await world.ledger.getOrg(org.id);
  if (!read.ok) fail(world, 'getOrg refused');
  same(world, 'the org clock (its latest write)', read.value.clock, org.model.clock);
  const balance = await checkBalance(world, org, instant, 'now');
  await checkGrants(world, org, instant, balance);
  const statement = await checkStatement(world, org, periodOf(instant, org.model.timeZone).start);
  same(
    world,
    'the running statement closes at the pool',
    statement.closing,
    balance.available + balance.held,
  );

  // Rules 5 and 8: exact at the instant before and at an expiry, a grant's or a hold's.
  const expiries =
    world.step % 2 === 0
      ? org.model
          .allGrants()
          .flatMap((grant) => (grant.expiresAt === null ? [] : [grant.expiresAt]))
      : org.model.holdExpiries();
  const edge = expiries[Math.floor(world.step / 2) % Math.max(1, expiries.length)];
  if (edge !== undefined) {
    await checkBalance(world, org, edge - 1, 'just before an expiry');
    await checkBalance(world, org, edge, 'at an expiry');
  }
  if (full) {
    await checkLog(world, org);
    await checkAllStatements(world, org);
  }
}

/**
 * Rollups kept write by write, in batches and upserts, equal the ones rebuilt from the raw rows in
 * one pass; and the usage they count equals the log's, summed here by day without them.
 */
async function checkRollups(world: World, org: OrgCtx): Promise<void> {
  const kept = await world.t.reports.allRollups(org.id);
  const rebuilt = await world.t.reports.rebuildRollups(org.id);
  if (!rebuilt) fail(world, `no rollups rebuilt for ${org.id}`);
  same(
    world,
    'rollups kept with every write, and rebuilt',
    kept,
    await world.t.reports.allRollups(org.id),
  );

  const log = await world.ledger.transactions(org.id, {}, { limit: 1000 });
  if (!log.ok || log.value.nextCursor !== null) return; // a log this long is checked elsewhere
  const days = new Intl.DateTimeFormat('en-CA', {
    timeZone: org.model.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const expected = new Map<string, { used: bigint; usageCount: number }>();
  for (const row of log.value.data) {
    if (row.type !== 'usage' || row.status !== 'succeeded') continue;
    const day = days.format(new Date(row.at));
    const sum = expected.get(day) ?? { used: 0n, usageCount: 0 };
    expected.set(day, { used: sum.used - row.credits, usageCount: sum.usageCount + 1 });
  }
  const counted = new Map(
    kept.usage
      .filter((rollup) => rollup.dimension === 'all' && rollup.usageCount > 0)
      .map((rollup) => [rollup.day, { used: rollup.used, usageCount: rollup.usageCount }]),
  );
  same(world, 'usage by day, from rollups and from the log', counted, expected);
}

// ---------------------------------------------------------------------------------------------

async function runScenario(backend: Backend, scenario: Scenario): Promise<void> {
  const t = await backend.open(new Date(scenario.start).toISOString());
  const world: World = { t, ledger: t.ledger, orgs: [], step: 0, trace: [] };
  try {
    for (const feature of FEATURES) {
      const set = await t.ledger.setFeature({
        id: feature.id,
        name: feature.id,
        prices: feature.lines.map((line) => ({
          unit: line.unit,
          credits: line.credits,
          per: Number(line.per),
        })),
        effectiveAt: 0,
      });
      if (!set.ok) throw new Error(set.refusal.message);
    }
    world.trace.push(
      `${new Date(now(world)).toISOString()} first org in ${scenario.zone} with ${scenario.allowance} a month`,
    );
    await createOrg(world, scenario.zone, scenario.allowance);
    for (const command of scenario.commands) {
      if (command === null) continue;
      world.step += 1;
      count(commandsRun, backend.name);
      world.trace.push(`${new Date(now(world)).toISOString()} ${show(command)}`);
      let org = world.orgs[('org' in command ? command.org : 0) % world.orgs.length] as OrgCtx;
      switch (command.type) {
        case 'createOrg':
          if (world.orgs.length < 3) {
            await createOrg(world, command.zone, command.allowance);
            org = world.orgs[world.orgs.length - 1] as OrgCtx;
          } else {
            await advance(world, org, { kind: 'now' }, false);
          }
          break;
        case 'grant':
          await grant(world, org, command);
          break;
        case 'charge':
          await charge(world, org, command);
          break;
        case 'hold':
          await hold(world, org, command);
          break;
        case 'capture':
          await capture(world, org, command);
          break;
        case 'void':
          await voidHold(world, org, command);
          break;
        case 'refund':
          await refund(world, org, command);
          break;
        case 'advance':
          await advance(world, org, command.at, command.keyed);
          break;
        case 'replay':
          await replay(world, org, command);
          break;
        case 'time':
          tally(`time ${command.step.kind === 'ms' ? 'step' : `to the next ${command.step.what}`}`);
          moveTime(world, org, command.step);
          break;
        case 'read': {
          tally('read at a past instant');
          const instant =
            org.model.createdAt + Math.floor(command.frac * (now(world) - org.model.createdAt));
          const balance = await checkBalance(world, org, instant, 'a past read');
          await checkGrants(world, org, instant, balance);
          break;
        }
      }
      await checkOrg(world, org, world.step % FULL_CHECK_EVERY === 0);
    }
    for (const org of world.orgs) {
      await checkOrg(world, org, true);
      await checkRollups(world, org);
    }
  } finally {
    await t.close();
  }
}

const seedOptions = process.env.TALLY_PROPERTY_SEED
  ? {
      seed: Number(process.env.TALLY_PROPERTY_SEED),
      ...(process.env.TALLY_PROPERTY_PATH ? { path: process.env.TALLY_PROPERTY_PATH } : {}),
    }
  : {};

export interface Backend {
  readonly name: string;
  open(startIso: string): Promise<LedgerUnderTest>;
}

/** The whole suite against one backend; each backend runs it from a test file of its own. */
export function describeLedgerProperties(backend: Backend): void {
  describe(`the ledger on ${backend.name} agrees with a plain model over random command sequences`, () => {
    for (const profile of PROFILES) {
      it(profile.name, async () => {
        await fc.assert(
          fc.asyncProperty(scenarioArb(profile), (scenario) => runScenario(backend, scenario)),
          { numRuns: RUNS, ...seedOptions },
        );
        count(profilesRun, backend.name);
      });
    }

    it(`ran at least 10,000 commands`, (context) => {
      if ((profilesRun.get(backend.name) ?? 0) < PROFILES.length || RUNS < RUNS_PER_PROFILE) {
        context.skip();
      }
      expect(commandsRun.get(backend.name)).toBeGreaterThanOrEqual(10_000);
    });

    afterAll(() => {
      const seen = [...outcomes].sort(([a], [b]) => (a < b ? -1 : 1));
      console.log(
        `ledger properties: ${[...commandsRun].map(([name, n]) => `${n} commands on ${name}`).join(', ')}\n` +
          seen.map(([what, count]) => `  ${what}: ${count}`).join('\n'),
      );
    });
  });
}
