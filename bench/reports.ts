/**
 * Reports on a large history (`npm run bench:seed` first): the real server (`node
 * dist/src/main.js`) on the seeded SQLite database, asked one request at a time, so each figure is
 * a report's own latency over loopback HTTP. For the big org (a fifth of all entries) and a
 * typical one, every report: usage (a month by day, split by each dimension in turn; a year by
 * month split by project), the statement of each month, monthly cards, totals, insight and a
 * project's analytics. Then the whole activity log of the big org as CSV: rows per second and the
 * server's peak RSS (VmHWM).
 *
 * Several runs; the figures are medians of the runs' p95s. Writes bench/results/reports.json.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describeMachine } from './machine.js';
import { writeResults } from './results.js';
import { benchDataDir, BIG_ORG, orgIdOf, SEED_ROOT_KEY, TYPICAL_ORG } from './seed-plan.js';
import { median, percentile, round } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 60);
const distDir = join(import.meta.dirname, '..');

const REPORTS = ['usage', 'statement', 'months', 'totals', 'insights', 'project'] as const;
type Report = (typeof REPORTS)[number];
const GROUPS = ['feature', 'project', 'user', 'model', 'kind'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startTally(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(distDir, 'src/main.js')], {
    env: {
      ...process.env,
      TALLY_DATA_DIR: dataDir,
      TALLY_ROOT_KEY: SEED_ROOT_KEY,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      TALLY_RATE_LIMIT: '1000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Tally listening on')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
  });
  return child;
}

/** The months of the seeded year, "YYYY-MM", oldest first, from the org's cards. */
async function monthsOf(get: (path: string) => Promise<unknown>, org: string): Promise<string[]> {
  const cards = (await get(`/v1/orgs/${org}/reports/months?count=13`)) as {
    data: { month: string }[];
  };
  return cards.data.map((card) => card.month).reverse();
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The request paths of one report, varied from one request to the next. */
function pathsFor(report: Report, org: string, months: string[], count: number): string[] {
  const base = `/v1/orgs/${org}`;
  const paths: string[] = [];
  for (let n = 0; n < count; n += 1) {
    const month = months[n % months.length] as string;
    const from = `${month}-01`;
    switch (report) {
      case 'usage':
        paths.push(
          n % 4 === 3
            ? `${base}/reports/usage?from=${months[0]}-01&to=${addDays(from, 31)}&interval=month&groupBy=project`
            : `${base}/reports/usage?from=${from}&to=${addDays(from, 30)}&groupBy=${GROUPS[n % GROUPS.length]}`,
        );
        break;
      case 'statement':
        paths.push(`${base}/reports/statement?month=${month}`);
        break;
      case 'months':
        paths.push(`${base}/reports/months?count=4`);
        break;
      case 'totals':
        paths.push(`${base}/reports/totals?from=${from}&to=${addDays(from, 30)}`);
        break;
      case 'insights':
        paths.push(`${base}/reports/insights?days=30`);
        break;
      case 'project':
        paths.push(`${base}/projects/event-${(n % 300) + 1}/report?interval=week`);
        break;
    }
  }
  return paths;
}

/** Asks each path once, in turn; answers each request's milliseconds. */
async function timeSequentially(url: string, paths: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (const path of paths) {
    const started = performance.now();
    const response = await fetch(`${url}${path}`, {
      headers: { authorization: `Bearer ${SEED_ROOT_KEY}` },
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

/** The whole log of one org as CSV: rows per second as the client counts them. */
async function timeCsv(url: string, org: string): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/orgs/${org}/transactions.csv`, {
    headers: { authorization: `Bearer ${SEED_ROOT_KEY}` },
  });
  if (!response.ok || !response.body) throw new Error(`CSV export: ${response.status}`);
  let lines = 0;
  for await (const chunk of response.body) {
    for (const byte of chunk as Uint8Array) if (byte === 10) lines += 1;
  }
  return { rows: lines - 1, seconds: (performance.now() - started) / 1000 };
}

function peakRssMiB(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return round(kib / 1024, 1);
}

export async function benchReports(): Promise<void> {
  const dataDir = benchDataDir();
  const path = join(dataDir, 'tally.db');
  if (!existsSync(path)) {
    console.log(
      `Reports benchmark skipped: no seeded history at ${path}; run \`npm run bench:seed\``,
    );
    return;
  }
  const db = new Database(path, { readonly: true });
  const entries = Number(
    (db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n,
  );
  const perOrg = db
    .prepare('SELECT org_id, count(*) AS n FROM entries WHERE org_id IN (?, ?) GROUP BY org_id')
    .all(orgIdOf(BIG_ORG), orgIdOf(TYPICAL_ORG)) as { org_id: string; n: number }[];
  db.close();
  const machine = describeMachine();
  console.log(`Reports on ${entries.toLocaleString('en-US')} entries (${JSON.stringify(perOrg)})`);

  const p95s = new Map<string, number[]>();
  const csvRates: number[] = [];
  const csvRss: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const port = await freePort();
    const server = await startTally(dataDir, port);
    const url = `http://127.0.0.1:${port}`;
    const get = async (path: string) =>
      (
        await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${SEED_ROOT_KEY}` } })
      ).json();
    try {
      for (const index of [BIG_ORG, TYPICAL_ORG]) {
        const org = orgIdOf(index);
        const months = await monthsOf(get, org);
        for (const report of REPORTS) {
          const paths = pathsFor(report, org, months, REQUESTS);
          await timeSequentially(url, paths.slice(0, 5)); // warm up
          const times = (await timeSequentially(url, paths)).sort((a, b) => a - b);
          const key = `${report}:${index === BIG_ORG ? 'big' : 'typical'}`;
          p95s.set(key, [...(p95s.get(key) ?? []), percentile(times, 0.95)]);
          console.log(
            `run ${run + 1} ${key}: p50 ${round(percentile(times, 0.5), 2)} ms, p95 ${round(percentile(times, 0.95), 2)} ms`,
          );
        }
      }
      const csv = await timeCsv(url, orgIdOf(BIG_ORG));
      const rate = csv.rows / csv.seconds;
      csvRates.push(rate);
      csvRss.push(peakRssMiB(server.pid));
      console.log(
        `run ${run + 1} CSV: ${csv.rows.toLocaleString('en-US')} rows in ${round(csv.seconds, 2)} s, ${Math.round(rate).toLocaleString('en-US')} rows/s, server peak RSS ${csvRss[csvRss.length - 1]} MiB`,
      );
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  }

  const worst = (report: Report) =>
    round(
      Math.max(
        median(p95s.get(`${report}:big`) ?? [0]),
        median(p95s.get(`${report}:typical`) ?? [0]),
      ),
      2,
    );
  const figures = {
    machine,
    runs: RUNS,
    requestsPerReport: REQUESTS,
    entries,
    usageReportP95Ms: worst('usage'),
    statementP95Ms: worst('statement'),
    monthsP95Ms: worst('months'),
    totalsP95Ms: worst('totals'),
    insightsP95Ms: worst('insights'),
    projectP95Ms: worst('project'),
    csvRowsPerSec: Math.round(median(csvRates)),
    csvPeakRssMiB: median(csvRss),
    p95MsByOrg: Object.fromEntries(
      [...p95s].map(([key, values]) => [key, round(median(values), 2)]),
    ),
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(`Written to ${writeResults('reports', figures)}`);
}

if (/reports\.(js|ts)$/.test(process.argv[1] ?? '')) await benchReports();
