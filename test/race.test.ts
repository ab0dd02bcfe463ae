/**
 * A race: 8 processes charging one org on one database file at once, more than its credits can
 * pay for. No overspend, sums hold, every acknowledged charge is there exactly once, and retries
 * under the same idempotency key never charge twice.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credits } from '../src/core/amount.js';
import { createLedger } from '../src/ledger/ledger.js';
import { randomIds, systemClock } from '../src/ledger/system.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { tempDir } from './support/harness.js';
import { checkFile, grantTotals } from './support/ledger-files.js';

const WORKERS = 8;
const CHARGES_PER_WORKER = 60;
const POOL_CREDITS = 1000 + 600; // 200 charges of 8

interface Answer {
  kind: 'ack' | 'refused';
  key: string;
  id?: string;
  credits?: string;
  code?: string;
  replayed: boolean;
}

function runWorker(path: string, org: string, worker: number): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join('test', 'support', 'race-worker.ts'),
        path,
        org,
        String(worker),
        String(CHARGES_PER_WORKER),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`worker ${worker} exited ${code}: ${err}`));
      resolve(
        out
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Answer),
      );
    });
  });
}

describe('a race of processes on one org', () => {
  const dir = tempDir('tally-race-');
  const path = join(dir, 'tally.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never overspends and keeps every acknowledged charge exactly once', async () => {
    const store = new SqliteStore({ path });
    const ledger = createLedger({ store, clock: systemClock, ids: randomIds });
    await ledger.setFeature({
      id: 'image',
      name: 'Image',
      prices: [{ unit: 'action', credits: credits(8) }],
      effectiveAt: 0,
    });
    const org = await ledger.createOrg({ name: 'Race', allowance: { credits: credits(1000) } });
    if (!org.ok) throw new Error(org.refusal.message);
    const pack = await ledger.grant(org.value.id, { kind: 'purchase', credits: credits(600) });
    expect(pack.ok).toBe(true);
    await store.close();

    const answers = (
      await Promise.all(
        Array.from({ length: WORKERS }, (_, worker) => runWorker(path, org.value.id, worker)),
      )
    ).flat();

    const firsts = answers.filter(
      (answer) => !answer.replayed && answer.code !== 'idempotency_key_in_use',
    );
    const acked = firsts.filter((answer) => answer.kind === 'ack');
    const refused = firsts.filter((answer) => answer.kind === 'refused');
    // Every charge asked once for the first time answered exactly once, and demand exceeded the pool.
    expect(firsts).toHaveLength(WORKERS * CHARGES_PER_WORKER);
    expect(refused.every((answer) => answer.code === 'insufficient_credits')).toBe(true);
    expect(acked).toHaveLength(POOL_CREDITS / 8);

    // A retry answers what the first request answered, never a second charge.
    const byKey = new Map(firsts.map((answer) => [answer.key, answer]));
    for (const retry of answers.filter((answer) => answer.replayed)) {
      const first = byKey.get(retry.key);
      expect(retry.kind).toBe(first?.kind);
      if (retry.kind === 'ack') expect(retry.id).toBe(first?.id);
    }

    const file = checkFile(path);
    expect(file.integrity).toBe('ok');
    expect(file.grantMismatches).toEqual([]);
    expect(file.rowMismatches).toEqual([]);
    expect(file.negative).toEqual([]);
    const usage = [...file.rows.entries()].filter(([, row]) => row.type === 'usage');
    const succeeded = usage.filter(([, row]) => row.status === 'succeeded');
    expect(succeeded.map(([id]) => id).sort()).toEqual(acked.map((answer) => answer.id).sort());
    expect(usage.filter(([, row]) => row.status === 'refused')).toHaveLength(refused.length);

    const reopened = new SqliteStore({ path });
    const after = createLedger({ store: reopened, clock: systemClock, ids: randomIds });
    const balance = await after.balance(org.value.id);
    await reopened.close();
    if (!balance.ok) throw new Error(balance.refusal.message);
    expect(balance.value.available).toBe(0n);
    const totals = grantTotals(path, org.value.id);
    expect(totals.remaining).toBe(balance.value.available + balance.value.held);
  });
});
