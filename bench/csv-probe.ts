/**
 * The activity log's CSV export on the embedded SQLite store, measured two ways:
 * - in-process, page by page: CPU per row spent reading the store (`ledger.transactions`) and
 *   writing the CSV (`transactionsCsv`), to tell which side bounds the export;
 * - end to end: the real server in a process of its own streams `GET …/transactions.csv` to a
 *   client that counts the rows; rows per second, and the server's peak RSS (its idle RSS too).
 *
 * `npx tsx bench/csv-probe.ts [rows]` (default 300,000 charges; filling takes a while), or
 * `probeCsvExport(rows)` from another benchmark. CPU times are the figures to compare across runs
 * on a busy machine; wall-clock rates depend on what else runs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credits } from '../src/core/amount.js';
import type { TransactionCursor } from '../src/ledger/ports.js';
import { openLedger, startServer } from '../src/main.js';
import { transactionsCsv } from '../src/reports/transactions-csv.js';
import { describeMachine } from './machine.js';
import { round } from './stats.js';

const ROOT_KEY = 'tly_root_csv_probe';
const IN_FLIGHT = 256;
const PAGE = 1000;

interface ServerReport {
  peakRssMiB: number;
  rssMiB: number;
  cpuSeconds: number;
}

/** A ledger of one org with `rows` charges (and one grant), attributed like real ones. */
async function fill(dataDir: string, rows: number): Promise<string> {
  const { ledger, close } = await openLedger({ dataDir });
  await ledger.setFeature({
    id: 'text-to-image',
    name: 'Text to image',
    prices: [{ unit: 'action', credits: credits(8) }],
    effectiveAt: 0,
  });
  const org = await ledger.createOrg({ name: 'CSV probe' });
  if (!org.ok) throw new Error(org.refusal.message);
  await ledger.grant(org.value.id, { kind: 'purchase', credits: credits(1_000_000_000) });
  for (let project = 0; project < 11; project += 1) {
    await ledger.createProject(org.value.id, { id: `event-${project}`, name: `Event ${project}` });
  }
  let next = 0;
  const worker = async () => {
    while (next < rows) {
      const index = next++;
      const charged = await ledger.charge(org.value.id, {
        feature: 'text-to-image',
        user: `user-${index % 97}`,
        model: 'sdxl',
        ...(index % 3 === 0 ? { project: `event-${index % 11}` } : {}),
        ...(index % 5 === 0 ? { note: `batch ${index}, "retake" — ünïcødé` } : {}),
        ...(index % 7 === 0 ? { metadata: { job: index } } : {}),
      });
      if (!charged.ok) throw new Error(charged.refusal.message);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await close();
  return org.value.id;
}

/** CPU microseconds per row for reading the log and for writing it as CSV, over every page. */
async function inProcess(dataDir: string, org: string) {
  const { ledger, close } = await openLedger({ dataDir });
  const cpuMs = (since?: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let cursor: TransactionCursor | undefined;
  let rows = 0;
  let readMs = 0;
  let csvMs = 0;
  let lastPageMs = 0;
  for (;;) {
    const reading = process.cpuUsage();
    const started = performance.now();
    const page = await ledger.transactions(org, {}, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    lastPageMs = performance.now() - started;
    readMs += cpuMs(reading);
    if (!page.ok) throw new Error(page.refusal.message);
    const writing = process.cpuUsage();
    Buffer.byteLength(transactionsCsv(page.value.data)); // as the socket would take it
    csvMs += cpuMs(writing);
    rows += page.value.data.length;
    if (!page.value.nextCursor) break;
    cursor = page.value.nextCursor;
  }
  await close();
  return {
    rows,
    readCpuMicrosPerRow: round((readMs * 1000) / rows),
    csvCpuMicrosPerRow: round((csvMs * 1000) / rows),
    csvRowsPerCpuSecond: Math.round(rows / (csvMs / 1000)),
    lastPageReadMs: round(lastPageMs),
  };
}

function reportOf(child: ChildProcess): Promise<ServerReport> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message as ServerReport));
    child.send('report');
  });
}

async function endToEnd(dataDir: string, org: string) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dataDir], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve(String(message)));
    child.once('exit', () => reject(new Error('the server exited')));
  });
  const idle = await reportOf(child);
  const started = performance.now();
  const answer = await fetch(`${url}/v1/orgs/${org}/transactions.csv`, {
    headers: { authorization: `Bearer ${ROOT_KEY}` },
  });
  if (!answer.ok || !answer.body) throw new Error(`export answered ${answer.status}`);
  let lines = 0;
  let bytes = 0;
  for await (const chunk of answer.body) {
    bytes += chunk.length;
    // The probe's notes hold no line breaks: one per record.
    for (let index = 0; index < chunk.length; index += 1) if (chunk[index] === 0x0a) lines += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  const after = await reportOf(child);
  child.kill('SIGTERM');
  return {
    rows: lines - 1,
    megabytes: round(bytes / 1e6),
    seconds: round(seconds),
    rowsPerSec: Math.round((lines - 1) / seconds),
    serverRowsPerCpuSecond: Math.round((lines - 1) / (after.cpuSeconds - idle.cpuSeconds)),
    serverIdleRssMiB: idle.rssMiB,
    serverPeakRssMiB: after.peakRssMiB,
  };
}

export async function probeCsvExport(rows = 300_000) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-csv-probe-'));
  try {
    const filling = performance.now();
    const org = await fill(dataDir, rows);
    const fillSeconds = round((performance.now() - filling) / 1000);
    return {
      machine: describeMachine(),
      fillSeconds,
      inProcess: await inProcess(dataDir, org),
      endToEnd: await endToEnd(dataDir, org),
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The server side of `endToEnd`: started by fork, it reports its memory and CPU when asked. */
async function serve(dataDir: string): Promise<void> {
  const log = console.log;
  console.log = () => undefined;
  const server = await startServer({
    TALLY_DATA_DIR: dataDir,
    TALLY_ROOT_KEY: ROOT_KEY,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
  });
  console.log = log;
  process.on('message', () => {
    const cpu = process.cpuUsage();
    const report: ServerReport = {
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    process.send?.(report);
  });
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
  process.send?.(server.url);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--serve') await serve(process.argv[3] ?? '');
  else
    console.log(JSON.stringify(await probeCsvExport(Number(process.argv[2] ?? 300_000)), null, 2));
}
