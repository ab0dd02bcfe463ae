/** Ledgers on real databases (a SQLite file in a temp folder, or PostgreSQL), with a clock the test moves by hand. */
import type { ReportStore } from '../../src/reports/ports.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedger, type Ledger } from '../../src/ledger/ledger.js';
import type { Result } from '../../src/core/refusal.js';
import type { Clock, IdGenerator } from '../../src/ledger/ports.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/sqlite-store.js';
import { createDatabase } from './postgres-cluster.js';

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

/** The value of a result a test expects to succeed. */
export function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`refused: ${result.refusal.code} ${result.refusal.message}`);
  return result.value;
}

/** `ok`, or the refusal's code. */
export function code(result: Result<unknown>): string {
  return result.ok ? 'ok' : result.refusal.code;
}

export function tempDir(name = 'tally-test-'): string {
  return mkdtempSync(join(tmpdir(), name));
}

export interface TestLedger {
  ledger: Ledger;
  clock: ManualClock;
  store: SqliteStore;
  reports: ReportStore;
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
    reports: store,
    path,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a suite drives: a ledger, its hand-moved clock, and a way to remove it. */
export interface LedgerUnderTest {
  ledger: Ledger;
  clock: ManualClock;
  /** The store's rollups, to check them against a rebuild from raw rows. */
  reports: ReportStore;
  close(): Promise<void>;
}

/** A ledger on a fresh database of the PostgreSQL server at `adminUrl`. */
export async function postgresTestLedger(
  adminUrl: string,
  startIso = '2026-01-01T00:00:00Z',
): Promise<LedgerUnderTest> {
  const database = await createDatabase(adminUrl);
  const store = await PostgresStore.open(database.url, { poolSize: 4 });
  const clock = new ManualClock(Date.parse(startIso));
  const ledger = createLedger({ store, clock, ids: new SequentialIds() });
  return {
    ledger,
    clock,
    reports: store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}
