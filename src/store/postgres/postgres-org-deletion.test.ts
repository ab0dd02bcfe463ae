/**
 * Deleting an org while other servers write to it: each server holds the org's state (and
 * version) in memory, so a server that did not delete it must find out at commit, through
 * `tally_commit`'s version check, and answer `unknown_org` rather than write half an org back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../test/support/postgres-cluster.js';
import { postgresAdminUrl } from '../../../test/support/postgres.js';
import { credits } from '../../core/amount.js';
import type { Result } from '../../core/refusal.js';
import { createLedger, type Ledger } from '../../ledger/ledger.js';
import { randomIds, systemClock } from '../../ledger/system.js';
import { PostgresStore } from './postgres-store.js';

const adminUrl = postgresAdminUrl();

function codeOf(result: Result<unknown>): string {
  return result.ok ? 'written' : result.refusal.code;
}

describe.skipIf(!adminUrl)('postgres: deleting an org that other servers write to', () => {
  let database: { url: string; drop(): Promise<void> };
  let stores: PostgresStore[];
  let servers: Ledger[];

  beforeAll(async () => {
    database = await createDatabase(adminUrl as string);
    stores = [];
    for (let index = 0; index < 3; index += 1)
      stores.push(await PostgresStore.open(database.url, { poolSize: 4 }));
    servers = stores.map((store) => createLedger({ store, clock: systemClock, ids: randomIds }));
    const [first] = servers;
    await first?.setFeature({
      id: 'image',
      name: 'Image',
      prices: [{ unit: 'action', credits: credits(1) }],
      effectiveAt: 0,
    });
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await database.drop();
  });

  it('refuses the writes of a server that still holds the deleted org', async () => {
    const [one, two] = servers as [Ledger, Ledger];
    const created = await one.createOrg({ name: 'Doomed', allowance: { credits: credits(100) } });
    if (!created.ok) throw new Error(created.refusal.message);
    const org = created.value.id;
    // Server two now holds the org's state in memory.
    expect(codeOf(await two.charge(org, { feature: 'image' }))).toBe('written');

    expect(codeOf(await one.deleteOrg(org))).toBe('written');
    expect(codeOf(await two.charge(org, { feature: 'image' }))).toBe('unknown_org');
    expect(codeOf(await two.grant(org, { kind: 'promo', credits: credits(1) }))).toBe(
      'unknown_org',
    );
    expect(codeOf(await two.balance(org))).toBe('unknown_org');
    expect(await stores[1]?.listGrants(org)).toEqual([]);
    expect(await stores[1]?.listTransactions(org, {}, 10, undefined)).toEqual([]);
  });

  it('leaves no row of the org when writes from every server race its deletion', async () => {
    const [one] = servers as [Ledger];
    const created = await one.createOrg({ name: 'Raced', allowance: { credits: credits(1000) } });
    if (!created.ok) throw new Error(created.refusal.message);
    const org = created.value.id;
    for (const server of servers) await server.charge(org, { feature: 'image' });

    const writes = servers.flatMap((server) =>
      Array.from({ length: 30 }, (_, index) =>
        index % 2
          ? server.charge(org, { feature: 'image' })
          : server.grant(org, { kind: 'promo', credits: credits(1) }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const deleted = await servers[2]?.deleteOrg(org);
    expect(deleted?.ok).toBe(true);
    const results = await Promise.all(writes);
    for (const result of results) expect(codeOf(result)).toMatch(/^(written|unknown_org)$/);

    const store = stores[0] as PostgresStore;
    expect(await store.getOrg(org)).toBeUndefined();
    expect(await store.countOrgRows(org)).toBeUndefined();
    expect(await store.listGrants(org)).toEqual([]);
    expect(await store.listTransactions(org, {}, 10, undefined)).toEqual([]);
    for (const server of servers)
      expect(codeOf(await server.charge(org, { feature: 'image' }))).toBe('unknown_org');
  });
});
