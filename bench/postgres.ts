/**
 * Durable charges through the ledger on PostgreSQL (a throwaway cluster with fsync and
 * synchronous_commit on, or the server of DATABASE_URL):
 * - one hot org: every charge on the same org, many in flight, as one busy server sees them;
 * - spread: the same load over 100 orgs;
 * - one hot org through 4 stores, as 4 servers behind a load balancer would charge it;
 * - a naive baseline in the same run: per charge, a transaction that reads the balance with a row
 *   lock, updates it and logs the charge, many clients at once on the same hot row.
 * Each mode runs several times; the figures are medians. Writes bench/results/postgres.json.
 */
import pg from 'pg';
import { credits } from '../src/core/amount.js';
import { createLedger, type Ledger } from '../src/ledger/ledger.js';
import { randomIds, systemClock } from '../src/ledger/system.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { createDatabase, startPostgresCluster } from '../test/support/postgres-cluster.js';
import { describeMachine } from './machine.js';
import { writeResults } from './results.js';
import { median, percentile, round } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const IN_FLIGHT = 256;
const BASELINE_CLIENTS = 32;
const POOL = 10;

interface Rate {
  perSec: number;
  p50: number;
  p99: number;
}

async function measure(charge: () => Promise<void>, inFlight: number): Promise<Rate> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const before = performance.now();
        await charge();
        latencies.push(performance.now() - before);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSec: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}

/**
 * Charges through `servers` ledgers, each with a store and pool of its own as separate Tally
 * servers have (here in one process, so they share its CPU), over `orgCount` orgs.
 */
async function ledgerRun(adminUrl: string, orgCount: number, servers = 1): Promise<Rate> {
  const database = await createDatabase(adminUrl, 'tally_bench');
  const stores = await Promise.all(
    Array.from({ length: servers }, () => PostgresStore.open(database.url, { poolSize: POOL })),
  );
  const ledgers: Ledger[] = stores.map((store) =>
    createLedger({ store, clock: systemClock, ids: randomIds }),
  );
  const ledger = ledgers[0] as Ledger;
  await ledger.setFeature({
    id: 'text-to-image',
    name: 'Text to image',
    prices: [{ unit: 'action', credits: credits(8) }],
    effectiveAt: 0,
  });
  const orgs: string[] = [];
  for (let index = 0; index < orgCount; index += 1) {
    const org = await ledger.createOrg({
      name: `Bench ${index}`,
      allowance: { credits: credits(1500) },
    });
    if (!org.ok) throw new Error(org.refusal.message);
    const pack = await ledger.grant(org.value.id, {
      kind: 'purchase',
      credits: credits(1_000_000_000),
    });
    if (!pack.ok) throw new Error(pack.refusal.message);
    orgs.push(org.value.id);
  }
  let next = 0;
  const rate = await measure(async () => {
    const turn = next++;
    const org = orgs[turn % orgs.length] as string;
    const server = ledgers[turn % servers] as Ledger;
    const result = await server.charge(org, { feature: 'text-to-image', user: 'bench' });
    if (!result.ok) throw new Error(result.refusal.message);
  }, IN_FLIGHT);
  await Promise.all(stores.map((store) => store.close()));
  await database.drop();
  return rate;
}

/** Read the balance under a row lock, update it, log the charge: one transaction per charge. */
async function naiveBaseline(adminUrl: string): Promise<Rate> {
  const database = await createDatabase(adminUrl, 'tally_bench_naive');
  const pool = new pg.Pool({ connectionString: database.url, max: BASELINE_CLIENTS });
  // pool.end() resolves before its sockets close, so the DROP … WITH (FORCE) below may still find
  // and terminate them: harmless here, and not worth crashing the benchmark over.
  pool.on('error', () => undefined);
  await pool.query('CREATE TABLE balances (org_id text PRIMARY KEY, credits bigint NOT NULL)');
  await pool.query(
    'CREATE TABLE charges (id bigserial PRIMARY KEY, org_id text NOT NULL, credits bigint NOT NULL, at bigint NOT NULL)',
  );
  await pool.query("INSERT INTO balances VALUES ('bench', 1000000000000000000)");
  const rate = await measure(async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ credits: string }>(
        "SELECT credits FROM balances WHERE org_id = 'bench' FOR UPDATE",
      );
      const balance = BigInt(rows[0]?.credits ?? 0);
      if (balance < 8_000_000n) throw new Error('baseline ran dry');
      await client.query("UPDATE balances SET credits = $1 WHERE org_id = 'bench'", [
        (balance - 8_000_000n).toString(),
      ]);
      await client.query(
        "INSERT INTO charges (org_id, credits, at) VALUES ('bench', 8000000, $1)",
        [Date.now()],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }, BASELINE_CLIENTS);
  await pool.end();
  await database.drop();
  return rate;
}

export async function benchPostgres(): Promise<Record<string, unknown>> {
  const cluster = process.env.DATABASE_URL
    ? undefined
    : await startPostgresCluster({ durable: true });
  const adminUrl = process.env.DATABASE_URL ?? (cluster?.url as string);
  const hot: Rate[] = [];
  const spread: Rate[] = [];
  const hotOnFour: Rate[] = [];
  const baseline: Rate[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      hot.push(await ledgerRun(adminUrl, 1));
      spread.push(await ledgerRun(adminUrl, 100));
      hotOnFour.push(await ledgerRun(adminUrl, 1, 4));
      baseline.push(await naiveBaseline(adminUrl));
    }
  } finally {
    await cluster?.stop();
  }
  const result = {
    machine: describeMachine(),
    runs: RUNS,
    secondsPerRun: SECONDS,
    inFlight: IN_FLIGHT,
    pool: POOL,
    hotOrgChargesPerSec: round(median(hot.map((run) => run.perSec)), 0),
    spreadChargesPerSec: round(median(spread.map((run) => run.perSec)), 0),
    p50Ms: round(median(hot.map((run) => run.p50)), 2),
    p99Ms: round(median(hot.map((run) => run.p99)), 2),
    spreadP99Ms: round(median(spread.map((run) => run.p99)), 2),
    hotOrgOnFourServersChargesPerSec: round(median(hotOnFour.map((run) => run.perSec)), 0),
    hotOrgOnFourServersP99Ms: round(median(hotOnFour.map((run) => run.p99)), 2),
    baselineChargesPerSec: round(median(baseline.map((run) => run.perSec)), 0),
  };
  console.log(
    `\nLedger on PostgreSQL (durable) on ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}`,
  );
  console.table({
    'one hot org': {
      'charges/s': result.hotOrgChargesPerSec,
      'p50 ms': result.p50Ms,
      'p99 ms': result.p99Ms,
      target: '≥ 2,000/s',
    },
    'spread over 100 orgs': {
      'charges/s': result.spreadChargesPerSec,
      'p99 ms': result.spreadP99Ms,
      target: '≥ 5,000/s',
    },
    'one hot org, 4 servers': {
      'charges/s': result.hotOrgOnFourServersChargesPerSec,
      'p99 ms': result.hotOrgOnFourServersP99Ms,
    },
    'naive baseline (hot org)': {
      'charges/s': result.baselineChargesPerSec,
      'hot ÷ baseline': round(result.hotOrgChargesPerSec / result.baselineChargesPerSec, 1),
      target: '× 3',
    },
  });
  writeResults('postgres', result);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPostgres();
