import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAccessContract } from '../access-contract.js';
import { runBillingContract } from '../billing-contract.js';
import { runStoreContract } from '../store-contract.js';
import { SqliteAccessStore } from './sqlite-access-store.js';
import { SqliteBillingStore } from './sqlite-billing-store.js';
import { openSqliteDatabase } from './sqlite-database.js';
import { SqliteResponseStore } from './sqlite-response-store.js';
import { SqliteStore } from './sqlite-store.js';

const paths = new WeakMap<object, string>();

runStoreContract('sqlite', {
  async create() {
    const path = join(mkdtempSync(join(tmpdir(), 'tally-contract-')), 'tally.db');
    const store = new SqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  async reopen(store) {
    const path = paths.get(store) as string;
    await store.close();
    const reopened = new SqliteStore({ path });
    paths.set(reopened, path);
    return reopened;
  },
  async destroy(store) {
    await store.close().catch(() => undefined);
    const path = paths.get(store);
    if (path) rmSync(join(path, '..'), { recursive: true, force: true });
  },
});

runBillingContract('sqlite', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tally-billing-'));
  const database = openSqliteDatabase(join(folder, 'tally.db'));
  return {
    billing: new SqliteBillingStore(database),
    async close() {
      database.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
});

runAccessContract('sqlite', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'tally-access-'));
  const database = openSqliteDatabase(join(folder, 'tally.db'));
  const ledger = new SqliteStore({ database });
  return {
    ledger,
    access: new SqliteAccessStore(database),
    responses: new SqliteResponseStore(database),
    async close() {
      await ledger.close();
      database.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
});
