/**
 * Rule 9 under fire. A writer under load (charges, holds, captures, voids, refunds and grants on
 * two orgs, one of them always short of credits) is killed with SIGKILL at random moments, 24
 * times, and restarted on the same file each time; each new writer first sends again, with the
 * same idempotency keys, what the killed one left unanswered. After every kill the file is read
 * before anything else opens it: every acknowledged write is there with its amounts, nothing is
 * half-written, each key took effect at most once, and the engine's balance agrees with the
 * grants. A last writer drains the retries and exits cleanly: then every key took effect exactly
 * once.
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { credits } from '../src/core/amount.js';
import { periodOf } from '../src/core/period.js';
import { createLedger } from '../src/ledger/ledger.js';
import { randomIds, systemClock } from '../src/ledger/system.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Report, Request } from './support/crash-worker.js';
import { tempDir } from './support/harness.js';
import { inspectFile, type FileReport } from './support/ledger-files.js';

const KILLS = 24;
/** Some kills land while the writer is still starting: opening the file, recovering the WAL. */
const EARLY_KILLS = 4;
const PRICES = { image: credits(2), erase: credits(7) };

const root = fileURLToPath(new URL('..', import.meta.url));
const workerScript = fileURLToPath(new URL('./support/crash-worker.ts', import.meta.url));

type Answer = Exclude<Report, { t: 'send' }>;

interface Round {
  acks: number;
  /** Writes sent and not answered when the writer died. */
  inFlight: number;
}

describe('kill -9 under load', () => {
  const dir = tempDir('tally-crash-');
  const path = join(dir, 'tally.db');
  const children = new Set<ReturnType<typeof spawn>>();
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every request ever sent, those still unanswered, and the answer of each answered one. */
  const sent = new Map<string, Request>();
  const pending = new Map<string, Request>();
  const answers = new Map<string, Answer>();
  let replayedRetries = 0;

  /**
   * Runs one writer. `kill` says when to kill it: so long after it is ready, or after it is
   * spawned; without it the writer only drains the retries and must exit on its own.
   */
  function runWriter(
    orgs: string[],
    round: number,
    kill?: { afterFirstAckMs: number } | { afterSpawnMs: number },
  ): Promise<Round> {
    const retriesPath = join(dir, `retries-${round}.json`);
    const retried = new Set(pending.keys());
    writeFileSync(retriesPath, JSON.stringify([...pending.values()]));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', workerScript, path, retriesPath, kill ? 'load' : 'drain', ...orgs],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    let acks = 0;
    let buffer = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const killLater = (ms: number) => (timer = setTimeout(() => child.kill('SIGKILL'), ms));
    if (kill && 'afterSpawnMs' in kill) killLater(kill.afterSpawnMs);
    const failures: string[] = [];
    const onLine = (line: string) => {
      if (line === 'ready') {
        // A writer that never gets going is killed all the same; the round then counts no acks.
        if (kill && 'afterFirstAckMs' in kill) killLater(15_000);
        return;
      }
      const report = JSON.parse(line) as Report;
      if (report.t === 'send') {
        sent.set(report.req.key, report.req);
        pending.set(report.req.key, report.req);
        return;
      }
      if (answers.has(report.key)) failures.push(`${report.key} answered twice`);
      if (!pending.delete(report.key)) failures.push(`${report.key} answered but never sent`);
      answers.set(report.key, report);
      if (report.t === 'ack') {
        acks += 1;
        if (acks === 1 && kill && 'afterFirstAckMs' in kill) {
          clearTimeout(timer);
          killLater(kill.afterFirstAckMs);
        }
        if (report.replayed && retried.has(report.key)) replayedRetries += 1;
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      // A line cut by the kill has no newline: it was never acknowledged.
      buffer = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    return new Promise((resolve, reject) => {
      child.once('close', (code, signal) => {
        children.delete(child);
        clearTimeout(timer);
        if (failures.length > 0) return reject(new Error(failures.join('\n')));
        const expected = kill ? signal === 'SIGKILL' : code === 0;
        if (!expected) return reject(new Error(`writer ended with ${code ?? signal}: ${err}`));
        resolve({ acks, inFlight: pending.size });
      });
    });
  }

  /** Every acknowledged write is in the file as acknowledged; nothing took effect twice. */
  function checkAnswers(file: FileReport): void {
    const rowTypes = { charge: 'usage', hold: 'hold', grant: 'grant', refund: 'refund' } as const;
    for (const [key, req] of sent) {
      const answer = answers.get(key);
      const where = `${req.op} ${key}`;
      if (req.op in rowTypes) {
        const count = file.notes.get(`${rowTypes[req.op as keyof typeof rowTypes]} ${key}`) ?? 0;
        if (answer?.t === 'ack') expect(count, where).toBe(1);
        else expect(count, where).toBeLessThanOrEqual(1);
      }
      if (!answer) continue;
      if (answer.t === 'nack') {
        // Refused with nothing written: only for reasons the test can confirm.
        if (req.op === 'capture' || req.op === 'void') {
          if (answer.code === 'hold_not_pending') {
            expect(file.holds.get(req.holdId)?.status, where).toBe('voided');
          } else {
            expect([req.op, answer.code], where).toEqual(['capture', 'insufficient_credits']);
          }
        } else if (req.op === 'grant' && req.expiresAt !== null) {
          expect(answer.code, where).toBe('invalid_request'); // retried after its expiry
        } else {
          throw new Error(`${where} refused: ${answer.code}`);
        }
        continue;
      }
      if (answer.code !== undefined) {
        // A refusal for lack of credits, written to the log.
        expect(answer.code, where).toBe('insufficient_credits');
        expect(['charge', 'hold']).toContain(req.op);
        const row = file.transactions.get(answer.transactionId ?? '');
        expect(row?.status, where).toBe('refused');
        expect(row?.note, where).toBe(key);
        continue;
      }
      const id = answer.id ?? '';
      const amount = BigInt(answer.credits ?? 'x');
      switch (req.op) {
        case 'charge': {
          const price = PRICES[req.feature] * BigInt(req.quantity);
          expect(amount, where).toBe(-price);
          expect(file.transactions.get(id), where).toMatchObject({
            type: 'usage',
            status: 'succeeded',
            credits: -price,
            note: key,
          });
          break;
        }
        case 'hold':
          expect(amount, where).toBe(BigInt(req.credits));
          expect(file.holds.get(id), where).toMatchObject({ credits: amount, note: key });
          break;
        case 'capture':
          expect(amount, where).toBe(-BigInt(req.credits));
          expect(file.transactions.get(id), where).toMatchObject({
            type: 'usage',
            status: 'succeeded',
            credits: amount,
            holdId: req.holdId,
          });
          expect(file.holds.get(req.holdId), where).toMatchObject({
            status: 'captured',
            chargeId: id,
          });
          break;
        case 'void':
          expect(id, where).toBe(req.holdId);
          expect(file.holds.get(req.holdId)?.status, where).toBe('voided');
          break;
        case 'refund':
          expect(amount, where).toBe(BigInt(req.credits));
          expect(file.transactions.get(id), where).toMatchObject({
            type: 'refund',
            credits: amount,
            chargeId: req.chargeId,
            note: key,
          });
          break;
        case 'grant':
          expect(amount, where).toBe(BigInt(req.credits));
          expect(file.grants.get(id), where).toMatchObject({
            amount,
            kind: req.kind,
            note: key,
          });
          break;
      }
    }
  }

  /** Reads the file as the crash left it, then opens it with the engine: rule 2 both ways. */
  async function checkFile(orgs: string[]): Promise<void> {
    const file = inspectFile(path);
    expect(file.integrity).toBe('ok');
    expect(file.violations).toEqual([]);
    checkAnswers(file);

    const store = new SqliteStore({ path });
    const ledger = createLedger({ store, clock: systemClock, ids: randomIds });
    try {
      for (const org of orgs) {
        const totals = file.orgs.get(org);
        if (!totals) throw new Error(`org ${org} is missing`);
        // At the org's clock everything due is written: the engine and the grants agree exactly.
        const atClock = await ledger.balance(org, Number(totals.clock));
        if (!atClock.ok) throw new Error(atClock.refusal.message);
        expect(atClock.value.available).toBeGreaterThanOrEqual(0n);
        expect(atClock.value.held).toBe(totals.held);
        expect(atClock.value.available + atClock.value.held).toBe(totals.remaining);
        // Now, expiries and lapsed holds not yet written may only take from the pool.
        const now = await ledger.balance(org);
        if (!now.ok) throw new Error(now.refusal.message);
        expect(now.value.available).toBeGreaterThanOrEqual(0n);
        expect(now.value.available + now.value.held).toBeLessThanOrEqual(totals.remaining);
        // Rollups are written in the same transactions as the rows they sum: a kill leaves
        // them equal to a recomputation from the rows.
        const kept = await store.allRollups(org);
        await store.rebuildRollups(org);
        expect(await store.allRollups(org)).toEqual(kept);
      }
    } finally {
      await store.close();
    }
  }

  it(`keeps every acknowledged write through ${KILLS} kills`, async () => {
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
    const orgs: string[] = [];
    // The allowance renews at the month's end: stay clear of it so that no lot appears unwritten.
    const now = Date.now();
    const timeZone = periodOf(now, 'UTC').end - now > 3_600_000 ? 'UTC' : 'Pacific/Kiritimati';
    // A booth with plenty of credits, and one that keeps running short.
    for (const [name, pack] of [
      ['Booth A', 1_000_000],
      ['Booth B', 40],
    ] as const) {
      const org = await ledger.createOrg({
        name,
        timeZone,
        allowance: { credits: credits(30) },
      });
      if (!org.ok) throw new Error(org.refusal.message);
      const granted = await ledger.grant(org.value.id, {
        kind: 'purchase',
        credits: credits(pack),
      });
      expect(granted.ok).toBe(true);
      orgs.push(org.value.id);
    }
    await store.close();

    const rounds: Round[] = [];
    for (let round = 0; round < KILLS; round += 1) {
      const early = round % Math.floor(KILLS / EARLY_KILLS) === 1;
      const kill = early
        ? { afterSpawnMs: Math.floor(Math.random() * 400) }
        : { afterFirstAckMs: Math.floor(Math.random() * 500) };
      rounds.push(await runWriter(orgs, round, kill));
      await checkFile(orgs);
    }
    const unansweredAtLastKill = pending.size;
    await runWriter(orgs, KILLS);
    expect(pending.size).toBe(0);
    await checkFile(orgs);

    // The kills landed under load, with writes in flight.
    expect(rounds.filter((round) => round.acks > 0).length).toBeGreaterThanOrEqual(
      KILLS - EARLY_KILLS,
    );
    expect(rounds.filter((round) => round.inFlight > 0).length).toBeGreaterThanOrEqual(KILLS / 2);
    const acked = [...answers.values()].filter((answer) => answer.t === 'ack').length;
    const byOp = new Map<string, number>();
    for (const [key, answer] of answers) {
      const op = sent.get(key)?.op ?? '?';
      const what = answer.t === 'nack' ? `${op} not done` : answer.code ? `${op} refused` : op;
      byOp.set(what, (byOp.get(what) ?? 0) + 1);
    }
    // Refusals for lack of credits happened, and were logged, on the short org.
    expect(byOp.get('charge refused') ?? 0).toBeGreaterThan(0);
    console.log(
      `crash: ${KILLS} kills (${EARLY_KILLS} while starting), ${sent.size} writes sent, ` +
        `${acked} acknowledged and checked after every kill, ` +
        `${rounds.reduce((total, round) => total + round.inFlight, 0)} in flight at kills, ` +
        `${replayedRetries} retries found already committed, ` +
        `${unansweredAtLastKill} drained at the end, ${Date.now() - started} ms; ` +
        [...byOp].map(([what, count]) => `${count} ${what}`).join(', '),
    );
  });
});
