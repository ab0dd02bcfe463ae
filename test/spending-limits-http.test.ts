/**
 * Projects, budgets and allowances over HTTP on a real server: each flow with its refusals, the
 * race of concurrent charges against one allowance, and bad input that writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Client, type TestServer } from './support/server.js';
import { openTableCounter, type TableCounter } from './support/table-counts.js';

describe('projects and allowances over HTTP', () => {
  let server: TestServer;
  let tables: TableCounter;
  let root: Client;
  let admin: Client;
  let operator: Client;
  let viewer: Client;
  let org: string;
  let other: string;

  beforeAll(async () => {
    server = await startTestServer();
    tables = await openTableCounter(server);
    root = server.client(server.rootKey);
    await root.request('PUT', '/v1/features/image', {
      body: {
        name: 'Image',
        prices: [{ unit: 'action', credits: 8 }],
        effectiveAt: '2020-01-01T00:00:00Z',
      },
    });
    org = (await root.post('/v1/orgs', { name: 'Booths', timezone: 'Europe/Berlin' })).body.id;
    other = (await root.post('/v1/orgs', { name: 'Elsewhere' })).body.id;
    await root.post(`/v1/orgs/${org}/grants`, { kind: 'purchase', credits: 10_000 });
    const key = async (role: string) =>
      server.client(
        (await root.post(`/v1/orgs/${org}/api-keys`, { name: role, role })).body.secret,
      );
    admin = await key('admin');
    operator = await key('operator');
    viewer = await key('viewer');
  });
  afterAll(async () => {
    await tables.close();
    await server.close();
  });

  const charge = (body: Record<string, unknown>) =>
    operator.post(`/v1/orgs/${org}/charges`, { feature: 'image', ...body });

  it('creates, budgets, archives and reopens a project', async () => {
    const made = await admin.post(`/v1/orgs/${org}/projects`, {
      id: 'summer-fair',
      name: 'Summer fair 🎡',
      budget: { credits: '16', period: 'month' },
    });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({
      id: 'summer-fair',
      name: 'Summer fair 🎡',
      archivedAt: null,
      budget: { credits: '16', period: 'month', used: '0', left: '16' },
    });
    expect(made.body.budget.resetsAt).toMatch(/T2[23]:00:00\.000Z$/); // midnight in Berlin

    expect((await charge({ project: 'summer-fair' })).status).toBe(201);
    expect((await charge({ project: 'summer-fair' })).status).toBe(201);
    const over = await charge({ project: 'summer-fair' });
    expect(over.status).toBe(402);
    expect(over.body).toMatchObject({
      code: 'project_budget_exceeded',
      project: 'summer-fair',
      limit: '16',
      used: '16',
      left: '0',
      required: '8',
    });
    const seen = await viewer.get(`/v1/orgs/${org}/projects/summer-fair`);
    expect(seen.body.budget).toMatchObject({ used: '16', left: '0' });

    const archived = await admin.request('PATCH', `/v1/orgs/${org}/projects/summer-fair`, {
      body: { archived: true, budget: null },
    });
    expect(archived.status).toBe(200);
    expect(archived.body.archivedAt).not.toBeNull();
    expect((await charge({ project: 'summer-fair' })).body.code).toBe('project_archived');
    await admin.request('PATCH', `/v1/orgs/${org}/projects/summer-fair`, {
      body: { archived: false },
    });
    expect((await charge({ project: 'summer-fair' })).status).toBe(201);
    const list = await viewer.get(`/v1/orgs/${org}/projects`);
    expect(list.body.data.map((project: { id: string }) => project.id)).toContain('summer-fair');
    expect((await charge({ project: 'no-such-project' })).body.code).toBe('unknown_project');
  });

  it('gives a user an allowance that a burst of concurrent charges cannot pass', async () => {
    const set = await admin.request('PUT', `/v1/orgs/${org}/allowances/guest-42`, {
      body: { credits: 8, period: 'day' },
    });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ user: 'guest-42', credits: '8', used: '0', left: '8' });
    const before = (await viewer.get(`/v1/orgs/${org}/balance`)).body.available;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => charge({ user: 'guest-42' })),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.status === 402);
    expect(refused).toHaveLength(19);
    for (const answer of refused) expect(answer.body.code).toBe('allowance_exceeded');
    const after = (await viewer.get(`/v1/orgs/${org}/balance`)).body.available;
    expect(Number(before) - Number(after)).toBe(8);
    const shown = await viewer.get(`/v1/orgs/${org}/allowances/guest-42`);
    expect(shown.body).toMatchObject({ used: '8', left: '0', period: 'day' });
    const log = await viewer.get(
      `/v1/orgs/${org}/transactions?user=guest-42&status=refused&limit=100`,
    );
    expect(log.body.data).toHaveLength(19);
    expect(log.body.data[0].reason).toBe('allowance_exceeded');

    const removed = await admin.request('DELETE', `/v1/orgs/${org}/allowances/guest-42`, {});
    expect(removed.status).toBe(200);
    expect((await charge({ user: 'guest-42' })).status).toBe(201);
    expect((await viewer.get(`/v1/orgs/${org}/allowances/guest-42`)).body.code).toBe(
      'unknown_allowance',
    );
  });

  it('gives an API key an allowance: its charges are attributed to it and limited', async () => {
    const made = (await root.post(`/v1/orgs/${org}/api-keys`, { name: 'kiosk', role: 'operator' }))
      .body;
    const kiosk = server.client(made.secret);
    const subject = `key:${made.id}`;
    expect((await kiosk.get(`/v1/orgs/${org}/my-allowance`)).body.code).toBe('unknown_allowance');
    const set = await admin.request('PUT', `/v1/orgs/${org}/allowances/${subject}`, {
      body: { credits: 16, period: 'week' },
    });
    expect(set.status, set.text).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => kiosk.post(`/v1/orgs/${org}/charges`, { feature: 'image' })),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(2);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      expect(answer.body).toMatchObject({ code: 'allowance_exceeded', user: subject });
    }
    const mine = (await kiosk.get(`/v1/orgs/${org}/my-allowance`)).body;
    expect(mine).toMatchObject({ user: subject, used: '16', left: '0', period: 'week' });
    const log = (await viewer.get(`/v1/orgs/${org}/transactions?type=usage&user=${subject}`)).body;
    expect(log.data.filter((row: { status: string }) => row.status === 'succeeded')).toHaveLength(
      2,
    );
    // A key that is not the org's, or is revoked, cannot be given an allowance.
    const missing = await admin.request('PUT', `/v1/orgs/${org}/allowances/key:key_nope`, {
      body: { credits: 16, period: 'week' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('unknown_key');
  });

  it('lets only admins set projects and allowances', async () => {
    for (const client of [operator, viewer]) {
      const project = await client.post(`/v1/orgs/${org}/projects`, { id: 'nope', name: 'No' });
      expect(project.status).toBe(403);
      expect(project.body.code).toBe('forbidden');
      const allowance = await client.request('PUT', `/v1/orgs/${org}/allowances/x`, {
        body: { credits: 1, period: 'day' },
      });
      expect(allowance.status).toBe(403);
    }
  });

  it('refuses bad input with a named 4xx and writes nothing', async () => {
    await admin.post(`/v1/orgs/${org}/projects`, { id: 'kept', name: 'Kept' });
    const before = await tables.counts();
    const cases: [
      string,
      () => Promise<{ status: number; body: { code: string } }>,
      number,
      string,
    ][] = [
      [
        'malformed JSON',
        () => admin.request('POST', `/v1/orgs/${org}/projects`, { raw: '{"id": ' }),
        400,
        'invalid_json',
      ],
      [
        'id with capitals',
        () => admin.post(`/v1/orgs/${org}/projects`, { id: 'Big', name: 'x' }),
        400,
        'invalid_request',
      ],
      [
        'id as a number',
        () => admin.post(`/v1/orgs/${org}/projects`, { id: 7, name: 'x' }),
        400,
        'invalid_request',
      ],
      [
        'empty name',
        () => admin.post(`/v1/orgs/${org}/projects`, { id: 'x1', name: '' }),
        400,
        'invalid_request',
      ],
      [
        'negative budget',
        () =>
          admin.post(`/v1/orgs/${org}/projects`, {
            id: 'x2',
            name: 'x',
            budget: { credits: -1, period: 'month' },
          }),
        400,
        'invalid_request',
      ],
      [
        'budget too precise',
        () =>
          admin.post(`/v1/orgs/${org}/projects`, {
            id: 'x3',
            name: 'x',
            budget: { credits: '1.0000001', period: 'month' },
          }),
        400,
        'invalid_request',
      ],
      [
        'huge budget',
        () =>
          admin.post(`/v1/orgs/${org}/projects`, {
            id: 'x4',
            name: 'x',
            budget: { credits: '1e30', period: 'month' },
          }),
        400,
        'invalid_request',
      ],
      [
        'weekly project budget',
        () =>
          admin.post(`/v1/orgs/${org}/projects`, {
            id: 'x5',
            name: 'x',
            budget: { credits: 5, period: 'week' },
          }),
        400,
        'invalid_request',
      ],
      [
        'existing project',
        () => admin.post(`/v1/orgs/${org}/projects`, { id: 'kept', name: 'Again' }),
        409,
        'project_exists',
      ],
      [
        'unknown project',
        () => admin.request('PATCH', `/v1/orgs/${org}/projects/missing`, { body: { name: 'x' } }),
        404,
        'unknown_project',
      ],
      [
        'archived as a string',
        () =>
          admin.request('PATCH', `/v1/orgs/${org}/projects/kept`, { body: { archived: 'yes' } }),
        400,
        'invalid_request',
      ],
      [
        'allowance period',
        () =>
          admin.request('PUT', `/v1/orgs/${org}/allowances/ana`, {
            body: { credits: 5, period: 'year' },
          }),
        400,
        'invalid_request',
      ],
      [
        'negative allowance',
        () =>
          admin.request('PUT', `/v1/orgs/${org}/allowances/ana`, {
            body: { credits: '-5', period: 'day' },
          }),
        400,
        'invalid_request',
      ],
      [
        'allowance as a boolean',
        () =>
          admin.request('PUT', `/v1/orgs/${org}/allowances/ana`, {
            body: { credits: true, period: 'day' },
          }),
        400,
        'invalid_request',
      ],
      [
        'removing no allowance',
        () => admin.request('DELETE', `/v1/orgs/${org}/allowances/nobody`, {}),
        404,
        'unknown_allowance',
      ],
      ["another org's project", () => admin.get(`/v1/orgs/${other}/projects`), 404, 'unknown_org'],
      [
        'unknown org',
        () => root.post(`/v1/orgs/org_missing/projects`, { id: 'x', name: 'x' }),
        404,
        'unknown_org',
      ],
    ];
    for (const [what, send, status, code] of cases) {
      const answer = await send();
      expect(answer.status, what).toBe(status);
      expect(answer.body.code, what).toBe(code);
    }
    expect(await tables.counts()).toEqual(before);
  });
});
