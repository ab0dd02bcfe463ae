/**
 * A race: 8 processes charge one org on one database file at once, each with several charges in
 * flight (so that group commit batches them), asking for about twice what the pool holds. Some
 * keys are retried after their answer, some sent twice at once, and some sent by every process at
 * the same moment. Afterwards the file must show: no overspend, rule 2 grant by grant, every
 * acknowledged charge exactly once, every refusal justified, and no key charged twice.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { credits } from '../src/core/amount.js';
import { periodOf } from '../src/core/period.js';
import { createLedger } from '../src/ledger/ledger.js';
import { randomIds, systemClock } from '../src/ledger/system.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './support/harness.js';
import { inspectFile } from './support/ledger-files.js';
import type { Answer } from './support/race-worker.js';

const WORKERS = 8;
const CHARGES_PER_WORKER = 150;
const SHARED_KEYS = 12;
/** 1,500 free credits and a 2,500-credit pack: about half of what the workers ask for. */
const ALLOWANCE = credits(1500);
const PACK = credits(2500);
const POOL = ALLOWANCE + PACK;
const PRICES = { image: credits(8), erase: credits(3) };

const root = fileURLToPath(new URL('..', import.meta.url));
const workerScript = fileURLToPath(new URL('./support/race-worker.ts', import.meta.url));

interface Worker {
  child: ChildProcessWithoutNullStreams;
  answers: Answer[];
  ready: Promise<void>;
  done: Promise<void>;
}

function startWorker(path: string, org: string, index: number): Worker {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      workerScript,
      path,
      org,
      String(index),
      String(CHARGES_PER_WORKER),
      String(SHARED_KEYS),
    ],
    { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin.on('error', () => undefined); // a worker that died early: its exit tells why
  const answers: Answer[] = [];
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') markReady();
    else answers.push(JSON.parse(line) as Answer);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`worker ${index} ended with ${code ?? signal}: ${err}`));
    });
  });
  // A worker that dies before it is ready must not leave the race waiting.
  done.catch(() => markReady());
  return { child, answers, ready, done };
}

const sameOutcome = (a: Answer, b: Answer | undefined) =>
  b !== undefined &&
  a.id === b.id &&
  a.credits === b.credits &&
  a.code === b.code &&
  a.transactionId === b.transactionId;

describe('a race of processes on one org', () => {
  const dir = tempDir('tally-race-');
  const path = join(dir, 'tally.db');
  const workers: Worker[] = [];
  afterAll(() => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${WORKERS} processes never overspend and keep every acknowledged charge exactly once`, async () => {
    const started = Date.now();
    const store = new SqliteStore({ path });
    const ledger = createLedger({ store, clock: systemClock, ids: randomIds });
    for (const [id, price] of Object.entries(PRICES)) {
      await ledger.setFeature({
        id,
        name: id,
        prices: [{ unit: 'action', credits: price }],
        effectiveAt: 0,
      });
    }
    // The allowance renews at the month's end: stay clear of it so that the pool stays put.
    const now = Date.now();
    const timeZone = periodOf(now, 'UTC').end - now > 3_600_000 ? 'UTC' : 'Pacific/Kiritimati';
    const org = await ledger.createOrg({
      name: 'Race',
      timeZone,
      allowance: { credits: ALLOWANCE },
    });
    if (!org.ok) throw new Error(org.refusal.message);
    const orgId = org.value.id;
    const pack = await ledger.grant(orgId, { kind: 'purchase', credits: PACK });
    expect(pack.ok).toBe(true);

    for (let index = 0; index < WORKERS; index += 1) workers.push(startWorker(path, orgId, index));
    await Promise.all(workers.map((worker) => worker.ready));
    for (const worker of workers) worker.child.stdin.end('go\n');

    // While they race, this process reads the balance: never negative, never rising.
    const readings: bigint[] = [];
    let racing = true;
    const finished = Promise.all(workers.map((worker) => worker.done)).finally(
      () => (racing = false),
    );
    finished.catch(() => undefined); // awaited below; a worker's failure fails the test there
    while (racing) {
      const balance = await ledger.balance(orgId);
      if (!balance.ok) throw new Error(balance.refusal.message);
      expect(balance.value.held).toBe(0n);
      readings.push(balance.value.available);
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 25))]);
    }
    await finished;
    await store.close();
    expect(readings.every((reading) => reading >= 0n && reading <= POOL)).toBe(true);
    expect(
      readings.every((reading, index) => index === 0 || reading <= (readings[index - 1] ?? 0n)),
    ).toBe(true);

    const answers = workers.flatMap((worker) => worker.answers);
    const firsts = answers.filter((answer) => answer.role === 'first');
    const ownKeys = new Set(firsts.filter((a) => !a.key.startsWith('shared-')).map((a) => a.key));
    expect(ownKeys.size).toBe(WORKERS * CHARGES_PER_WORKER);

    // Each key is decided by exactly one answer that is not a replay; all others repeat it.
    const decisive = new Map<string, Answer>();
    for (const answer of firsts) {
      if (answer.replayed) continue;
      expect(decisive.has(answer.key), `${answer.key} decided twice`).toBe(false);
      decisive.set(answer.key, answer);
    }
    expect(decisive.size).toBe(WORKERS * CHARGES_PER_WORKER + SHARED_KEYS);
    const sharedAnswers = firsts.filter((answer) => answer.key.startsWith('shared-'));
    expect(sharedAnswers).toHaveLength(WORKERS * SHARED_KEYS);
    for (const answer of sharedAnswers) {
      expect(sameOutcome(answer, decisive.get(answer.key)), answer.key).toBe(true);
    }
    const retries = answers.filter((answer) => answer.role === 'retry');
    const twins = answers.filter((answer) => answer.role === 'twin');
    expect(retries.length).toBeGreaterThan(0);
    expect(twins.length).toBeGreaterThan(0);
    for (const retry of retries) {
      expect(retry.replayed, retry.key).toBe(true);
      expect(sameOutcome(retry, decisive.get(retry.key)), retry.key).toBe(true);
    }
    for (const twin of twins) {
      if (twin.replayed) expect(sameOutcome(twin, decisive.get(twin.key)), twin.key).toBe(true);
      else expect(twin.code, twin.key).toBe('idempotency_key_in_use');
    }

    const acks = [...decisive.values()].filter((answer) => answer.id !== undefined);
    const refusals = [...decisive.values()].filter((answer) => answer.id === undefined);
    expect(refusals.every((answer) => answer.code === 'insufficient_credits')).toBe(true);
    expect(acks.length).toBeGreaterThan(0);
    expect(refusals.length).toBeGreaterThan(0);
    const spent = acks.reduce((total, answer) => total + BigInt(answer.credits ?? 0), 0n);

    // The file, read directly.
    const file = inspectFile(path);
    expect(file.integrity).toBe('ok');
    expect(file.violations).toEqual([]);
    const totals = file.orgs.get(orgId);
    if (!totals) throw new Error('the org is missing');
    const grants = [...file.grants.values()].filter((grant) => grant.org === orgId);
    const pool = grants.reduce((total, grant) => total + grant.amount, 0n);
    expect(pool).toBe(POOL);
    // No overspend: what was acknowledged plus what is left is exactly the pool.
    expect(spent).toBeLessThanOrEqual(POOL);
    expect(totals.remaining).toBe(POOL - spent);
    expect(totals.entries).toBe(totals.remaining);
    expect(totals.held).toBe(0n);

    const rows = [...file.transactions.values()].filter((row) => row.org === orgId);
    const succeeded = rows.filter((row) => row.type === 'usage' && row.status === 'succeeded');
    const refused = rows.filter((row) => row.type === 'usage' && row.status === 'refused');
    expect(succeeded).toHaveLength(acks.length);
    expect(new Set(succeeded.map((row) => row.id))).toEqual(new Set(acks.map((a) => a.id)));
    for (const ack of acks) {
      const row = file.transactions.get(ack.id ?? '');
      expect(row?.credits, ack.key).toBe(-BigInt(ack.credits ?? 0));
      expect(row?.note, ack.id).toBe(ack.key);
    }
    expect(refused).toHaveLength(refusals.length);
    expect(new Set(refused.map((row) => row.id))).toEqual(
      new Set(refusals.map((answer) => answer.transactionId)),
    );
    // Exactly once per key: one log row and one kept response, retries and races included.
    for (const key of decisive.keys()) {
      expect(file.notes.get(`usage ${key}`), key).toBe(1);
      expect(file.storedKeys.has(`${orgId} ${key}`), key).toBe(true);
    }

    // Every refusal was justified, and nothing was refused while the price was still there.
    const finalAvailable = totals.remaining;
    for (const refusal of refusals) {
      const available = BigInt(refusal.available ?? -1);
      const required = BigInt(refusal.required ?? 0);
      expect(available).toBeGreaterThanOrEqual(0n);
      expect(available, refusal.key).toBeLessThan(required);
      expect(finalAvailable).toBeLessThanOrEqual(available);
    }

    // And the engine, on a fresh open of the file, agrees.
    const reopened = new SqliteStore({ path });
    const after = createLedger({ store: reopened, clock: systemClock, ids: randomIds });
    const balance = await after.balance(orgId);
    await reopened.close();
    if (!balance.ok) throw new Error(balance.refusal.message);
    expect(balance.value.available).toBe(finalAvailable);
    expect(balance.value.held).toBe(0n);
    expect(balance.value.available).toBeGreaterThanOrEqual(0n);

    console.log(
      `race: ${WORKERS} processes, ${answers.length} answers for ${decisive.size} keys, ` +
        `${acks.length} charges acknowledged, ${refusals.length} refused, ` +
        `${retries.length + twins.length + sharedAnswers.length - SHARED_KEYS} retries, ` +
        `${readings.length} concurrent reads, ${Date.now() - started} ms`,
    );
  });
});
