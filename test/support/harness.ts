/** A ledger on a real SQLite file in a temp folder, with a clock the test moves by hand. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedger, type Ledger } from '../../src/ledger/ledger.js';
import type { Clock, IdGenerator } from '../../src/ledger/ports.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/sqlite-store.js';

export class ManualClock implements Clock {
  constructor(public current: number) {}
  now(): number {
    return this.current;
  }
  set(iso: string): void {
    this.current = Date.parse(iso);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export class SequentialIds implements IdGenerator {
  private count = 0;
  next(prefix: string): string {
    this.count += 1;
    return `${prefix}${String(this.count).padStart(8, '0')}`;
  }
}

export function tempDir(name = 'tally-test-'): string {
  return mkdtempSync(join(tmpdir(), name));
}

export interface TestLedger {
  ledger: Ledger;
  clock: ManualClock;
  store: SqliteStore;
  path: string;
  close(): Promise<void>;
}

export function testLedger(
  startIso = '2026-01-01T00:00:00Z',
  options: Partial<SqliteStoreOptions> = {},
): TestLedger {
  const dir = tempDir();
  const path = join(dir, 'tally.db');
  const store = new SqliteStore({ path, ...options });
  const clock = new ManualClock(Date.parse(startIso));
  const ledger = createLedger({ store, clock, ids: new SequentialIds() });
  return {
    ledger,
    clock,
    store,
    path,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
