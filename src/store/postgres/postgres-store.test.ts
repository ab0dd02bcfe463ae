import { describe } from 'vitest';
import { createDatabase } from '../../../test/support/postgres-cluster.js';
import { postgresAdminUrl } from '../../../test/support/postgres.js';
import type { LedgerStore } from '../../ledger/ports.js';
import { runAccessContract } from '../access-contract.js';
import { runBillingContract } from '../billing-contract.js';
import { runStoreContract } from '../store-contract.js';
import { PostgresAccessStore } from './postgres-access-store.js';
import { PostgresBillingStore } from './postgres-billing-store.js';
import { openPostgres } from './postgres-database.js';
import { PostgresResponseStore } from './postgres-response-store.js';
import { PostgresStore } from './postgres-store.js';

const adminUrl = postgresAdminUrl();
const databases = new WeakMap<LedgerStore, { url: string; drop(): Promise<void> }>();

describe.skipIf(!adminUrl)('postgres', () => {
  runStoreContract('postgres', {
    async create() {
      const database = await createDatabase(adminUrl as string);
      const store = await PostgresStore.open(database.url, { poolSize: 4 });
      databases.set(store, database);
      return store;
    },
    async reopen(store) {
      const database = databases.get(store);
      if (!database) throw new Error('unknown store');
      await store.close();
      const reopened = await PostgresStore.open(database.url, { poolSize: 4 });
      databases.set(reopened, database);
      return reopened;
    },
    async destroy(store) {
      await store.close().catch(() => undefined);
      await databases.get(store)?.drop();
    },
  });
});

describe.skipIf(!adminUrl)('postgres billing', () => {
  runBillingContract('postgres', async () => {
    const database = await createDatabase(adminUrl as string);
    // Enough connections for the concurrency cases to race on several at once.
    const pool = await openPostgres(database.url, { poolSize: 8 });
    return {
      billing: new PostgresBillingStore(pool),
      async close() {
        await pool.end();
        await database.drop();
      },
    };
  });
});

describe.skipIf(!adminUrl)('postgres access', () => {
  runAccessContract('postgres', async () => {
    const database = await createDatabase(adminUrl as string);
    const pool = await openPostgres(database.url, { poolSize: 4 });
    return {
      ledger: new PostgresStore(pool),
      access: new PostgresAccessStore(pool),
      responses: new PostgresResponseStore(pool),
      async close() {
        await pool.end();
        await database.drop();
      },
    };
  });
});
