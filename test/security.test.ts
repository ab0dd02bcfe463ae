/**
 * Who may do what (DESIGN.md section 4, rule 11): every route refuses a missing, wrong or revoked
 * key; another org's key and ids answer 404 with nothing in them; roles nest; session writes need
 * the CSRF token; bursts are rate limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Client, type TestServer } from './support/server.js';

interface Route {
  method: string;
  path: string;
}

describe('security', () => {
  let server: TestServer;
  let root: Client;
  let org: string;
  let other: string;
  const keys: Record<string, string> = {};
  let revoked: string;
  let otherAdmin: string;
  let chargeId: string;
  let holdId: string;
  let routes: Route[];

  const bodyFor = (route: Route) =>
    route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} };
  const fill = (path: string, orgId: string) =>
    path.replace('{org}', orgId).replace('{id}', 'chg_nothing').replace('{feature}', 'image');

  beforeAll(async () => {
    server = await startTestServer();
    root = server.client(server.rootKey);
    await root.request('PUT', '/v1/features/image', {
      body: {
        name: 'Image',
        prices: [{ unit: 'action', credits: 8 }],
        effectiveAt: '2020-01-01T00:00:00Z',
      },
    });
    org = (await root.post('/v1/orgs', { name: 'Mine', allowance: { credits: 1000 } })).body.id;
    other = (await root.post('/v1/orgs', { name: 'Theirs', allowance: { credits: 1000 } })).body.id;
    for (const role of ['viewer', 'operator', 'admin']) {
      keys[role] = (await root.post(`/v1/orgs/${org}/api-keys`, { name: role, role })).body.secret;
    }
    const toRevoke = (await root.post(`/v1/orgs/${org}/api-keys`, { name: 'old', role: 'admin' }))
      .body;
    await root.request('DELETE', `/v1/orgs/${org}/api-keys/${toRevoke.id}`);
    revoked = toRevoke.secret;
    otherAdmin = (await root.post(`/v1/orgs/${other}/api-keys`, { name: 'theirs', role: 'admin' }))
      .body.secret;
    const theirs = server.client(otherAdmin);
    chargeId = (await theirs.post(`/v1/orgs/${other}/charges`, { feature: 'image' })).body.id;
    holdId = (await theirs.post(`/v1/orgs/${other}/holds`, { feature: 'image' })).body.id;
    const openapi = await server.client().get('/v1/openapi.json');
    routes = Object.entries(openapi.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) =>
        Object.keys(methods)
          .filter((method) => method !== 'head')
          .map((method) => ({ method: method.toUpperCase(), path })),
    );
  });
  afterAll(() => server.close());

  it('lists the routes it checks from the OpenAPI document', () => {
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes).toContainEqual({ method: 'POST', path: '/v1/orgs/{org}/charges' });
  });

  it('answers 401 on every route without a key, with a wrong key or a revoked one', async () => {
    const guarded = routes.filter((route) => route.path !== '/v1/auth/login');
    for (const key of [undefined, 'tly_wrong', revoked]) {
      for (const route of guarded) {
        const answer = await server
          .client(key)
          .request(route.method, fill(route.path, org), bodyFor(route));
        expect(answer.status, `${route.method} ${route.path} with ${key ?? 'no key'}`).toBe(401);
        expect(answer.body.code).toBe('unauthenticated');
      }
    }
  });

  it('answers 404 with nothing in it on every org route called with another org key', async () => {
    const orgRoutes = routes.filter((route) => route.path.startsWith('/v1/orgs/{org}'));
    for (const route of orgRoutes) {
      const answer = await server
        .client(otherAdmin)
        .request(route.method, fill(route.path, org), bodyFor(route));
      expect(answer.status, `${route.method} ${route.path}`).toBe(404);
      expect(answer.body.code).toBe('unknown_org');
      expect(answer.text).not.toContain('Mine');
    }
  });

  it('answers 404 for another org ids used under one own org, and changes nothing', async () => {
    const admin = server.client(keys.admin);
    const before = await admin.get(`/v1/orgs/${org}/balance`);
    expect((await admin.post(`/v1/orgs/${org}/charges/${chargeId}/refund`, {})).body.code).toBe(
      'unknown_charge',
    );
    expect((await admin.post(`/v1/orgs/${org}/holds/${holdId}/capture`, {})).body.code).toBe(
      'unknown_hold',
    );
    expect((await admin.post(`/v1/orgs/${org}/holds/${holdId}/void`, {})).body.code).toBe(
      'unknown_hold',
    );
    const theirKeys = await server.client(otherAdmin).get(`/v1/orgs/${other}/api-keys`);
    const theirKey = theirKeys.body.data[0].id as string;
    const revoke = await admin.request('DELETE', `/v1/orgs/${org}/api-keys/${theirKey}`);
    expect(revoke.status).toBe(404);
    expect((await server.client(otherAdmin).get(`/v1/orgs/${other}/balance`)).status).toBe(200);
    expect((await admin.get(`/v1/orgs/${org}/balance`)).body.available).toBe(before.body.available);
    // Their hold is still pending: neither the capture nor the void reached it.
    const log = await server.client(otherAdmin).get(`/v1/orgs/${other}/transactions?type=void`);
    expect(log.body.data).toHaveLength(0);
  });

  it('lets roles do what they may and no more', async () => {
    const attempts: {
      route: string;
      call: (client: Client) => Promise<{ status: number }>;
      needs: string;
    }[] = [
      { route: 'balance', needs: 'viewer', call: (c) => c.get(`/v1/orgs/${org}/balance`) },
      {
        route: 'transactions',
        needs: 'viewer',
        call: (c) => c.get(`/v1/orgs/${org}/transactions`),
      },
      {
        route: 'charge',
        needs: 'operator',
        call: (c) => c.post(`/v1/orgs/${org}/charges`, { feature: 'image' }),
      },
      {
        route: 'hold',
        needs: 'operator',
        call: (c) => c.post(`/v1/orgs/${org}/holds`, { feature: 'image' }),
      },
      {
        route: 'grant',
        needs: 'admin',
        call: (c) => c.post(`/v1/orgs/${org}/grants`, { kind: 'promo', credits: 1 }),
      },
      { route: 'keys', needs: 'admin', call: (c) => c.get(`/v1/orgs/${org}/api-keys`) },
      { route: 'members', needs: 'admin', call: (c) => c.get(`/v1/orgs/${org}/members`) },
      { route: 'org', needs: 'root', call: (c) => c.post('/v1/orgs', { name: 'Nope' }) },
      {
        route: 'feature',
        needs: 'root',
        call: (c) =>
          c.request('PUT', '/v1/features/video', {
            body: { name: 'Video', prices: [{ unit: 'action', credits: 1 }] },
          }),
      },
    ];
    const order = ['viewer', 'operator', 'admin', 'root'];
    for (const attempt of attempts) {
      for (const role of ['viewer', 'operator', 'admin']) {
        const answer = await attempt.call(server.client(keys[role]));
        const allowed = order.indexOf(role) >= order.indexOf(attempt.needs);
        expect(answer.status < 300, `${role} on ${attempt.route}`).toBe(allowed);
        if (!allowed) expect(answer.status, `${role} on ${attempt.route}`).toBe(403);
      }
    }
    const refund = await server
      .client(keys.operator)
      .post(`/v1/orgs/${org}/charges/chg_x/refund`, {});
    expect(refund.status).toBe(403);
  });

  it('needs the CSRF token for writes made with a session, and ends sessions', async () => {
    const admin = server.client(keys.admin);
    const member = await admin.post(`/v1/orgs/${org}/members`, {
      email: 'Ana@Example.com',
      name: 'Ana',
      role: 'operator',
      password: 'correct horse battery',
    });
    expect(member.status).toBe(201);
    const wrong = await server
      .client()
      .post('/v1/auth/login', { email: 'ana@example.com', password: 'nope' });
    expect(wrong.status).toBe(401);
    const login = await server
      .client()
      .post('/v1/auth/login', { email: 'ana@example.com', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(login.headers.get('set-cookie')).toMatch(/SameSite=Lax/i);
    const asMember = async (method: string, path: string, body?: unknown, csrf?: string) =>
      server.client().request(method, path, {
        ...(body === undefined ? {} : { body }),
        headers: { cookie, ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }) },
      });
    expect((await asMember('GET', `/v1/orgs/${org}/balance`)).status).toBe(200);
    const before = (await asMember('GET', `/v1/orgs/${org}/transactions?type=usage`)).body.data
      .length;
    const noToken = await asMember('POST', `/v1/orgs/${org}/charges`, { feature: 'image' });
    expect(noToken.status).toBe(403);
    expect(noToken.body.code).toBe('csrf_token_invalid');
    const badToken = await asMember(
      'POST',
      `/v1/orgs/${org}/charges`,
      { feature: 'image' },
      'forged',
    );
    expect(badToken.body.code).toBe('csrf_token_invalid');
    expect(
      (await asMember('GET', `/v1/orgs/${org}/transactions?type=usage`)).body.data,
    ).toHaveLength(before);
    const csrf = login.body.csrfToken as string;
    expect(
      (await asMember('POST', `/v1/orgs/${org}/charges`, { feature: 'image' }, csrf)).status,
    ).toBe(201);
    expect(
      (await asMember('POST', `/v1/orgs/${org}/grants`, { kind: 'promo', credits: 1 }, csrf))
        .status,
    ).toBe(403);
    expect((await asMember('GET', '/v1/auth/session')).body.member.email).toBe('ana@example.com');

    expect((await asMember('POST', '/v1/auth/logout', {}, csrf)).status).toBe(204);
    expect((await asMember('GET', `/v1/orgs/${org}/balance`)).status).toBe(401);

    // A password change, and removal, end the member's sessions.
    const again = await server
      .client()
      .post('/v1/auth/login', { email: 'ana@example.com', password: 'correct horse battery' });
    const cookie2 = (again.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const read = () =>
      server.client().request('GET', `/v1/orgs/${org}/balance`, { headers: { cookie: cookie2 } });
    expect((await read()).status).toBe(200);
    await admin.request('PATCH', `/v1/orgs/${org}/members/${member.body.id}`, {
      body: { password: 'another long one' },
    });
    expect((await read()).status).toBe(401);
    const third = await server
      .client()
      .post('/v1/auth/login', { email: 'ana@example.com', password: 'another long one' });
    const cookie3 = (third.headers.get('set-cookie') ?? '').split(';')[0] as string;
    await admin.request('DELETE', `/v1/orgs/${org}/members/${member.body.id}`);
    expect(
      (
        await server
          .client()
          .request('GET', `/v1/orgs/${org}/balance`, { headers: { cookie: cookie3 } })
      ).status,
    ).toBe(401);
  });

  it('rate limits bursts with 429 and Retry-After', async () => {
    const limited = await startTestServer({ TALLY_RATE_LIMIT: '5' });
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => limited.client(limited.rootKey).get('/v1/features')),
      );
      const refused = answers.filter((answer) => answer.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]?.body.code).toBe('rate_limited');
      expect(Number(refused[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(answers.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(10);
    } finally {
      await limited.close();
    }
  });
});
