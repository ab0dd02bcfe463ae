/**
 * Rule 9 under fire: a writer is killed with SIGKILL at random moments, 20 times, each time
 * restarted on the same file. After every kill the file is checked: every acknowledged write is
 * there with its amount, nothing is half-written, and balances still equal the grant remainders.
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

const KILLS = 20;

interface Ack {
  id: string;
  credits: string;
  org: string;
}

/** Runs a writer until it has acknowledged a few writes, then kills it at a random moment. */
function runAndKill(path: string, orgs: string[]): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('test', 'support', 'crash-worker.ts'), path, ...orgs],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    let killTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!killTimer && out.includes('ready\n')) {
        killTimer = setTimeout(() => child.kill('SIGKILL'), 50 + Math.random() * 400);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer died on its own: ${err}`));
      // Only whole lines were written after an acknowledgement; a cut last line is not one.
      const lines = out
        .split('\n')
        .slice(0, -1)
        .filter((line) => line.startsWith('{'));
      resolve(lines.map((line) => JSON.parse(line) as Ack));
    });
  });
}

describe('kill -9 under load', () => {
  const dir = tempDir('tally-crash-');
  const path = join(dir, 'tally.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged write through ${KILLS} kills`, async () => {
    const store = new SqliteStore({ path });
    const ledger = createLedger({ store, clock: systemClock, ids: randomIds });
    await ledger.setFeature({
      id: 'image',
      name: 'Image',
      prices: [{ unit: 'action', credits: credits(2) }],
      effectiveAt: 0,
    });
    const orgs: string[] = [];
    for (const name of ['Booth A', 'Booth B']) {
      const org = await ledger.createOrg({ name, allowance: { credits: credits(1500) } });
      if (!org.ok) throw new Error(org.refusal.message);
      await ledger.grant(org.value.id, { kind: 'purchase', credits: credits(1_000_000) });
      orgs.push(org.value.id);
    }
    await store.close();

    const acknowledged: Ack[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      acknowledged.push(...(await runAndKill(path, orgs)));
      const file = checkFile(path);
      expect(file.integrity).toBe('ok');
      expect(file.rowMismatches).toEqual([]);
      expect(file.grantMismatches).toEqual([]);
      expect(file.negative).toEqual([]);
      for (const ack of acknowledged) {
        if (ack.id.startsWith('grant:')) continue;
        expect(file.rows.get(ack.id)?.credits, `acknowledged ${ack.id}`).toBe(BigInt(ack.credits));
      }
      const reopened = new SqliteStore({ path });
      const after = createLedger({ store: reopened, clock: systemClock, ids: randomIds });
      for (const org of orgs) {
        const balance = await after.balance(org);
        if (!balance.ok) throw new Error(balance.refusal.message);
        const totals = grantTotals(path, org);
        expect(balance.value.available + balance.value.held).toBe(totals.remaining);
        expect(balance.value.held).toBe(totals.held);
      }
      await reopened.close();
    }
    expect(acknowledged.length).toBeGreaterThan(KILLS);
    console.log(`crash test: ${KILLS} kills, ${acknowledged.length} acknowledged writes checked`);
  });
});
