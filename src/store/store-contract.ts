/**
 * The contract every `LedgerStore` adapter passes, run from each adapter's own test file with a
 * factory for fresh stores. It drives the store through the ledger, as Tally does, and through
 * the port directly where the ledger cannot reach (isolation of a failing write, reopening).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { credits } from '../core/amount.js';
import { createLedger, type Ledger } from '../ledger/ledger.js';
import type { Clock, IdGenerator, LedgerStore } from '../ledger/ports.js';

export interface StoreFactory {
  /** A new, empty store. */
  create(): Promise<LedgerStore>;
  /** The same database opened again, as after a restart (the previous store is closed first). */
  reopen(store: LedgerStore): Promise<LedgerStore>;
  /** Removes what `create` made. */
  destroy(store: LedgerStore): Promise<void>;
}

class TestClock implements Clock {
  current = Date.parse('2026-03-01T00:00:00Z');
  now(): number {
    return this.current;
  }
}

class CountingIds implements IdGenerator {
  private count = 0;
  next(prefix: string): string {
    this.count += 1;
    return `${prefix}${String(this.count).padStart(8, '0')}`;
  }
}

const action = (price: number) => [{ unit: 'action', credits: credits(price) }];

function expectOk<T>(result: { ok: true; value: T } | { ok: false; refusal: { code: string } }): T {
  if (!result.ok) throw new Error(`refused: ${result.refusal.code}`);
  return result.value;
}

export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    const opened: LedgerStore[] = [];
    let clock: TestClock;

    async function setUp(): Promise<{ store: LedgerStore; ledger: Ledger; org: string }> {
      const store = await factory.create();
      opened.push(store);
      clock = new TestClock();
      const ledger = createLedger({ store, clock, ids: new CountingIds() });
      expectOk(
        await ledger.setFeature({ id: 'image', name: 'Image', prices: action(8), effectiveAt: 0 }),
      );
      const org = expectOk(
        await ledger.createOrg({
          name: 'Acme',
          timeZone: 'Europe/Paris',
          allowance: { credits: credits(100) },
        }),
      );
      clock.current += 1000;
      return { store, ledger, org: org.id };
    }

    afterEach(async () => {
      for (const store of opened.splice(0)) await factory.destroy(store);
    });

    it('creates an org once and finds it again', async () => {
      const { ledger, org } = await setUp();
      expect(expectOk(await ledger.getOrg(org)).timeZone).toBe('Europe/Paris');
      const again = await ledger.createOrg({ id: org, name: 'Acme again' });
      expect(again.ok ? 'created' : again.refusal.code).toBe('org_exists');
      const missing = await ledger.getOrg('org_missing');
      expect(missing.ok ? 'found' : missing.refusal.code).toBe('unknown_org');
    });

    it('lists every org by id, a page at a time, deleted ones gone', async () => {
      const { store, ledger, org } = await setUp();
      for (const id of ['org_b', 'org_a2', 'org_c', 'org_a1']) {
        expectOk(await ledger.createOrg({ id, name: `Org ${id}` }));
      }
      const all = ['org_00000001', 'org_a1', 'org_a2', 'org_b', 'org_c'];
      expect(org).toBe('org_00000001');
      expect((await store.listOrgs(undefined, 10)).map((found) => found.id)).toEqual(all);
      expect((await store.listOrgs(undefined, 2)).map((found) => found.id)).toEqual(
        all.slice(0, 2),
      );
      expect((await store.listOrgs('org_a2', 2)).map((found) => found.id)).toEqual([
        'org_b',
        'org_c',
      ]);
      // A cursor needs no org of its own: a deleted one still marks the place.
      expect((await store.listOrgs('org_a', 1)).map((found) => found.id)).toEqual(['org_a1']);
      expect(await store.listOrgs('org_c', 10)).toEqual([]);
      const [first] = await store.listOrgs(undefined, 1);
      expect(first).toEqual(expectOk(await ledger.getOrg(org)));

      // Through the ledger: pages of `limit`, a cursor while more follow, and the limit checked.
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = expectOk(
          await ledger.listOrgs({ limit: 2, ...(cursor === undefined ? {} : { cursor }) }),
        );
        pages.push(page.data.map((found) => found.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(pages).toEqual([all.slice(0, 2), all.slice(2, 4), all.slice(4)]);
      expect(expectOk(await ledger.listOrgs({ limit: 5 })).nextCursor).toBeNull();
      expect(expectOk(await ledger.listOrgs()).data).toHaveLength(5);
      for (const limit of [0, 1001, 1.5]) {
        const refused = await ledger.listOrgs({ limit });
        expect(refused.ok ? 'listed' : refused.refusal.code).toBe('invalid_request');
      }
      expectOk(await ledger.deleteOrg('org_b'));
      expect((await store.listOrgs('org_a2', 10)).map((found) => found.id)).toEqual(['org_c']);
    });

    it('keeps every write after a reopen', async () => {
      const { store, org } = await setUp();
      const ledger = createLedger({ store, clock, ids: new CountingIds() });
      const charged = expectOk(
        await ledger.charge(org, { feature: 'image', user: 'ana', metadata: { job: 7 } }),
      );
      const reopened = await factory.reopen(store);
      opened.splice(opened.indexOf(store), 1, reopened);
      const after = createLedger({ store: reopened, clock, ids: new CountingIds() });
      expect(expectOk(await after.balance(org)).available).toBe(credits(92));
      const log = expectOk(await after.transactions(org, { types: ['usage'] }));
      expect(log.data).toHaveLength(1);
      expect(log.data[0]).toMatchObject({
        id: charged.id,
        user: 'ana',
        metadata: { job: 7 },
        credits: -credits(8),
      });
    });

    it('commits concurrent writes together, each in order and isolated', async () => {
      const { store, ledger, org } = await setUp();
      const many = await Promise.all(
        Array.from({ length: 20 }, () => ledger.charge(org, { feature: 'image' })),
      );
      // 100 credits pay for 12 charges of 8; the other 8 are refused, and only the log shows them.
      expect(many.filter((result) => result.ok)).toHaveLength(12);
      expect(
        many.filter((result) => !result.ok && result.refusal.code === 'insufficient_credits'),
      ).toHaveLength(8);
      expect(expectOk(await ledger.balance(org)).available).toBe(credits(4));

      // A write that throws inside the store's transaction is undone alone.
      const failing = store.write({
        orgId: org,
        decide: () => {
          throw new Error('boom');
        },
      });
      const fine = ledger.grant(org, { kind: 'promo', credits: credits(10) });
      await expect(failing).rejects.toThrow('boom');
      expect((await fine).ok).toBe(true);
      expect(expectOk(await ledger.balance(org)).available).toBe(credits(14));
    });

    it('stores responses under idempotency keys and purges old ones', async () => {
      const { ledger, org } = await setUp();
      const first = await ledger.charge(org, { feature: 'image', idempotencyKey: 'k1' });
      const replay = await ledger.charge(org, { feature: 'image', idempotencyKey: 'k1' });
      expect(replay.replayed).toBe(true);
      expect(replay.ok && first.ok && replay.value).toEqual(first.ok && first.value);
      const reused = await ledger.charge(org, {
        feature: 'image',
        user: 'bob',
        idempotencyKey: 'k1',
      });
      expect(reused.ok ? 'ok' : reused.refusal.code).toBe('idempotency_key_reused');
      expect(expectOk(await ledger.balance(org)).available).toBe(credits(92));
      clock.current += 31 * 24 * 3600 * 1000;
      expect(await ledger.purgeIdempotencyKeys()).toBe(1);
    });

    it('reads balances and grants at past instants from entries', async () => {
      const { ledger, org } = await setUp();
      const before = clock.current;
      clock.current += 60_000;
      expectOk(await ledger.grant(org, { kind: 'purchase', credits: credits(50) }));
      clock.current += 60_000;
      expectOk(await ledger.charge(org, { feature: 'image' }));
      const then = expectOk(await ledger.balance(org, before));
      expect(then.available).toBe(credits(100));
      expect(then.byKind.purchase).toBe(0n);
      const now = expectOk(await ledger.balance(org));
      expect(now.available).toBe(credits(142));
      const grants = expectOk(await ledger.listGrants(org, { at: before }));
      expect(grants.map((grant) => grant.kind)).toEqual(['allowance']);
    });

    it('lists the log newest first with filters and keyset pages', async () => {
      const { ledger, org } = await setUp();
      expectOk(await ledger.createProject(org, { id: 'p1', name: 'Project one' }));
      for (let index = 0; index < 7; index += 1) {
        clock.current += 1000;
        expectOk(
          await ledger.charge(org, {
            feature: 'image',
            user: index % 2 ? 'ana' : 'bob',
            project: 'p1',
          }),
        );
      }
      const seen: string[] = [];
      let cursor: { at: number; id: string } | undefined;
      for (;;) {
        const page = expectOk(
          await ledger.transactions(
            org,
            { types: ['usage'] },
            cursor ? { limit: 3, cursor } : { limit: 3 },
          ),
        );
        seen.push(...page.data.map((row) => row.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
      const all = expectOk(await ledger.transactions(org, { types: ['usage'] })).data;
      expect(all.map((row) => row.id)).toEqual(seen);
      expect(all.map((row) => row.at)).toEqual([...all.map((row) => row.at)].sort((a, b) => b - a));
      const ana = expectOk(await ledger.transactions(org, { user: 'ana' })).data;
      expect(ana).toHaveLength(3);
      const from = all[2]?.at ?? 0;
      const window = expectOk(
        await ledger.transactions(org, { from, to: from + 2000, types: ['usage'] }),
      ).data;
      expect(window.map((row) => row.at)).toEqual([from + 1000, from]);
    });

    it('sums entries by kind for statements and counts usage', async () => {
      const { ledger, org } = await setUp();
      expectOk(await ledger.grant(org, { kind: 'purchase', credits: credits(40) }));
      for (let index = 0; index < 3; index += 1)
        expectOk(await ledger.charge(org, { feature: 'image' }));
      clock.current = Date.parse('2026-04-10T00:00:00Z');
      const march = expectOk(await ledger.statement(org, '2026-03'));
      expect(march.final).toBe(true);
      expect(march.byKind.allowance).toMatchObject({
        added: credits(100),
        consumed: credits(24),
        expired: credits(76),
        closing: 0n,
      });
      expect(march.byKind.purchase).toMatchObject({ added: credits(40), closing: credits(40) });
      expect(march.usageCount).toBe(3);
      const april = expectOk(await ledger.statement(org, '2026-04'));
      expect(april.opening).toBe(march.closing);
      expect(april.byKind.allowance.added).toBe(credits(100));
    });

    it('prices a capture with the feature of its hold', async () => {
      const { ledger, org } = await setUp();
      const held = expectOk(await ledger.hold(org, { feature: 'image', credits: credits(20) }));
      const charge = expectOk(await ledger.capture(org, held.id, { quantities: { action: 2 } }));
      expect(charge.credits).toBe(-credits(16));
      expect(expectOk(await ledger.balance(org))).toMatchObject({
        available: credits(84),
        held: 0n,
      });
    });

    it('finds the orgs with something due and writes it', async () => {
      const { ledger, org } = await setUp();
      const quiet = expectOk(await ledger.createOrg({ name: 'Quiet' }));
      expectOk(
        await ledger.grant(org, {
          kind: 'trial',
          credits: credits(5),
          expiresAt: clock.current + 3600_000,
        }),
      );
      expect(await ledger.advanceDue()).toBe(0);
      clock.current += 2 * 3600_000;
      expect(await ledger.advanceDue()).toBe(1);
      const [expiry] = expectOk(await ledger.transactions(org, { types: ['expiry'] })).data;
      expect(expiry?.credits).toBe(-credits(5));
      expect(await ledger.advanceDue()).toBe(0);
      expect(expectOk(await ledger.transactions(quiet.id)).data).toHaveLength(0);
    });

    it('keeps one org out of another', async () => {
      const { ledger, org } = await setUp();
      const other = expectOk(await ledger.createOrg({ name: 'Other' }));
      const charged = expectOk(await ledger.charge(org, { feature: 'image' }));
      const refund = await ledger.refund(other.id, charged.id, {});
      expect(refund.ok ? 'ok' : refund.refusal.code).toBe('unknown_charge');
      const held = expectOk(await ledger.hold(org, { feature: 'image' }));
      const captured = await ledger.capture(other.id, held.id, {});
      expect(captured.ok ? 'ok' : captured.refusal.code).toBe('unknown_hold');
      expect(expectOk(await ledger.transactions(other.id)).data).toHaveLength(0);
    });

    it('deletes an org with every row of it, and nothing of another', async () => {
      const { store, ledger, org } = await setUp();
      const other = expectOk(
        await ledger.createOrg({ name: 'Other', allowance: { credits: credits(10) } }),
      );
      expectOk(await ledger.createProject(org, { id: 'p1', name: 'Project one' }));
      expectOk(await ledger.setAllowance(org, 'ana', { credits: credits(50), period: 'month' }));
      expectOk(
        await ledger.charge(org, {
          feature: 'image',
          user: 'ana',
          project: 'p1',
          idempotencyKey: 'k1',
        }),
      );
      expectOk(await ledger.hold(org, { feature: 'image' }));
      expectOk(await ledger.charge(other.id, { feature: 'image' }));
      const otherBefore = expectOk(await ledger.countOrgRows(other.id));

      const counted = expectOk(await ledger.countOrgRows(org));
      // The allowance's grant and schedule, the log of grant, charge and hold, one of each.
      expect(counted).toMatchObject({
        grants: 1,
        schedules: 1,
        holds: 1,
        transactions: 3,
        projects: 1,
        allowances: 1,
        storedResponses: 1,
      });
      expect(counted.entries).toBeGreaterThanOrEqual(3);
      expect(expectOk(await ledger.deleteOrg(org))).toEqual(counted);

      const gone = await ledger.getOrg(org);
      expect(gone.ok ? 'found' : gone.refusal.code).toBe('unknown_org');
      expect(await store.countOrgRows(org)).toBeUndefined();
      expect(await store.loadState(org)).toBeUndefined();
      expect(await store.listGrants(org)).toEqual([]);
      expect(await store.listTransactions(org, {}, 10, undefined)).toEqual([]);
      // Writes that come after find no org, and make none again.
      for (const late of [
        await ledger.charge(org, { feature: 'image', idempotencyKey: 'k1' }),
        await ledger.grant(org, { kind: 'promo', credits: credits(5) }),
        await ledger.createProject(org, { id: 'p2', name: 'Project two' }),
      ]) {
        expect(late.ok ? 'written' : late.refusal.code).toBe('unknown_org');
      }
      expect(await store.getOrg(org)).toBeUndefined();
      expect(await store.listGrants(org)).toEqual([]);
      const again = await ledger.deleteOrg(org);
      expect(again.ok ? 'deleted' : again.refusal.code).toBe('unknown_org');

      expect(expectOk(await ledger.countOrgRows(other.id))).toEqual(otherBefore);
      expect(expectOk(await ledger.balance(other.id)).available).toBe(credits(2));
    });

    it('lets no write of an org land after its deletion, however they interleave', async () => {
      const { store, ledger, org } = await setUp();
      expectOk(await ledger.grant(org, { kind: 'purchase', credits: credits(1000) }));
      const before = Array.from({ length: 20 }, (_, index) =>
        ledger.charge(org, { feature: 'image', idempotencyKey: `before-${index}` }),
      );
      const deletion = ledger.deleteOrg(org);
      const after = Array.from({ length: 20 }, () =>
        ledger.grant(org, { kind: 'promo', credits: credits(1) }),
      );
      for (const result of await Promise.all([...before, ...after])) {
        expect(result.ok ? 'written' : result.refusal.code).toMatch(/^(written|unknown_org)$/);
      }
      expectOk(await deletion);
      expect(await store.getOrg(org)).toBeUndefined();
      expect(await store.listGrants(org)).toEqual([]);
      expect(await store.listTransactions(org, {}, 10, undefined)).toEqual([]);
      const late = await ledger.charge(org, { feature: 'image' });
      expect(late.ok ? 'written' : late.refusal.code).toBe('unknown_org');
    });
  });
}
