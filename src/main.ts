/**
 * The composition root: the only place that picks concrete adapters. Library users open a ledger
 * here; the server and the CLI will start here too.
 */
import { join } from 'node:path';
import { createLedger, type Ledger } from './ledger/ledger.js';
import { randomIds, systemClock } from './ledger/system.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';

export { credits, formatCredits, parseCredits, MICROS_PER_CREDIT } from './core/amount.js';
export type { Micros } from './core/amount.js';
export type { Refusal, RefusalCode, Result } from './core/refusal.js';
export type { Ledger, Statement, WriteResult } from './ledger/ledger.js';

export interface OpenLedgerOptions {
  /** Where the embedded database lives; default `TALLY_DATA_DIR` or `./data`. */
  dataDir?: string;
}

export interface OpenedLedger {
  ledger: Ledger;
  /** Waits for pending writes to commit, then closes the database. */
  close(): Promise<void>;
}

export async function openLedger(options: OpenLedgerOptions = {}): Promise<OpenedLedger> {
  const dataDir = options.dataDir ?? process.env.TALLY_DATA_DIR ?? './data';
  const store = new SqliteStore({ path: join(dataDir, 'tally.db') });
  const ledger = createLedger({ store, clock: systemClock, ids: randomIds });
  return { ledger, close: () => store.close() };
}
