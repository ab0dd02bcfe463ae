/**
 * Durable charges through the ledger library on the embedded SQLite store:
 * - one per transaction: each charge awaited before the next, so each commits (and fsyncs) alone;
 * - grouped: many charges in flight, sharing commits (group commit);
 * - a naive baseline in the same run: read the balance, then update it, in separate autocommitted
 *   statements, with the same durability settings.
 * Each mode runs several times; the figures are medians. Writes bench/results/ledger.json.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credits } from '../src/core/amount.js';
import { createLedger, type Ledger } from '../src/ledger/ledger.js';
import { randomIds, systemClock } from '../src/ledger/system.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { describeMachine } from './machine.js';
import { writeResults } from './results.js';
import { median, peakRssMiB, percentile, round } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IN_FLIGHT = 256;

interface Setup {
  ledger: Ledger;
  org: string;
  close(): Promise<void>;
}

async function setUp(maxBatch: number): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-'));
  const store = new SqliteStore({ path: join(dir, 'tally.db'), maxBatch });
  const ledger = createLedger({ store, clock: systemClock, ids: randomIds });
  await ledger.setFeature({
    id: 'text-to-image',
    name: 'Text to image',
    prices: [{ unit: 'action', credits: credits(8) }],
    effectiveAt: 0,
  });
  const org = await ledger.createOrg({ name: 'Bench', allowance: { credits: credits(1500) } });
  if (!org.ok) throw new Error(org.refusal.message);
  const pack = await ledger.grant(org.value.id, {
    kind: 'purchase',
    credits: credits(1_000_000_000),
  });
  if (!pack.ok) throw new Error(pack.refusal.message);
  return {
    ledger,
    org: org.value.id,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function chargeOnce(setup: Setup): Promise<void> {
  const result = await setup.ledger.charge(setup.org, { feature: 'text-to-image', user: 'bench' });
  if (!result.ok) throw new Error(result.refusal.message);
}

async function oneAtATime(): Promise<{ perSec: number; p50: number; p99: number }> {
  const setup = await setUp(1);
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  while (performance.now() < end) {
    const before = performance.now();
    await chargeOnce(setup);
    latencies.push(performance.now() - before);
  }
  const elapsed = (performance.now() - started) / 1000;
  await setup.close();
  latencies.sort((a, b) => a - b);
  return {
    perSec: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

async function grouped(): Promise<number> {
  const setup = await setUp(1000);
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < end) {
      await chargeOnce(setup);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await setup.close();
  return done / elapsed;
}

/** Read the balance, then update it, each statement committed on its own. */
function naiveBaseline(): number {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-naive-'));
  const db = new Database(join(dir, 'naive.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE balances (org_id TEXT PRIMARY KEY, credits INTEGER NOT NULL)');
  db.exec(
    'CREATE TABLE charges (id INTEGER PRIMARY KEY, org_id TEXT, credits INTEGER, at INTEGER)',
  );
  db.prepare('INSERT INTO balances VALUES (?, ?)').run('bench', 1_000_000_000_000_000);
  const read = db.prepare('SELECT credits FROM balances WHERE org_id = ?');
  const update = db.prepare('UPDATE balances SET credits = ? WHERE org_id = ?');
  const log = db.prepare('INSERT INTO charges (org_id, credits, at) VALUES (?, ?, ?)');
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  while (performance.now() < end) {
    const { credits: balance } = read.get('bench') as { credits: number };
    if (balance < 8_000_000) throw new Error('baseline ran dry');
    update.run(balance - 8_000_000, 'bench');
    log.run('bench', 8_000_000, Date.now());
    done += 1;
  }
  const elapsed = (performance.now() - started) / 1000;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return done / elapsed;
}

export async function benchLedger(): Promise<Record<string, unknown>> {
  const single: { perSec: number; p50: number; p99: number }[] = [];
  const groupedRates: number[] = [];
  const baseline: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    single.push(await oneAtATime());
    groupedRates.push(await grouped());
    baseline.push(naiveBaseline());
  }
  const result = {
    machine: describeMachine(),
    runs: RUNS,
    secondsPerRun: SECONDS,
    chargesPerSecSingle: round(median(single.map((run) => run.perSec)), 0),
    chargesPerSecGrouped: round(median(groupedRates), 0),
    p50Ms: round(median(single.map((run) => run.p50)), 3),
    p99Ms: round(median(single.map((run) => run.p99)), 3),
    rssMiB: round(peakRssMiB(), 1),
    baselineChargesPerSec: round(median(baseline), 0),
  };
  const ratio = result.chargesPerSecGrouped / result.baselineChargesPerSec;
  console.log(
    `\nLedger (SQLite, durable) on ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}`,
  );
  console.table({
    'one per transaction': {
      'charges/s': result.chargesPerSecSingle,
      'p50 ms': result.p50Ms,
      'p99 ms': result.p99Ms,
      target: '≥ 3,000/s, p99 ≤ 2 ms',
    },
    grouped: { 'charges/s': result.chargesPerSecGrouped, target: '≥ 25,000/s' },
    'naive baseline': {
      'charges/s': result.baselineChargesPerSec,
      'grouped ÷ baseline': round(ratio, 1),
    },
    memory: { 'peak RSS MiB': result.rssMiB, target: '≤ 150 MiB' },
  });
  writeResults('ledger', result);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchLedger();
