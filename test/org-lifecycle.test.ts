/**
 * Deleting and suspending an org over HTTP on a real server: the preview counted from the stores,
 * the typed confirmation, who may do either, a suspended org refusing every write while reads go
 * on, and a deletion that leaves no row of the org in any table (even with charges racing it)
 * while another org is untouched. The CLI commands run against the same server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { nonEmpty, openOrgRows, type OrgRows } from './support/org-rows.js';
import { startTestServer, type Client, type TestServer } from './support/server.js';
import { openTableCounter, type TableCounter } from './support/table-counts.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PASSWORD = 'a long enough password';

describe('deleting and suspending an org over HTTP', () => {
  let server: TestServer;
  let tables: TableCounter;
  let rows: OrgRows;
  let root: Client;
  let other: string;
  let otherAdmin: Client;
  let made = 0;

  /** A fresh org with credits, a project, an allowance, activity, keys and a member. */
  async function newOrg(name: string) {
    made += 1;
    const id = (await root.post('/v1/orgs', { name, allowance: { credits: 100 } })).body
      .id as string;
    await root.post(`/v1/orgs/${id}/grants`, { kind: 'purchase', credits: 1000 });
    const keyOf = async (role: string) =>
      (await root.post(`/v1/orgs/${id}/api-keys`, { name: role, role })).body.secret as string;
    const clients = {
      admin: server.client(await keyOf('admin')),
      operator: server.client(await keyOf('operator')),
      viewer: server.client(await keyOf('viewer')),
    };
    const email = `person-${made}@lifecycle.test`;
    expect(
      (
        await clients.admin.post(`/v1/orgs/${id}/members`, {
          email,
          name: 'Person',
          role: 'admin',
          password: PASSWORD,
        })
      ).status,
    ).toBe(201);
    return { id, name, email, ...clients };
  }

  async function view(orgId: string) {
    const { at: _at, ...balance } = (await root.get(`/v1/orgs/${orgId}/balance`)).body;
    return {
      org: (await root.get(`/v1/orgs/${orgId}`)).body,
      balance,
      log: (await root.get(`/v1/orgs/${orgId}/transactions?limit=1000`)).body.data,
      grants: (await root.get(`/v1/orgs/${orgId}/grants`)).body.data,
      projects: (await root.get(`/v1/orgs/${orgId}/projects`)).body.data,
      keys: (await root.get(`/v1/orgs/${orgId}/api-keys`)).body.data.map(
        ({ lastUsedAt: _used, ...key }: Record<string, unknown>) => key,
      ),
      members: (await root.get(`/v1/orgs/${orgId}/members`)).body.data,
      rows: await rows.of(orgId),
    };
  }

  beforeAll(async () => {
    server = await startTestServer();
    tables = await openTableCounter(server);
    rows = await openOrgRows(server);
    root = server.client(server.rootKey);
    await root.request('PUT', '/v1/features/image', {
      body: {
        name: 'Image',
        prices: [{ unit: 'action', credits: 8 }],
        effectiveAt: '2020-01-01T00:00:00Z',
      },
    });
    const elsewhere = await newOrg('Elsewhere');
    other = elsewhere.id;
    otherAdmin = elsewhere.admin;
    await elsewhere.operator.post(`/v1/orgs/${other}/charges`, { feature: 'image' });
  });
  afterAll(async () => {
    await rows.close();
    await tables.close();
    await server.close();
  });

  it('previews what deletion removes, counted from the stores', async () => {
    const org = await newOrg('Preview Booths');
    const path = `/v1/orgs/${org.id}`;
    expect((await org.admin.post(`${path}/projects`, { id: 'fair', name: 'Fair' })).status).toBe(
      201,
    );
    expect(
      (
        await org.admin.request('PUT', `${path}/allowances/ana`, {
          body: { credits: 50, period: 'day' },
        })
      ).status,
    ).toBe(200);
    for (let index = 0; index < 3; index += 1) {
      const charged = await org.operator.post(`${path}/charges`, {
        feature: 'image',
        user: 'ana',
        project: 'fair',
      });
      expect(charged.status).toBe(201);
    }
    expect((await org.operator.post(`${path}/holds`, { feature: 'image' })).status).toBe(201);
    const spare = (await org.admin.post(`${path}/api-keys`, { name: 'spare', role: 'viewer' }))
      .body;
    expect((await org.admin.request('DELETE', `${path}/api-keys/${spare.id}`)).status).toBe(200);

    const balance = (await org.viewer.get(`${path}/balance`)).body;
    const preview = await org.admin.get(`${path}/deletion`);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toEqual({
      org: { id: org.id, name: 'Preview Booths' },
      confirmWith: 'Preview Booths',
      credits: { available: balance.available, held: balance.held },
      counts: {
        grants: (await org.viewer.get(`${path}/grants`)).body.data.length,
        transactions: (await org.viewer.get(`${path}/transactions?limit=1000`)).body.data.length,
        holds: 1,
        projects: 1,
        allowances: 1,
        members: 1,
        apiKeys: 4,
        purchases: 0,
      },
      permanent: true,
      alternative: `POST /v1/orgs/${org.id}/suspend keeps the credits and the history`,
    });
    expect(preview.body.credits).toEqual({ available: '1068', held: '8' });
    expect(preview.body.counts).toMatchObject({ grants: 2, transactions: 6 });
    expect((await root.get(`${path}/deletion`)).body).toEqual(preview.body);
  });

  it('refuses a confirmation that is not the name (or id), and bad bodies, deleting nothing', async () => {
    const org = await newOrg('Careful Booths');
    const path = `/v1/orgs/${org.id}`;
    const before = await tables.counts();
    for (const confirm of [
      'careful booths',
      'Careful Booths ',
      ' Careful Booths',
      'Careful',
      '',
      'Elsewhere',
      other,
    ]) {
      const refused = await org.admin.request('DELETE', path, { body: { confirm } });
      expect(refused.status, confirm).toBe(422);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({
        code: 'confirmation_mismatch',
        confirmWith: 'Careful Booths',
      });
    }
    const bodies: [string, { raw?: string; body?: unknown }, string][] = [
      ['malformed JSON', { raw: '{"confirm": ' }, 'invalid_json'],
      ['no body', {}, 'invalid_request'],
      ['an empty object', { body: {} }, 'invalid_request'],
      ['a number', { body: { confirm: 42 } }, 'invalid_request'],
      ['null', { body: { confirm: null } }, 'invalid_request'],
      ['a name too long', { body: { confirm: 'x'.repeat(201) } }, 'invalid_request'],
    ];
    for (const [label, options, code] of bodies) {
      const refused = await org.admin.request('DELETE', path, options);
      expect(refused.status, label).toBe(400);
      expect(refused.body.code, label).toBe(code);
    }
    expect(await tables.counts()).toEqual(before);
    expect((await org.viewer.get(path)).status).toBe(200);
    expect((await org.operator.post(`${path}/charges`, { feature: 'image' })).status).toBe(201);
  });

  it('lets admins and root preview, suspend, resume and delete; others get 403, other orgs 404', async () => {
    const org = await newOrg('Guarded Booths');
    const path = `/v1/orgs/${org.id}`;
    const calls: [string, string, unknown?][] = [
      ['GET', `${path}/deletion`],
      ['DELETE', path, { confirm: 'Guarded Booths' }],
      ['POST', `${path}/suspend`, { reason: 'not yours to pause' }],
      ['POST', `${path}/resume`, {}],
    ];
    const before = await tables.counts();
    for (const [method, url, body] of calls) {
      const options = body === undefined ? {} : { body };
      for (const [role, client] of [
        ['operator', org.operator],
        ['viewer', org.viewer],
      ] as const) {
        const refused = await client.request(method, url, options);
        expect(refused.status, `${method} ${url} as ${role}`).toBe(403);
        expect(refused.body.code).toBe('forbidden');
      }
      const stranger = await otherAdmin.request(method, url, options);
      expect(stranger.status, `${method} ${url} from another org`).toBe(404);
      expect(stranger.body.code).toBe('unknown_org');
      expect(stranger.text).not.toContain('Guarded');
    }
    expect(await tables.counts()).toEqual(before);
    expect((await root.get(path)).body.suspendedAt).toBeNull();
  });

  it('suspends: every write answers 409 and writes nothing, reads go on, resume takes writes again', async () => {
    const org = await newOrg('Paused Booths');
    const path = `/v1/orgs/${org.id}`;
    const charge = (await org.operator.post(`${path}/charges`, { feature: 'image' })).body;
    const hold = (await org.operator.post(`${path}/holds`, { feature: 'image' })).body;
    const member = (await org.admin.get(`${path}/members`)).body.data[0];

    const suspended = await org.admin.post(`${path}/suspend`, { reason: 'Unpaid invoice' });
    expect(suspended.status, suspended.text).toBe(200);
    expect(suspended.body).toMatchObject({
      id: org.id,
      name: 'Paused Booths',
      suspendedAt: expect.stringMatching(ISO),
      suspendReason: 'Unpaid invoice',
    });
    expect((await org.viewer.get(path)).body).toEqual(suspended.body);

    const before = await view(org.id);
    const counts = await tables.counts();
    const writes: [Client, string, string, unknown][] = [
      [org.operator, 'POST', `${path}/charges`, { feature: 'image' }],
      [root, 'POST', `${path}/charges`, { feature: 'image' }],
      [org.operator, 'POST', `${path}/holds`, { feature: 'image' }],
      [org.operator, 'POST', `${path}/holds/${hold.id}/capture`, {}],
      [org.operator, 'POST', `${path}/holds/${hold.id}/void`, {}],
      [org.admin, 'POST', `${path}/charges/${charge.id}/refund`, {}],
      [org.admin, 'POST', `${path}/grants`, { kind: 'promo', credits: 5 }],
      [org.admin, 'POST', `${path}/api-keys`, { name: 'new', role: 'viewer' }],
      [
        org.admin,
        'POST',
        `${path}/members`,
        { email: 'new@lifecycle.test', name: 'New', role: 'viewer', password: PASSWORD },
      ],
      [org.admin, 'PATCH', `${path}/members/${member.id}`, { name: 'Renamed' }],
      [org.admin, 'POST', `${path}/projects`, { id: 'p', name: 'P' }],
      [org.admin, 'PUT', `${path}/allowances/ana`, { credits: 5, period: 'day' }],
      [org.operator, 'POST', `${path}/charges`, { broken: true }],
    ];
    for (const [client, method, url, body] of writes) {
      const refused = await client.request(method, url, { body });
      expect(refused.status, `${method} ${url}: ${refused.text}`).toBe(409);
      expect(refused.body).toMatchObject({
        code: 'org_suspended',
        suspendedAt: suspended.body.suspendedAt,
        reason: 'Unpaid invoice',
      });
    }
    expect(await tables.counts()).toEqual(counts);
    expect(await view(org.id)).toEqual(before);
    // Reads go on, the preview of a deletion included; other orgs write as usual.
    for (const read of ['/balance', '/transactions', '/grants', '/projects', '/allowances']) {
      expect((await org.viewer.get(`${path}${read}`)).status, read).toBe(200);
    }
    expect((await org.admin.get(`${path}/deletion`)).status).toBe(200);
    expect((await otherAdmin.post(`/v1/orgs/${other}/charges`, { feature: 'image' })).status).toBe(
      201,
    );

    // Suspending again keeps the first suspension.
    const again = await root.post(`${path}/suspend`, { reason: 'Another reason' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(suspended.body);

    const resumed = await org.admin.post(`${path}/resume`, {});
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ id: org.id, suspendedAt: null, suspendReason: null });
    expect((await org.viewer.get(path)).body.suspendedAt).toBeNull();
    expect((await org.operator.post(`${path}/charges`, { feature: 'image' })).status).toBe(201);
    expect((await root.post(`${path}/resume`)).status).toBe(200);
    // Without a body, and with a reason too long.
    const bare = await org.admin.request('POST', `${path}/suspend`);
    expect(bare.status, bare.text).toBe(200);
    expect(bare.body).toMatchObject({
      suspendedAt: expect.stringMatching(ISO),
      suspendReason: null,
    });
    await root.post(`${path}/resume`);
    const long = await org.admin.post(`${path}/suspend`, { reason: 'x'.repeat(1001) });
    expect(long.status).toBe(400);
    expect((await org.viewer.get(path)).body.suspendedAt).toBeNull();
  });

  it('deletes a suspended org: gone everywhere, its keys and members refused, nothing left, another org untouched', async () => {
    const org = await newOrg('Doomed Booths');
    const path = `/v1/orgs/${org.id}`;
    await org.operator.post(`${path}/charges`, { feature: 'image' });
    await org.operator.post(`${path}/holds`, { feature: 'image' });
    // A purchase of billing's, and a response kept under an Idempotency-Key of the org: they go
    // with the org.
    const bought = await org.admin.post(`${path}/purchases`, { pack: 'starter' });
    expect(bought.status, bought.text).toBe(201);
    await org.admin.post(
      `${path}/api-keys`,
      { name: 'kept', role: 'viewer' },
      {
        'idempotency-key': 'doomed-key',
      },
    );
    expect(nonEmpty(await rows.of(org.id))).toMatchObject({
      orgs: 1,
      grants: 2,
      purchases: 1,
      'http_responses (by scope)': 1,
    });
    expect((await root.post(`${path}/suspend`, { reason: 'closing down' })).status).toBe(200);
    const otherBefore = await view(other);
    const preview = (await org.admin.get(`${path}/deletion`)).body;

    const deleted = await org.admin.request('DELETE', path, { body: { confirm: 'Doomed Booths' } });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toEqual({ deleted: true, org: org.id, removed: preview.counts });
    expect(preview.counts.purchases).toBe(1);

    expect(nonEmpty(await rows.of(org.id))).toEqual({});
    for (const url of [path, `${path}/balance`, `${path}/transactions`, `${path}/deletion`]) {
      const gone = await root.get(url);
      expect(gone.status, url).toBe(404);
      expect(gone.body.code, url).toBe('unknown_org');
    }
    for (const [method, url, body] of [
      ['POST', `${path}/charges`, { feature: 'image' }],
      ['POST', `${path}/grants`, { kind: 'promo', credits: 1 }],
      ['POST', `${path}/api-keys`, { name: 'again', role: 'admin' }],
      ['POST', `${path}/suspend`, {}],
      ['POST', `${path}/resume`, {}],
      ['DELETE', path, { confirm: 'Doomed Booths' }],
    ] as const) {
      const gone = await root.request(method, url, { body });
      expect(gone.status, `${method} ${url}`).toBe(404);
      expect(gone.body.code).toBe('unknown_org');
    }
    for (const client of [org.admin, org.operator, org.viewer]) {
      const refused = await client.get(path);
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('unauthenticated');
    }
    const login = await server.client().post('/v1/auth/login', {
      email: org.email,
      password: PASSWORD,
    });
    expect(login.status).toBe(401);
    expect(nonEmpty(await rows.of(org.id))).toEqual({});
    expect(await view(other)).toEqual(otherBefore);
    expect((await otherAdmin.post(`/v1/orgs/${other}/charges`, { feature: 'image' })).status).toBe(
      201,
    );
  });

  it("takes the org's id as confirmation too, from root", async () => {
    const org = await newOrg('Root Deletes');
    const deleted = await root.request('DELETE', `/v1/orgs/${org.id}`, {
      body: { confirm: org.id },
    });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toMatchObject({ deleted: true, org: org.id });
    expect(nonEmpty(await rows.of(org.id))).toEqual({});
  });

  it('lets no charge racing the deletion land after it', async () => {
    const org = await newOrg('Raced Booths');
    const path = `/v1/orgs/${org.id}`;
    const charges = Array.from({ length: 40 }, () =>
      org.operator.post(`${path}/charges`, { feature: 'image' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const deleted = await org.admin.request('DELETE', path, { body: { confirm: 'Raced Booths' } });
    expect(deleted.status, deleted.text).toBe(200);
    const answers = await Promise.all(charges);
    for (const answer of answers) {
      expect([201, 401, 404], answer.text).toContain(answer.status);
    }
    const later = await org.operator.post(`${path}/charges`, { feature: 'image' });
    expect(later.status).toBe(401);
    expect((await root.post(`${path}/charges`, { feature: 'image' })).status).toBe(404);
    expect(nonEmpty(await rows.of(org.id))).toEqual({});
  });

  describe('from the command line', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tally-lifecycle-cwd-'));
    afterAll(() => rmSync(cwd, { recursive: true, force: true }));

    async function tally(argv: string[]) {
      let out = '';
      let err = '';
      const code = await runCli(argv, {
        stdout: (text) => {
          out += text;
        },
        stderr: (text) => {
          err += text;
        },
        env: { TALLY_URL: server.url, TALLY_KEY: server.rootKey },
        cwd,
      });
      return { code, out, err };
    }

    it('tally orgs deletion, suspend, resume and delete --confirm', async () => {
      const org = await newOrg('CLI Booths');
      const preview = await tally(['orgs', 'deletion', org.id]);
      expect(preview.code, preview.err).toBe(0);
      expect(preview.out).toMatch(/^credits lost\s+1,100$/m);
      expect(preview.out).toMatch(/^api keys\s+3$/m);
      expect(preview.err).toContain(`tally orgs delete ${org.id} --confirm 'CLI Booths'`);

      const suspended = await tally(['orgs', 'suspend', org.id, '--reason', 'end of season']);
      expect(suspended.code, suspended.err).toBe(0);
      expect(suspended.out).toMatch(/^reason\s+end of season$/m);
      const charge = await tally(['charge', org.id, 'image']);
      expect(charge.code).toBe(1);
      expect(charge.err).toContain('org_suspended');
      const resumed = await tally(['orgs', 'resume', org.id, '--json']);
      expect(resumed.code, resumed.err).toBe(0);
      expect(JSON.parse(resumed.out)).toMatchObject({ id: org.id, suspendedAt: null });

      const wrong = await tally(['orgs', 'delete', org.id, '--confirm', 'CLI booths']);
      expect(wrong.code).toBe(1);
      expect(wrong.err).toContain('confirmation_mismatch');
      expect((await root.get(`/v1/orgs/${org.id}`)).status).toBe(200);
      const missing = await tally(['orgs', 'delete', org.id]);
      expect(missing.code).toBe(2);

      const deleted = await tally(['orgs', 'delete', org.id, '--confirm', 'CLI Booths']);
      expect(deleted.code, deleted.err).toBe(0);
      expect(deleted.out).toMatch(new RegExp(`^deleted\\s+${org.id}$`, 'm'));
      expect(deleted.out).toMatch(/^members\s+1$/m);
      expect((await root.get(`/v1/orgs/${org.id}`)).status).toBe(404);
    });
  });
});
