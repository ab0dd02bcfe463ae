/**
 * Who may do what (DESIGN.md section 4 and rule 11), over every route the OpenAPI document lists
 * and the operational routes beside it: a missing, wrong or revoked key is 401; a role too small
 * for the route is 403 on one's own org; another org — its path or its ids — is 404 with nothing
 * in the answer; sessions read with the cookie alone and write only with the CSRF token; logout,
 * removal and a password change end sessions; bursts are rate limited. Every refusal is checked to
 * have written nothing, through the API and by counting the rows of every table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpClient,
  startTestServer,
  type Client,
  type HttpAnswer,
  type TestServer,
} from './support/server.js';
import { openTableCounter, type TableCounter } from './support/table-counts.js';

type Role = 'viewer' | 'operator' | 'admin';
type Need = Role | 'root' | 'public' | 'signed-in';

/** Who each route is for; the suite fails if the OpenAPI document lists a route not here. */
const NEEDS: Record<string, Need> = {
  'POST /v1/orgs': 'root',
  'GET /v1/orgs': 'root',
  'GET /v1/orgs/{org}': 'viewer',
  'PUT /v1/features/{feature}': 'root',
  'GET /v1/features': 'viewer',
  'POST /v1/orgs/{org}/grants': 'admin',
  'GET /v1/orgs/{org}/grants': 'viewer',
  'POST /v1/orgs/{org}/charges': 'operator',
  'POST /v1/orgs/{org}/holds': 'operator',
  'POST /v1/orgs/{org}/holds/{id}/capture': 'operator',
  'POST /v1/orgs/{org}/holds/{id}/void': 'operator',
  'POST /v1/orgs/{org}/charges/{id}/refund': 'admin',
  'GET /v1/orgs/{org}/balance': 'viewer',
  'GET /v1/orgs/{org}/transactions': 'viewer',
  'GET /v1/orgs/{org}/transactions.csv': 'viewer',
  'GET /v1/orgs/{org}/reports/statement': 'viewer',
  'GET /v1/orgs/{org}/reports/statement.csv': 'viewer',
  'GET /v1/orgs/{org}/reports/statement.pdf': 'viewer',
  'GET /v1/orgs/{org}/reports/usage': 'viewer',
  'GET /v1/orgs/{org}/reports/usage.csv': 'viewer',
  'GET /v1/orgs/{org}/reports/totals': 'viewer',
  'GET /v1/orgs/{org}/reports/months': 'viewer',
  'GET /v1/orgs/{org}/reports/insights': 'viewer',
  'GET /v1/orgs/{org}/projects/{project}/report': 'viewer',
  'POST /v1/orgs/{org}/rollups/rebuild': 'root',
  'POST /v1/orgs/{org}/api-keys': 'admin',
  'GET /v1/orgs/{org}/api-keys': 'admin',
  'DELETE /v1/orgs/{org}/api-keys/{id}': 'admin',
  'POST /v1/orgs/{org}/members': 'admin',
  'GET /v1/orgs/{org}/members': 'admin',
  'PATCH /v1/orgs/{org}/members/{id}': 'admin',
  'DELETE /v1/orgs/{org}/members/{id}': 'admin',
  'GET /v1/orgs/{org}/projects': 'viewer',
  'POST /v1/orgs/{org}/projects': 'admin',
  'GET /v1/orgs/{org}/projects/{project}': 'viewer',
  'PATCH /v1/orgs/{org}/projects/{project}': 'admin',
  'GET /v1/orgs/{org}/allowances': 'viewer',
  'GET /v1/orgs/{org}/allowances/{user}': 'viewer',
  'PUT /v1/orgs/{org}/allowances/{user}': 'admin',
  'DELETE /v1/orgs/{org}/allowances/{user}': 'admin',
  'GET /v1/orgs/{org}/deletion': 'admin',
  'DELETE /v1/orgs/{org}': 'admin',
  'POST /v1/orgs/{org}/suspend': 'admin',
  'POST /v1/orgs/{org}/resume': 'admin',
  'GET /v1/plans': 'viewer',
  'PUT /v1/plans/{plan}': 'root',
  'GET /v1/packs': 'viewer',
  'PUT /v1/packs/{pack}': 'root',
  'GET /v1/orgs/{org}/plan': 'viewer',
  'PUT /v1/orgs/{org}/plan': 'admin',
  'GET /v1/orgs/{org}/plan/comparison': 'viewer',
  'POST /v1/orgs/{org}/purchases': 'admin',
  'GET /v1/orgs/{org}/purchases': 'viewer',
  'GET /v1/orgs/{org}/purchases/{id}': 'viewer',
  'POST /v1/orgs/{org}/purchases/{id}/recheck': 'admin',
  'POST /v1/orgs/{org}/purchases/{id}/cancel': 'admin',
  'POST /v1/orgs/{org}/purchases/{id}/mark-paid': 'root',
  'POST /v1/orgs/{org}/purchases/{id}/refund': 'root',
  'GET /v1/orgs/{org}/purchases/{id}/invoice.pdf': 'viewer',
  'GET /v1/orgs/{org}/purchase-history': 'viewer',
  'GET /v1/orgs/{org}/my-allowance': 'viewer',
  'POST /v1/webhooks/stripe': 'public',
  'POST /v1/auth/login': 'public',
  'GET /v1/auth/session': 'signed-in',
  'POST /v1/auth/logout': 'signed-in',
};
/**
 * Routes whose success would end the suite's orgs: tried with a confirmation that does not match,
 * so that a caller allowed to use them gets this refusal instead of a success.
 */
const REFUSED_WHEN_ALLOWED: Record<string, number> = {
  'DELETE /v1/orgs/{org}': 422,
  // The suite's callers have no allowance of their own.
  'GET /v1/orgs/{org}/my-allowance': 404,
};
/** Served beside the API, to anyone: they hold no org's data. */
const OPERATIONAL = ['/healthz', '/readyz', '/metrics', '/docs', '/v1/openapi.json'];
const RANK: Record<Need, number> = {
  public: 0,
  'signed-in': 1,
  viewer: 1,
  operator: 2,
  admin: 3,
  root: 4,
};
const ROLES: Role[] = ['viewer', 'operator', 'admin'];
const PROBLEM_FIELDS = ['code', 'detail', 'status', 'title', 'type'];
const PASSWORD = 'a long enough password';

interface Route {
  key: string;
  method: string;
  path: string;
}
interface Prepared {
  path: string;
  body?: unknown;
  /** Puts back what a success changed that later routes need (a suspended org resumed). */
  undo?: () => Promise<void>;
}

describe('security', () => {
  let server: TestServer;
  let tables: TableCounter;
  let root: Client;
  let mine: string;
  let theirs: string;
  const keys: Record<string, string> = {};
  const cookies: Record<string, { cookie: string; csrf: string }> = {};
  let revoked: string;
  let routes: Route[];
  /** Ids in their org, to be tried under mine. */
  const their = { charge: '', hold: '', key: '', member: '', secret: '' };
  let memberCount = 0;
  let madeCount = 0;

  const month = () => new Date().toISOString().slice(0, 7);
  const asRoot = (method: string, path: string, body?: unknown) =>
    root.request(method, path, body === undefined ? {} : { body });
  const newMember = async (orgId: string, role: Role) => {
    memberCount += 1;
    const email = `person-${memberCount}@security.test`;
    const made = await root.post(`/v1/orgs/${orgId}/members`, {
      email,
      name: `Person ${memberCount}`,
      role,
      password: PASSWORD,
    });
    expect(made.status).toBe(201);
    return { id: made.body.id as string, email };
  };
  const signIn = async (email: string, password = PASSWORD) => {
    const login = await server.client().post('/v1/auth/login', { email, password });
    expect(login.status, login.text).toBe(200);
    return {
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
      csrf: login.body.csrfToken as string,
    };
  };
  const withSession = (session: { cookie: string }, csrf?: string): Client =>
    httpClient(server.url, undefined, {
      cookie: session.cookie,
      ...(csrf === undefined ? {} : { 'x-csrf-token': csrf }),
    });

  /** A route made ready to succeed on `orgId`: ids it needs are made fresh by root. */
  async function prepare(route: Route, orgId: string): Promise<Prepared> {
    const base = route.path.replace('{org}', orgId).replace('{feature}', 'made-by-test');
    const at = (id: string) => base.replace('{id}', id);
    switch (route.key) {
      case 'POST /v1/orgs':
        return { path: base, body: { name: 'Made' } };
      case 'PUT /v1/features/{feature}':
        return { path: base, body: { name: 'Made', prices: [{ unit: 'action', credits: 1 }] } };
      case 'POST /v1/orgs/{org}/grants':
        return { path: base, body: { kind: 'promo', credits: 1 } };
      case 'POST /v1/orgs/{org}/charges':
      case 'POST /v1/orgs/{org}/holds':
        return { path: base, body: { feature: 'image' } };
      case 'POST /v1/orgs/{org}/holds/{id}/capture':
      case 'POST /v1/orgs/{org}/holds/{id}/void': {
        const hold = await asRoot('POST', `/v1/orgs/${orgId}/holds`, { feature: 'image' });
        return { path: at(hold.body.id), body: {} };
      }
      case 'POST /v1/orgs/{org}/charges/{id}/refund': {
        const charge = await asRoot('POST', `/v1/orgs/${orgId}/charges`, { feature: 'image' });
        return { path: at(charge.body.id), body: { credits: 1 } };
      }
      case 'GET /v1/orgs/{org}/reports/statement':
      case 'GET /v1/orgs/{org}/reports/statement.csv':
      case 'GET /v1/orgs/{org}/reports/statement.pdf':
        return { path: `${base}?month=${month()}` };
      case 'POST /v1/orgs/{org}/api-keys':
        return { path: base, body: { name: 'made', role: 'viewer' } };
      case 'DELETE /v1/orgs/{org}/api-keys/{id}': {
        const key = await asRoot('POST', `/v1/orgs/${orgId}/api-keys`, {
          name: 'to revoke',
          role: 'viewer',
        });
        return { path: at(key.body.id) };
      }
      case 'POST /v1/orgs/{org}/members':
        memberCount += 1;
        return {
          path: base,
          body: {
            email: `made-${memberCount}@security.test`,
            name: 'Made',
            role: 'viewer',
            password: PASSWORD,
          },
        };
      case 'POST /v1/orgs/{org}/projects':
        madeCount += 1;
        return { path: base, body: { id: `made-${madeCount}`, name: 'Made' } };
      case 'GET /v1/orgs/{org}/projects/{project}':
      case 'GET /v1/orgs/{org}/projects/{project}/report':
      case 'PATCH /v1/orgs/{org}/projects/{project}': {
        madeCount += 1;
        const id = `made-${madeCount}`;
        expect(
          (await asRoot('POST', `/v1/orgs/${orgId}/projects`, { id, name: 'Made' })).status,
        ).toBe(201);
        return {
          path: base.replace('{project}', id),
          ...(route.method === 'GET' ? {} : { body: { name: 'Renamed' } }),
        };
      }
      case 'PUT /v1/orgs/{org}/allowances/{user}':
        madeCount += 1;
        return {
          path: base.replace('{user}', `user-${madeCount}`),
          body: { credits: 5, period: 'day' },
        };
      case 'GET /v1/orgs/{org}/allowances/{user}':
      case 'DELETE /v1/orgs/{org}/allowances/{user}': {
        madeCount += 1;
        const user = `user-${madeCount}`;
        const path = base.replace('{user}', user);
        expect((await asRoot('PUT', path, { credits: 5, period: 'day' })).status).toBe(200);
        return { path };
      }
      case 'PATCH /v1/orgs/{org}/members/{id}':
        return { path: at((await newMember(orgId, 'viewer')).id), body: { name: 'Renamed' } };
      case 'DELETE /v1/orgs/{org}/members/{id}':
        return { path: at((await newMember(orgId, 'viewer')).id) };
      case 'DELETE /v1/orgs/{org}':
        return { path: base, body: { confirm: 'not the name of the org' } };
      case 'PUT /v1/plans/{plan}':
        return {
          path: base.replace('{plan}', 'made-by-test'),
          body: { name: 'Made', currency: 'USD', pricePerCredit: 1 },
        };
      case 'PUT /v1/packs/{pack}':
        return {
          path: base.replace('{pack}', 'made-by-test'),
          body: { name: 'Made', credits: 1, price: 1, currency: 'USD' },
        };
      case 'PUT /v1/orgs/{org}/plan':
        return { path: base, body: { plan: 'payg' } };
      case 'POST /v1/orgs/{org}/purchases':
        return { path: base, body: { pack: 'starter', provider: 'manual' } };
      case 'GET /v1/orgs/{org}/purchases/{id}':
      case 'GET /v1/orgs/{org}/purchases/{id}/invoice.pdf':
      case 'POST /v1/orgs/{org}/purchases/{id}/recheck':
      case 'POST /v1/orgs/{org}/purchases/{id}/cancel':
      case 'POST /v1/orgs/{org}/purchases/{id}/mark-paid':
      case 'POST /v1/orgs/{org}/purchases/{id}/refund': {
        const purchase = await asRoot('POST', `/v1/orgs/${orgId}/purchases`, {
          pack: 'starter',
          provider: 'manual',
        });
        expect(purchase.status, purchase.text).toBe(201);
        if (route.key.endsWith('/refund')) {
          const paid = await asRoot(
            'POST',
            `/v1/orgs/${orgId}/purchases/${purchase.body.id}/mark-paid`,
            {},
          );
          expect(paid.status, paid.text).toBe(200);
        }
        return { path: at(purchase.body.id), ...(route.method === 'GET' ? {} : { body: {} }) };
      }
      case 'POST /v1/orgs/{org}/suspend':
        return {
          path: base,
          body: { reason: 'tried by the security suite' },
          undo: async () => {
            expect((await asRoot('POST', `/v1/orgs/${orgId}/resume`, {})).status).toBe(200);
          },
        };
      default:
        return { path: at('none'), ...(route.method === 'GET' ? {} : { body: {} }) };
    }
  }
  const send = (client: Client, route: Route, prepared: Prepared) =>
    client.request(
      route.method,
      prepared.path,
      prepared.body === undefined ? {} : { body: prepared.body },
    );

  async function orgView(orgId: string) {
    const { at: _at, ...balance } = (await root.get(`/v1/orgs/${orgId}/balance`)).body;
    return {
      org: (await root.get(`/v1/orgs/${orgId}`)).body,
      balance,
      log: (await root.get(`/v1/orgs/${orgId}/transactions?limit=1000`)).body.data,
      grants: (await root.get(`/v1/orgs/${orgId}/grants`)).body.data,
      keys: (await root.get(`/v1/orgs/${orgId}/api-keys`)).body.data.map(
        ({ lastUsedAt: _used, ...key }: Record<string, unknown>) => key,
      ),
      members: (await root.get(`/v1/orgs/${orgId}/members`)).body.data,
    };
  }
  const everything = async () => ({
    mine: await orgView(mine),
    theirs: await orgView(theirs),
    features: (await root.get('/v1/features')).body,
    tables: await tables.counts(),
  });

  /** A refusal that says what is wrong and nothing else. */
  function expectBareProblem(answer: HttpAnswer, status: number, code: string, what: string) {
    expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBe(status);
    expect(answer.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
    expect(answer.body.code, what).toBe(code);
    expect(answer.headers.get('set-cookie'), what).toBeNull();
    const extra = Object.keys(answer.body).filter((field) => !PROBLEM_FIELDS.includes(field));
    // A 404 may echo the org id the caller sent; a 403 may say which role was needed.
    const allowed = { 401: [], 403: ['role', 'needed'], 404: ['org'] }[status] ?? [];
    expect(
      extra.filter((field) => !allowed.includes(field as never)),
      what,
    ).toEqual([]);
    expect(answer.text, what).not.toContain('Mine, secretly named');
    expect(answer.text, what).not.toContain('Theirs, secretly named');
  }

  beforeAll(async () => {
    server = await startTestServer();
    tables = await openTableCounter(server);
    root = server.client(server.rootKey);
    await asRoot('PUT', '/v1/features/image', {
      name: 'Image',
      prices: [{ unit: 'action', credits: 8 }],
      effectiveAt: '2020-01-01T00:00:00Z',
    });
    mine = (
      await root.post('/v1/orgs', {
        name: 'Mine, secretly named',
        allowance: { credits: 100000 },
      })
    ).body.id;
    theirs = (
      await root.post('/v1/orgs', {
        name: 'Theirs, secretly named',
        allowance: { credits: 100000 },
      })
    ).body.id;
    for (const role of ROLES) {
      keys[role] = (await root.post(`/v1/orgs/${mine}/api-keys`, { name: role, role })).body.secret;
      keys[`their ${role}`] = (
        await root.post(`/v1/orgs/${theirs}/api-keys`, { name: role, role })
      ).body.secret;
      cookies[role] = await signIn((await newMember(mine, role)).email);
      cookies[`their ${role}`] = await signIn((await newMember(theirs, role)).email);
    }
    const old = (await root.post(`/v1/orgs/${mine}/api-keys`, { name: 'old', role: 'admin' })).body;
    expect((await asRoot('DELETE', `/v1/orgs/${mine}/api-keys/${old.id}`)).status).toBe(200);
    revoked = old.secret;

    const theirAdmin = server.client(keys['their admin']);
    their.charge = (
      await theirAdmin.post(`/v1/orgs/${theirs}/charges`, { feature: 'image' })
    ).body.id;
    their.hold = (await theirAdmin.post(`/v1/orgs/${theirs}/holds`, { feature: 'image' })).body.id;
    const theirKey = (
      await theirAdmin.post(`/v1/orgs/${theirs}/api-keys`, { name: 'spare', role: 'viewer' })
    ).body;
    their.key = theirKey.id;
    their.secret = theirKey.secret;
    their.member = (await newMember(theirs, 'viewer')).id;

    const openapi = await server.client().get('/v1/openapi.json');
    routes = Object.entries(openapi.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) =>
        Object.keys(methods).map((method) => ({
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
        })),
    );
  });
  afterAll(async () => {
    await tables.close();
    await server.close();
  });

  it('knows who each route of the OpenAPI document is for', () => {
    expect(routes.map((route) => route.key).sort()).toEqual(Object.keys(NEEDS).sort());
  });

  it('serves the operational routes to anyone, without org data', async () => {
    for (const path of OPERATIONAL) {
      const answer = await server.client().get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.text, path).not.toContain(mine);
      expect(answer.text, path).not.toContain('secretly named');
    }
    // Outside /v1 a stray key is ignored; under /v1 a wrong key is always refused.
    expect((await server.client('tly_wrong').get('/healthz')).status).toBe(200);
    expectBareProblem(
      await server.client('tly_wrong').get('/v1/openapi.json'),
      401,
      'unauthenticated',
      'openapi with a wrong key',
    );
  });

  describe('answers 401, and writes nothing, without a valid credential', () => {
    /** [label, client, whether it sends an Authorization header] */
    const credentials: [string, () => Client, boolean][] = [
      ['no key', () => server.client(), false],
      ['a wrong key', () => server.client('tly_wrong0000000000000000000000000000'), true],
      ['a key of another installation', () => server.client('tly_root_somewhere_else'), true],
      ['a revoked key', () => server.client(revoked), true],
      [
        'a Basic Authorization header',
        () => httpClient(server.url, undefined, { authorization: `Basic ${keys.admin ?? ''}` }),
        true,
      ],
      [
        'a session token sent as a Bearer key',
        () => server.client(cookies.admin?.cookie.split('=')[1]),
        true,
      ],
      ['a CSRF token sent as a Bearer key', () => server.client(cookies.admin?.csrf), true],
      [
        'a forged session cookie',
        () => httpClient(server.url, undefined, { cookie: 'tally_session=tls_forged' }),
        false,
      ],
    ];
    for (const [label, client, bearer] of credentials) {
      it(`with ${label}`, async () => {
        const calls: [Route, Prepared][] = [];
        for (const route of routes) {
          // Login is how one gets a credential: without one it is not refused.
          if (NEEDS[route.key] === 'public' && !bearer) continue;
          calls.push([route, await prepare(route, mine)]);
        }
        const before = await everything();
        for (const [route, prepared] of calls) {
          const answer = await send(client(), route, prepared);
          expectBareProblem(answer, 401, 'unauthenticated', `${route.key} with ${label}`);
          expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
        }
        expect(await everything()).toEqual(before);
      });
    }
  });

  describe('lets roles do what they may and refuses the rest with 403, writing nothing', () => {
    const callers: [string, (role: Role) => Client][] = [
      ['key', (role) => server.client(keys[role])],
      [
        'session',
        (role) => withSession(cookies[role] ?? { cookie: '' }, cookies[role]?.csrf ?? ''),
      ],
    ];
    for (const [kind, callerOf] of callers) {
      for (const role of ROLES) {
        it(`as a ${role} ${kind}`, async () => {
          for (const route of routes) {
            const need = NEEDS[route.key] ?? 'root';
            if (need === 'public' || need === 'signed-in') continue;
            const prepared = await prepare(route, mine);
            const before = await everything();
            const answer = await send(callerOf(role), route, prepared);
            await prepared.undo?.();
            const what = `${route.key} as ${role} ${kind}`;
            const refusedWith = REFUSED_WHEN_ALLOWED[route.key];
            if (RANK[role] >= RANK[need] && refusedWith !== undefined) {
              expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBe(refusedWith);
            } else if (RANK[role] >= RANK[need]) {
              expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBeGreaterThanOrEqual(
                200,
              );
              expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBeLessThan(300);
            } else {
              expectBareProblem(answer, 403, 'forbidden', what);
              expect(await everything(), what).toEqual(before);
            }
          }
        });
      }
    }

    it('refuses before reading the body: a stranger learns nothing from parsing or validation', async () => {
      const bodies: [string, { raw: string; headers?: Record<string, string> }][] = [
        ['malformed JSON', { raw: '{"broken": ' }],
        ['XML', { raw: '<x/>', headers: { 'content-type': 'application/xml' } }],
        ['a body over 1 MiB', { raw: JSON.stringify({ note: 'x'.repeat(1100 * 1024) }) }],
        ['an invalid body', { raw: JSON.stringify({ credits: -1, kind: 'gift' }) }],
      ];
      for (const route of routes) {
        const need = NEEDS[route.key] ?? 'root';
        if (route.method === 'GET' || need === 'public' || need === 'signed-in') continue;
        const path = route.path
          .replace('{org}', mine)
          .replace('{id}', 'x')
          .replace('{feature}', 'x');
        for (const [label, body] of bodies) {
          const what = `${route.key} with ${label}`;
          expectBareProblem(
            await server.client().request(route.method, path, body),
            401,
            'unauthenticated',
            `${what} and no key`,
          );
          if (RANK[need] > RANK.viewer) {
            expectBareProblem(
              await server.client(keys.viewer).request(route.method, path, body),
              403,
              'forbidden',
              `${what} as a viewer`,
            );
          }
          if (route.path.startsWith('/v1/orgs/{org}')) {
            expectBareProblem(
              await server.client(keys['their admin']).request(route.method, path, body),
              404,
              'unknown_org',
              `${what} from another org`,
            );
          }
        }
      }
    });

    it('gives root every route of every org', async () => {
      for (const orgId of [mine, theirs]) {
        for (const route of routes) {
          const need = NEEDS[route.key];
          if (need === 'public' || need === 'signed-in') continue;
          const prepared = await prepare(route, orgId);
          const answer = await send(root, route, prepared);
          await prepared.undo?.();
          const what = `${route.key}: ${answer.text.slice(0, 300)}`;
          const refusedWith = REFUSED_WHEN_ALLOWED[route.key];
          if (refusedWith !== undefined) expect(answer.status, what).toBe(refusedWith);
          else expect(answer.status, what).toBeLessThan(300);
        }
      }
    });
  });

  describe('answers 404 with nothing in it for another org, and changes nothing', () => {
    const strangers: [string, () => Client][] = [
      ['their admin key', () => server.client(keys['their admin'])],
      ['their viewer key', () => server.client(keys['their viewer'])],
      [
        'their admin session',
        () =>
          withSession(cookies['their admin'] ?? { cookie: '' }, cookies['their admin']?.csrf ?? ''),
      ],
    ];
    for (const [label, client] of strangers) {
      it(`on every route of my org, with ${label}`, async () => {
        for (const route of routes.filter(({ path }) => path.startsWith('/v1/orgs/{org}'))) {
          const prepared = await prepare(route, mine);
          const before = await everything();
          const answer = await send(client(), route, prepared);
          expectBareProblem(answer, 404, 'unknown_org', `${route.key} with ${label}`);
          expect(answer.text).not.toContain(prepared.path.split('/')[5] ?? 'no id in path');
          // As if my org did not exist at all.
          const missing = await send(client(), route, {
            ...prepared,
            path: prepared.path.replace(mine, 'org_none'),
          });
          expect({ ...missing.body, org: mine, detail: '' }).toEqual({
            ...answer.body,
            detail: '',
          });
          expect(await everything(), `${route.key} with ${label}`).toEqual(before);
        }
      });
    }

    it('for their charge, hold, key and member ids used under my org, even by root', async () => {
      const attempts: [string, string, string, unknown?][] = [
        ['POST', `/charges/${their.charge}/refund`, 'unknown_charge', {}],
        ['POST', `/charges/${their.charge}/refund`, 'unknown_charge', { credits: 1 }],
        ['POST', `/holds/${their.hold}/capture`, 'unknown_hold', {}],
        ['POST', `/holds/${their.hold}/capture`, 'unknown_hold', { credits: 1 }],
        ['POST', `/holds/${their.hold}/void`, 'unknown_hold', {}],
        ['DELETE', `/api-keys/${their.key}`, 'unknown_key'],
        ['PATCH', `/members/${their.member}`, 'unknown_member', { name: 'Taken over' }],
        ['PATCH', `/members/${their.member}`, 'unknown_member', { role: 'admin' }],
        [
          'PATCH',
          `/members/${their.member}`,
          'unknown_member',
          { password: 'chosen by an attacker' },
        ],
        ['DELETE', `/members/${their.member}`, 'unknown_member'],
      ];
      for (const caller of [server.client(keys.admin), root]) {
        for (const [method, rest, code, body] of attempts) {
          const before = await everything();
          const answer = await caller.request(
            method,
            `/v1/orgs/${mine}${rest}`,
            body === undefined ? {} : { body },
          );
          const what = `${method} ${rest}`;
          expect(answer.status, what).toBe(404);
          expect(answer.body.code, what).toBe(code);
          expect(answer.text, what).not.toContain(theirs);
          expect(answer.text, what).not.toContain('Theirs');
          expect(await everything(), what).toEqual(before);
        }
      }
      // Their things are as they were: the hold pending, the key working, the member signing in.
      const theirAdmin = server.client(keys['their admin']);
      expect((await server.client(their.secret).get(`/v1/orgs/${theirs}/balance`)).status).toBe(
        200,
      );
      const member = (await theirAdmin.get(`/v1/orgs/${theirs}/members`)).body.data.find(
        (m: { id: string }) => m.id === their.member,
      );
      expect(member).toMatchObject({ role: 'viewer', name: expect.stringMatching(/^Person/) });
      expect(
        (await server.client().post('/v1/auth/login', { email: member.email, password: PASSWORD }))
          .status,
      ).toBe(200);
      expect(
        (await theirAdmin.post(`/v1/orgs/${theirs}/holds/${their.hold}/capture`, {})).status,
      ).toBe(200);
    });
  });

  describe('sessions', () => {
    it('read with the cookie alone, and write only with the CSRF token of the session', async () => {
      const operator = await newMember(mine, 'operator');
      const session = await signIn(operator.email);
      const other = await signIn(operator.email);
      const reader = withSession(session);
      for (const path of [
        `/v1/orgs/${mine}`,
        `/v1/orgs/${mine}/balance`,
        `/v1/orgs/${mine}/transactions`,
        `/v1/orgs/${mine}/transactions.csv`,
        `/v1/orgs/${mine}/grants`,
        `/v1/orgs/${mine}/reports/statement?month=${month()}`,
        '/v1/features',
        '/v1/auth/session',
      ]) {
        expect((await reader.get(path)).status, path).toBe(200);
      }
      // Every write, without the token, with a wrong one, or with another session's token.
      for (const csrf of [undefined, 'forged', '', other.csrf, `${session.csrf}x`]) {
        for (const route of routes.filter((r) => r.method !== 'GET' && NEEDS[r.key] !== 'public')) {
          const prepared = await prepare(route, mine);
          const before = await everything();
          const answer = await send(withSession(session, csrf), route, prepared);
          expectBareProblem(answer, 403, 'csrf_token_invalid', `${route.key} with ${csrf}`);
          expect(await everything(), route.key).toEqual(before);
        }
      }
      // Logout without the token did not end the session.
      expect((await reader.get('/v1/auth/session')).status).toBe(200);
      const writer = withSession(session, session.csrf);
      expect((await writer.post(`/v1/orgs/${mine}/charges`, { feature: 'image' })).status).toBe(
        201,
      );
      expectBareProblem(
        await writer.post(`/v1/orgs/${mine}/grants`, { kind: 'promo', credits: 1 }),
        403,
        'forbidden',
        'an operator granting',
      );
      // A session of my org sees nothing of theirs.
      expectBareProblem(
        await reader.get(`/v1/orgs/${theirs}/balance`),
        404,
        'unknown_org',
        'their balance',
      );
    });

    it('end at logout, and only the one logged out', async () => {
      const member = await newMember(mine, 'admin');
      const first = await signIn(member.email);
      const second = await signIn(member.email);
      const out = await withSession(first, first.csrf).request('POST', '/v1/auth/logout');
      expect(out.status).toBe(204);
      for (const [method, path, body] of [
        ['GET', `/v1/orgs/${mine}/balance`],
        ['GET', '/v1/auth/session'],
        ['POST', `/v1/orgs/${mine}/charges`, { feature: 'image' }],
        ['POST', '/v1/auth/logout', {}],
      ] as [string, string, unknown?][]) {
        expectBareProblem(
          await withSession(first, first.csrf).request(
            method,
            path,
            body === undefined ? {} : { body },
          ),
          401,
          'unauthenticated',
          `${method} ${path} after logout`,
        );
      }
      expect((await withSession(second).get(`/v1/orgs/${mine}/balance`)).status).toBe(200);
    });

    it('end when the member is removed', async () => {
      const member = await newMember(mine, 'admin');
      const session = await signIn(member.email);
      expect((await withSession(session).get(`/v1/orgs/${mine}/balance`)).status).toBe(200);
      expect(
        (await server.client(keys.admin).request('DELETE', `/v1/orgs/${mine}/members/${member.id}`))
          .status,
      ).toBe(204);
      const before = await everything();
      expectBareProblem(
        await withSession(session).get(`/v1/orgs/${mine}/balance`),
        401,
        'unauthenticated',
        'read by a removed member',
      );
      expectBareProblem(
        await withSession(session, session.csrf).post(`/v1/orgs/${mine}/charges`, {
          feature: 'image',
        }),
        401,
        'unauthenticated',
        'write by a removed member',
      );
      expect(await everything()).toEqual(before);
    });

    it('end when the password changes, all of them; a new name or role keeps them', async () => {
      const member = await newMember(mine, 'admin');
      const sessions = [await signIn(member.email), await signIn(member.email)];
      const admin = server.client(keys.admin);
      const patch = (body: unknown) =>
        admin.request('PATCH', `/v1/orgs/${mine}/members/${member.id}`, { body });

      expect((await patch({ name: 'Renamed' })).status).toBe(200);
      for (const session of sessions)
        expect((await withSession(session).get('/v1/auth/session')).body.member.name).toBe(
          'Renamed',
        );
      // A smaller role applies at once to the sessions it has.
      expect((await patch({ role: 'viewer' })).status).toBe(200);
      const [one = { cookie: '', csrf: '' }] = sessions;
      expectBareProblem(
        await withSession(one, one.csrf).post(`/v1/orgs/${mine}/grants`, {
          kind: 'promo',
          credits: 1,
        }),
        403,
        'forbidden',
        'a demoted member granting',
      );
      expect((await patch({ password: 'a completely new password' })).status).toBe(200);
      for (const session of sessions) {
        expectBareProblem(
          await withSession(session).get(`/v1/orgs/${mine}/balance`),
          401,
          'unauthenticated',
          'after a password change',
        );
      }
      expect(
        (
          await server
            .client()
            .post('/v1/auth/login', { email: member.email, password: 'a completely new password' })
        ).status,
      ).toBe(200);
    });

    it('are not API keys, and an API key is not a session', async () => {
      const key = server.client(keys.admin);
      expectBareProblem(
        await key.get('/v1/auth/session'),
        401,
        'unauthenticated',
        'session read with a key',
      );
      // A key needs no CSRF token: it is not sent by browsers on their own.
      expect(
        (await key.post(`/v1/orgs/${mine}/grants`, { kind: 'promo', credits: 1 })).status,
      ).toBe(201);
      // With both, the key decides: a viewer key with an admin cookie is a viewer.
      const both = httpClient(server.url, keys.viewer, {
        cookie: cookies.admin?.cookie ?? '',
        'x-csrf-token': cookies.admin?.csrf ?? '',
      });
      expectBareProblem(
        await both.post(`/v1/orgs/${mine}/grants`, { kind: 'promo', credits: 1 }),
        403,
        'forbidden',
        'viewer key with an admin cookie',
      );
    });
  });

  describe('rate limits', () => {
    let limited: TestServer;
    beforeAll(async () => {
      limited = await startTestServer({ TALLY_RATE_LIMIT: '5' });
    });
    afterAll(() => limited.close());

    it('a burst with 429 and Retry-After, per caller, writing nothing refused', async () => {
      const admin = limited.client(limited.rootKey);
      await admin.request('PUT', '/v1/features/image', {
        body: {
          name: 'Image',
          prices: [{ unit: 'action', credits: 1 }],
          effectiveAt: '2020-01-01T00:00:00Z',
        },
      });
      const orgId = (await admin.post('/v1/orgs', { name: 'Busy', allowance: { credits: 1000 } }))
        .body.id;
      const operator = (
        await admin.post(`/v1/orgs/${orgId}/api-keys`, { name: 'busy', role: 'operator' })
      ).body.secret;
      const viewer = (
        await admin.post(`/v1/orgs/${orgId}/api-keys`, { name: 'calm', role: 'viewer' })
      ).body.secret;

      const answers = await Promise.all(
        Array.from({ length: 40 }, () =>
          limited.client(operator).post(`/v1/orgs/${orgId}/charges`, { feature: 'image' }),
        ),
      );
      const refused = answers.filter((answer) => answer.status === 429);
      const charged = answers.filter((answer) => answer.status === 201);
      expect(refused.length + charged.length).toBe(answers.length);
      expect(refused.length).toBeGreaterThanOrEqual(20);
      expect(charged.length).toBeGreaterThanOrEqual(5);
      for (const answer of refused) {
        expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(answer.body.code).toBe('rate_limited');
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(Number.isInteger(Number(answer.headers.get('retry-after')))).toBe(true);
      }
      // Only the charges that went through are in the log.
      const log = await limited.client(viewer).get(`/v1/orgs/${orgId}/transactions?type=usage`);
      expect(log.status).toBe(200);
      expect(log.body.data).toHaveLength(charged.length);
      // Another caller is not held back by this one.
      expect((await limited.client(viewer).get(`/v1/orgs/${orgId}/balance`)).status).toBe(200);
      // After the wait it names, the caller may go on.
      const wait = Number(refused[0]?.headers.get('retry-after'));
      await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 200));
      expect(
        (await limited.client(operator).post(`/v1/orgs/${orgId}/charges`, { feature: 'image' }))
          .status,
      ).toBe(201);
    });

    it('password guessing from one address', async () => {
      const answers = await Promise.all(
        Array.from({ length: 40 }, () =>
          limited
            .client()
            .post('/v1/auth/login', { email: 'someone@limited.test', password: 'guess' }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(20);
      expect(statuses.every((status) => status === 429 || status === 401)).toBe(true);
    });
  });
});
