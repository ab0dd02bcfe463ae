/**
 * `npm run bench:seed`: a year of history for the reports benchmark, written straight into a
 * Tally SQLite database (the server's own schema and migrations), with a progress bar.
 *
 * BENCH_ENTRIES ledger entries in all (default 10 million) over BENCH_ORGS typical orgs (default
 * 40) and one big org holding a fifth of them. Each org has a purchased pack, a monthly allowance
 * that expires at each month end in the org's time zone (its leftover written as an expiry), and
 * charges of a photo-booth operator's features by its members, for its events, on busier
 * weekends and in a busier season, with a few spike days and outsized requests, and some failed
 * attempts. Charges draw on the allowance first, then the pack, as the ledger's spend order says,
 * so every balance, remainder and statement reconciles. Rollups are then built from the raw rows
 * by the store's own rebuild, as `tally rollups rebuild` does.
 *
 * The database goes to BENCH_DATA_DIR (default .bench-data/ in the checkout), replacing one
 * there; `bench/reports.ts` starts a server on it.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { calendarOf } from '../src/core/local-day.js';
import { periodOf, type Instant } from '../src/core/period.js';
import { Progress } from '../src/cli/progress.js';
import { openSqliteDatabase } from '../src/store/sqlite/sqlite-database.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { describeMachine } from './machine.js';
import { benchDataDir, BIG_ORG, orgIdOf, SEED_ROOT_KEY, timeZoneOf } from './seed-plan.js';

const MICROS = 1_000_000n;
const DAY_MS = 86_400_000;

const FEATURES = [
  { id: 'background-removal', credits: 2n, weight: 45, model: null },
  { id: 'text-to-image', credits: 8n, weight: 20, model: 'flux-schnell' },
  { id: 'upscale', credits: 4n, weight: 15, model: null },
  { id: 'face-swap', credits: 6n, weight: 10, model: 'inswapper' },
  { id: 'caption', credits: 1n, weight: 10, model: 'gpt-4o-mini' },
] as const;
const FEATURE_WEIGHT = FEATURES.reduce((sum, feature) => sum + feature.weight, 0);

/** A small, fast, seeded generator: the same seed gives the same history. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

interface Lot {
  id: string;
  kind: 'allowance' | 'purchase';
  amount: bigint;
  remaining: bigint;
  effectiveAt: Instant;
  expiresAt: Instant | null;
  scheduleId: string | null;
}

interface Writer {
  transaction(row: unknown[]): void;
  entry(row: unknown[]): void;
}

/** One org's year, written in time order; answers how many entries it wrote. */
function seedOrg(
  writer: Writer,
  index: number,
  entriesWanted: number,
  start: Instant,
  end: Instant,
  onEntries: (count: number) => void,
): { grants: Lot[]; schedule: unknown[]; projects: number; entries: number } {
  const orgId = orgIdOf(index);
  const big = index === BIG_ORG;
  const timeZone = timeZoneOf(index);
  const random = randomFrom(index * 7919 + 17);
  const members = Array.from(
    { length: big ? 40 : 6 + (index % 10) },
    (_, n) => `member-${n + 1}@booths.example`,
  );
  // Events (projects) last two days, a few at a time, each staffed by two of the members.
  const eventsAtOnce = big ? 6 : 2;
  const calendar = calendarOf(timeZone);
  const allowanceCredits = (big ? 60_000n : 1500n) * MICROS;
  // About one entry a charge; a pack large enough for the year, with room to spare.
  const pack: Lot = {
    id: `grt_${orgId}_pack`,
    kind: 'purchase',
    amount: BigInt(Math.ceil(entriesWanted * 5)) * MICROS,
    remaining: 0n,
    effectiveAt: start,
    expiresAt: null,
    scheduleId: null,
  };
  const scheduleId = `sch_${orgId}`;
  const grants: Lot[] = [pack];
  let serial = 0;
  let entries = 0;
  let allowance: Lot | undefined;
  const nextId = (prefix: string) =>
    `${prefix}_${orgId}_${(serial++).toString(36).padStart(7, '0')}`;
  const available = () => pack.remaining + (allowance?.remaining ?? 0n);
  const log = (
    at: Instant,
    id: string,
    type: string,
    status: string,
    credits: bigint,
    fields: {
      feature?: string;
      user?: string;
      project?: string | null;
      model?: string | null;
      draws?: string;
      note?: string;
    } = {},
  ) =>
    writer.transaction([
      orgId,
      at,
      id,
      type,
      status,
      fields.feature ?? null,
      credits,
      0n,
      available(),
      fields.user ?? null,
      fields.project ?? null,
      fields.model ?? null,
      null,
      fields.draws ?? '[]',
      fields.note ?? null,
      null,
      null,
      null,
      null,
    ]);
  const post = (
    at: Instant,
    transactionId: string,
    line: number,
    lot: Lot,
    type: string,
    amount: bigint,
  ) => {
    lot.remaining += amount;
    writer.entry([orgId, at, transactionId, line, lot.id, lot.kind, type, amount, 0n]);
    entries += 1;
  };

  // The pack, bought at the start.
  const packTx = nextId('txn');
  post(start, packTx, 0, pack, 'grant', pack.amount);
  log(start, packTx, 'grant', 'succeeded', pack.amount, { note: 'Studio pack' });

  let period = periodOf(start, timeZone);
  const openPeriod = (at: Instant) => {
    if (allowance && allowance.remaining > 0n) {
      const expiry = nextId('txn');
      const left = allowance.remaining;
      post(at, expiry, 0, allowance, 'expiry', -left);
      log(at, expiry, 'expiry', 'succeeded', -left);
    }
    allowance = {
      id: nextId('grt'),
      kind: 'allowance',
      amount: allowanceCredits,
      remaining: 0n,
      effectiveAt: at,
      expiresAt: periodOf(at, timeZone).end,
      scheduleId,
    };
    grants.push(allowance);
    const grantTx = nextId('txn');
    post(at, grantTx, 0, allowance, 'grant', allowanceCredits);
    log(at, grantTx, 'grant', 'succeeded', allowanceCredits, { note: 'Monthly allowance' });
  };
  openPeriod(start);

  const days = Math.ceil((end - start) / DAY_MS);
  const perDay = entriesWanted / days;
  let reported = 0;
  let dayIndex = -1;
  for (let day = calendar.dayOf(start); day.start < end; day = calendar.named(nextKey(day.key))) {
    dayIndex += 1;
    const firstEvent = Math.floor(dayIndex / 2) * eventsAtOnce;
    const weekday = new Date(day.start + 12 * 3_600_000).getUTCDay();
    const weekend = weekday === 0 || weekday === 6 ? 1.6 : 0.8;
    const season = 1 + 0.35 * Math.sin(((day.start - start) / (365 * DAY_MS)) * 2 * Math.PI);
    const spike = random() < 0.01 ? 4 : 1;
    const count = Math.max(
      0,
      Math.round(perDay * weekend * season * spike * (0.85 + 0.3 * random())),
    );
    const times: Instant[] = [];
    const from = Math.max(day.start, start + 1);
    const to = Math.min(day.end, end);
    for (let n = 0; n < count; n += 1) times.push(from + Math.floor(random() * (to - from)));
    times.sort((a, b) => a - b);
    for (const at of times) {
      while (at >= period.end) {
        period = periodOf(period.end, timeZone);
        openPeriod(period.start);
      }
      const pick = random() * FEATURE_WEIGHT;
      let feature: (typeof FEATURES)[number] = FEATURES[0];
      for (let weight = 0, n = 0; n < FEATURES.length; n += 1) {
        weight += (FEATURES[n] as (typeof FEATURES)[number]).weight;
        if (pick < weight) {
          feature = FEATURES[n] as (typeof FEATURES)[number];
          break;
        }
      }
      // Now and then a request far above the usual: a batch of a hundred.
      const credits = feature.credits * MICROS * (random() < 0.0005 ? 100n : 1n);
      const event = random() < 0.3 ? null : firstEvent + Math.floor(random() * eventsAtOnce);
      const project = event === null ? null : `event-${event + 1}`;
      const staff =
        event === null || random() < 0.2
          ? Math.floor(random() * members.length)
          : event * 7 + Math.floor(random() * 2);
      const user = members[staff % members.length] as string;
      const id = nextId('chg');
      const fields = { feature: feature.id, user, project, model: feature.model };
      if (random() < 0.02) {
        log(at, id, 'usage', 'failed', 0n, fields);
        continue;
      }
      if (available() < credits) throw new Error(`org ${orgId} ran dry: make its pack larger`);
      const draws: { grantId: string; kind: string; credits: string }[] = [];
      let due = credits;
      let line = 0;
      for (const lot of allowance && allowance.remaining > 0n ? [allowance, pack] : [pack]) {
        if (due === 0n) break;
        const take = lot.remaining < due ? lot.remaining : due;
        if (take === 0n) continue;
        post(at, id, line++, lot, 'usage', -take);
        draws.push({ grantId: lot.id, kind: lot.kind, credits: take.toString() });
        due -= take;
      }
      log(at, id, 'usage', 'succeeded', -credits, { ...fields, draws: JSON.stringify(draws) });
    }
    if (entries - reported >= 20_000) {
      onEntries(entries - reported);
      reported = entries;
    }
  }
  onEntries(entries - reported);
  return {
    grants,
    entries,
    projects: (Math.floor(dayIndex / 2) + 1) * eventsAtOnce,
    schedule: [
      scheduleId,
      orgId,
      'allowance',
      allowanceCredits,
      50,
      'Monthly allowance',
      period.end,
      null,
    ],
  };
}

function nextKey(key: string): string {
  const [year, month, day] = key.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return next.toISOString().slice(0, 10);
}

export async function seedReports(): Promise<void> {
  const totalEntries = Number(process.env.BENCH_ENTRIES ?? 10_000_000);
  const typicalOrgs = Number(process.env.BENCH_ORGS ?? 40);
  const dir = benchDataDir();
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'tally.db');
  const db = openSqliteDatabase(path);
  // Loading, not serving: a crash here only means seeding again.
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  const end = Date.now() - 60_000;
  const start = end - 365 * DAY_MS;

  const insertTransaction = db.prepare(
    `INSERT INTO transactions (org_id, at, id, type, status, feature, credits, held, balance_after, user, project,
       model, quantities, draws, note, metadata, hold_id, charge_id, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertEntry = db.prepare(
    `INSERT INTO entries (org_id, at, transaction_id, line, grant_id, kind, type, amount, held)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let pending = 0;
  db.exec('BEGIN');
  const flushSometimes = () => {
    pending += 1;
    if (pending >= 100_000) {
      db.exec('COMMIT');
      db.exec('BEGIN');
      pending = 0;
    }
  };
  const writer: Writer = {
    transaction(row) {
      insertTransaction.run(...row);
      flushSometimes();
    },
    entry(row) {
      insertEntry.run(...row);
      flushSometimes();
    },
  };
  const io = {
    stdout: () => undefined,
    stderr: (text: string) => process.stderr.write(text),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
  };
  console.log(`Seeding ${totalEntries.toLocaleString('en-US')} entries into ${path}`);
  const progress = new Progress(io, 'entries', totalEntries);
  const orgs = typicalOrgs + 1;
  let written = 0;
  for (let index = 0; index < orgs; index += 1) {
    const share = index === BIG_ORG ? totalEntries / 5 : (totalEntries * 4) / 5 / typicalOrgs;
    // The org first (its rows reference it), its clock at the end of the history.
    db.prepare(
      'INSERT INTO orgs (id, name, time_zone, plan, created_at, clock) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      orgIdOf(index),
      index === BIG_ORG ? 'Big Booths Co' : `Booths ${index}`,
      timeZoneOf(index),
      'payg',
      start,
      end,
    );
    const seeded = seedOrg(writer, index, Math.round(share), start, end, (count) =>
      progress.tick(count),
    );
    written += seeded.entries;
    db.prepare(
      `INSERT INTO schedules (id, org_id, kind, credits, priority, note, next_at, end_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...seeded.schedule);
    for (const lot of seeded.grants) {
      db.prepare(
        `INSERT INTO grants (id, org_id, kind, amount, remaining, held, effective_at, expires_at, priority, note, schedule_id, live)
         VALUES (?, ?, ?, ?, ?, 0, ?, ?, 50, NULL, ?, ?)`,
      ).run(
        lot.id,
        orgIdOf(index),
        lot.kind,
        lot.amount,
        lot.remaining,
        lot.effectiveAt,
        lot.expiresAt,
        lot.scheduleId,
        lot.remaining > 0n ? 1 : 0,
      );
    }
    const project = db.prepare(
      'INSERT INTO projects (org_id, id, name, created_at) VALUES (?, ?, ?, ?)',
    );
    for (let event = 1; event <= seeded.projects; event += 1) {
      project.run(orgIdOf(index), `event-${event}`, `Event ${event}`, start);
    }
    db.prepare('INSERT INTO rollups_pending (org_id) VALUES (?)').run(orgIdOf(index));
  }
  db.exec('COMMIT');
  progress.finish();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();

  // Rollups, by the store's own rebuild.
  const store = new SqliteStore({ path });
  const rollups = new Progress(io, 'rollups', orgs);
  const started = Date.now();
  for (const orgId of await store.pendingRollups()) {
    await store.rebuildRollups(orgId);
    rollups.tick();
  }
  rollups.finish();
  await store.close();
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `Seeded ${written.toLocaleString('en-US')} entries in ${orgs} orgs (${orgIdOf(BIG_ORG)} holds a fifth); rollups rebuilt in ${seconds.toFixed(1)} s`,
  );
  console.log(`Machine: ${JSON.stringify(describeMachine())}`);
  console.log(`Root key for a server on it: TALLY_ROOT_KEY=${SEED_ROOT_KEY} TALLY_DATA_DIR=${dir}`);
}

if (/seed\.(js|ts)$/.test(process.argv[1] ?? '')) await seedReports();
