import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from '../store-contract.js';
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
