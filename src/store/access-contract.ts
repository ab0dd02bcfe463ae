/**
 * The contract every adapter's access and HTTP-response stores pass, run from each adapter's own
 * test file: keys, members and sessions kept per org, secrets found only by hash, and first
 * responses never overwritten.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AccessStore, StoredKey, StoredMember, StoredSession } from '../access/ports.js';
import type { ResponseStore } from '../api/idempotency.js';
import { createLedger } from '../ledger/ledger.js';
import type { LedgerStore } from '../ledger/ports.js';
import { randomIds, systemClock } from '../ledger/system.js';

export interface AccessStores {
  ledger: LedgerStore;
  access: AccessStore;
  responses: ResponseStore;
  close(): Promise<void>;
}

const T0 = Date.parse('2026-03-01T00:00:00Z');

const key = (id: string, orgId: string): StoredKey => ({
  id,
  orgId,
  name: `key ${id}`,
  role: 'operator',
  prefix: 'tly_abc',
  secretHash: `hash-${id}`,
  createdAt: T0,
  lastUsedAt: null,
  revokedAt: null,
});

const member = (id: string, orgId: string, email: string): StoredMember => ({
  id,
  orgId,
  email,
  name: `Member ${id}`,
  role: 'viewer',
  passwordHash: `pw-${id}`,
  createdAt: T0,
});

const session = (
  id: string,
  memberId: string,
  orgId: string,
  expiresAt: number,
): StoredSession => ({
  id,
  memberId,
  orgId,
  secretHash: `session-${id}`,
  csrfToken: `csrf-${id}`,
  createdAt: T0,
  expiresAt,
});

export function runAccessContract(name: string, open: () => Promise<AccessStores>): void {
  describe(`access store contract: ${name}`, () => {
    const opened: AccessStores[] = [];

    async function setUp() {
      const stores = await open();
      opened.push(stores);
      const ledger = createLedger({ store: stores.ledger, clock: systemClock, ids: randomIds });
      const orgs: string[] = [];
      for (const orgName of ['Acme', 'Other']) {
        const created = await ledger.createOrg({ name: orgName });
        if (!created.ok) throw new Error(created.refusal.message);
        orgs.push(created.value.id);
      }
      return { ...stores, acme: orgs[0] as string, other: orgs[1] as string };
    }

    afterEach(async () => {
      for (const stores of opened.splice(0)) await stores.close();
    });

    it('keeps keys by org, finds them by hash only, revokes and touches them', async () => {
      const { access, acme, other } = await setUp();
      await access.insertKey(key('key_1', acme));
      await access.insertKey(key('key_2', acme));
      await access.insertKey(key('key_3', other));
      expect((await access.findKeyByHash('hash-key_1'))?.id).toBe('key_1');
      expect(await access.findKeyByHash('nope')).toBeUndefined();
      const listed = await access.listKeys(acme);
      expect(listed.map((k) => k.id)).toEqual(['key_1', 'key_2']);
      expect(listed[0]).not.toHaveProperty('secretHash');

      expect(await access.revokeKey(other, 'key_1', T0 + 1)).toBe(false);
      expect(await access.revokeKey(acme, 'key_missing', T0 + 1)).toBe(false);
      expect(await access.revokeKey(acme, 'key_1', T0 + 2)).toBe(true);
      expect(await access.revokeKey(acme, 'key_1', T0 + 3)).toBe(true);
      expect((await access.findKeyByHash('hash-key_1'))?.revokedAt).toBe(T0 + 2);
      expect((await access.findKeyByHash('hash-key_3'))?.revokedAt).toBeNull();

      await access.touchKey('key_2', T0 + 5);
      expect((await access.findKeyByHash('hash-key_2'))?.lastUsedAt).toBe(T0 + 5);
    });

    it('keeps one member per email in an org, and updates and removes them', async () => {
      const { access, acme, other } = await setUp();
      expect(await access.insertMember(member('mem_1', acme, 'ana@example.com'))).toBe(true);
      expect(await access.insertMember(member('mem_2', acme, 'ana@example.com'))).toBe(false);
      expect(await access.insertMember(member('mem_3', other, 'ana@example.com'))).toBe(true);
      expect((await access.findMembersByEmail('ana@example.com')).map((m) => m.id)).toEqual([
        'mem_1',
        'mem_3',
      ]);
      expect(await access.getMember(other, 'mem_1')).toBeUndefined();
      const listed = await access.listMembers(acme);
      expect(listed.map((m) => m.id)).toEqual(['mem_1']);
      expect(listed[0]).not.toHaveProperty('passwordHash');

      const renamed = await access.updateMember(acme, 'mem_1', { name: 'Ana B', role: 'admin' });
      expect(renamed).toMatchObject({ name: 'Ana B', role: 'admin', passwordHash: 'pw-mem_1' });
      expect(await access.updateMember(other, 'mem_1', { name: 'Mallory' })).toBeUndefined();
      expect((await access.getMember(acme, 'mem_1'))?.name).toBe('Ana B');

      expect(await access.deleteMember(other, 'mem_1')).toBe(false);
      expect(await access.deleteMember(acme, 'mem_1')).toBe(true);
      expect(await access.getMember(acme, 'mem_1')).toBeUndefined();
    });

    it('keeps sessions until they expire, the member leaves or their password changes', async () => {
      const { access, acme } = await setUp();
      await access.insertMember(member('mem_1', acme, 'ana@example.com'));
      await access.insertMember(member('mem_2', acme, 'bob@example.com'));
      await access.insertSession(session('ses_1', 'mem_1', acme, T0 + 1000));
      await access.insertSession(session('ses_2', 'mem_1', acme, T0 + 5000));
      await access.insertSession(session('ses_3', 'mem_2', acme, T0 + 5000));
      await access.insertSession(session('ses_4', 'mem_2', acme, T0 + 9000));
      expect(await access.findSessionByHash('session-ses_1')).toMatchObject({
        id: 'ses_1',
        memberId: 'mem_1',
        csrfToken: 'csrf-ses_1',
        expiresAt: T0 + 1000,
      });
      expect(await access.deleteExpiredSessions(T0 + 1000)).toBe(1);
      expect(await access.findSessionByHash('session-ses_1')).toBeUndefined();

      await access.updateMember(acme, 'mem_1', { name: 'Ana' });
      expect(await access.findSessionByHash('session-ses_2')).toBeDefined();
      await access.updateMember(acme, 'mem_1', { passwordHash: 'new' });
      expect(await access.findSessionByHash('session-ses_2')).toBeUndefined();

      await access.deleteSession('ses_3');
      expect(await access.findSessionByHash('session-ses_3')).toBeUndefined();
      await access.deleteMember(acme, 'mem_2');
      expect(await access.findSessionByHash('session-ses_4')).toBeUndefined();
    });

    it('stores the first HTTP response under a key, never overwrites it, and purges old ones', async () => {
      const { responses } = await setUp();
      const first = { requestHash: 'h1', status: 201, body: '{"id":"org_1","name":"café ☕"}' };
      await responses.save('root', 'k1', first, T0);
      await responses.save('root', 'k1', { requestHash: 'h2', status: 500, body: '{}' }, T0 + 1);
      expect(await responses.find('root', 'k1')).toEqual(first);
      expect(await responses.find('key_9', 'k1')).toBeUndefined();
      await responses.save('root', 'k2', first, T0 + 10_000);
      expect(await responses.purge(T0 + 5000)).toBe(1);
      expect(await responses.find('root', 'k1')).toBeUndefined();
      expect(await responses.find('root', 'k2')).toEqual(first);
    });

    it('suspends an org once, keeps the first suspension, and resumes it', async () => {
      const { access, acme, other } = await setUp();
      expect(await access.getSuspension(acme)).toBeUndefined();
      const first = { orgId: acme, suspendedAt: T0, reason: 'unpaid invoice ✉' };
      expect(await access.suspend(first)).toEqual(first);
      expect(await access.suspend({ orgId: acme, suspendedAt: T0 + 5, reason: null })).toEqual(
        first,
      );
      expect(await access.getSuspension(acme)).toEqual(first);
      expect(await access.getSuspension(other)).toBeUndefined();
      expect(await access.resume(other)).toBe(false);
      expect(await access.resume(acme)).toBe(true);
      expect(await access.getSuspension(acme)).toBeUndefined();
      expect(await access.resume(acme)).toBe(false);
    });

    it('reads the suspensions of several orgs at once', async () => {
      const { access, acme, other } = await setUp();
      expect(await access.listSuspensions([])).toEqual([]);
      expect(await access.listSuspensions([acme, other])).toEqual([]);
      const acmes = { orgId: acme, suspendedAt: T0, reason: 'unpaid' };
      const others = { orgId: other, suspendedAt: T0 + 1, reason: null };
      await access.suspend(acmes);
      await access.suspend(others);
      expect(await access.listSuspensions([other, 'org_missing', acme])).toEqual(
        [acmes, others].sort((a, b) => (a.orgId < b.orgId ? -1 : 1)),
      );
      expect(await access.listSuspensions([other])).toEqual([others]);
      // An id is matched exactly: no pattern, no prefix.
      expect(await access.listSuspensions(['%', `${acme.slice(0, -1)}_`])).toEqual([]);
    });

    it("deletes one org's keys, members, sessions and suspension, and nothing of another", async () => {
      const { access, responses, acme, other } = await setUp();
      await access.insertKey(key('key_1', acme));
      await access.insertKey(key('key_2', acme));
      await access.insertKey(key('key_3', other));
      await access.insertMember(member('mem_1', acme, 'ana@example.com'));
      await access.insertMember(member('mem_2', other, 'ana@example.com'));
      await access.insertSession(session('ses_1', 'mem_1', acme, T0 + 5000));
      await access.insertSession(session('ses_2', 'mem_2', other, T0 + 5000));
      await access.suspend({ orgId: acme, suspendedAt: T0, reason: null });
      await access.suspend({ orgId: other, suspendedAt: T0, reason: null });

      expect(await access.deleteOrg(acme)).toEqual({ apiKeys: 2, members: 1, sessions: 1 });
      expect(await access.listKeys(acme)).toEqual([]);
      expect(await access.findKeyByHash('hash-key_1')).toBeUndefined();
      expect(await access.listMembers(acme)).toEqual([]);
      expect(await access.findSessionByHash('session-ses_1')).toBeUndefined();
      expect(await access.getSuspension(acme)).toBeUndefined();
      expect(await access.deleteOrg(acme)).toEqual({ apiKeys: 0, members: 0, sessions: 0 });

      expect((await access.listKeys(other)).map((k) => k.id)).toEqual(['key_3']);
      expect((await access.listMembers(other)).map((m) => m.id)).toEqual(['mem_2']);
      expect(await access.findSessionByHash('session-ses_2')).toBeDefined();
      expect(await access.getSuspension(other)).toBeDefined();

      // The HTTP responses of the org's scopes go too; an id is matched exactly, `_` included.
      const stored = { requestHash: 'h', status: 201, body: '{}' };
      const scopes = [`keys:${acme}`, `members:${acme}`, `keys:${other}`, 'orgs', `x${acme}`];
      for (const scope of scopes) await responses.save(scope, 'k1', stored, T0);
      await responses.save('keys:org-abc', 'k1', stored, T0);
      expect(await responses.deleteOrg('org_abc')).toBe(0);
      expect(await responses.deleteOrg(acme)).toBe(2);
      expect(await responses.find(`keys:${acme}`, 'k1')).toBeUndefined();
      expect(await responses.find(`members:${acme}`, 'k1')).toBeUndefined();
      for (const scope of [`keys:${other}`, 'orgs', `x${acme}`, 'keys:org-abc'])
        expect(await responses.find(scope, 'k1'), scope).toEqual(stored);
    });
  });
}
