/** The API answers its contract end to end on a real server: a first walk through the main calls. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';

describe('HTTP API walk-through', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('creates an org, prices features, grants, charges, holds, refunds and reports', async () => {
    const root = server.client(server.rootKey);
    expect(
      (
        await root.request('PUT', '/v1/features/text-to-image', {
          body: {
            name: 'Text to image',
            prices: [{ unit: 'action', credits: 8 }],
            effectiveAt: '2020-01-01T00:00:00Z',
          },
        })
      ).status,
    ).toBe(200);
    const org = await root.post('/v1/orgs', {
      name: 'Booth',
      timezone: 'Europe/Paris',
      allowance: { credits: '1500' },
    });
    expect(org.status).toBe(201);
    const id = org.body.id as string;
    const admin = await root.post(`/v1/orgs/${id}/api-keys`, { name: 'backend', role: 'admin' });
    expect(admin.status).toBe(201);
    expect(admin.body.secret).toMatch(/^tly_/);
    const api = server.client(admin.body.secret);

    expect(
      (await api.post(`/v1/orgs/${id}/grants`, { kind: 'purchase', credits: 2500 })).status,
    ).toBe(201);
    expect(
      (await api.post(`/v1/orgs/${id}/projects`, { id: 'wedding', name: 'Wedding' })).status,
    ).toBe(201);
    const charge = await api.post(`/v1/orgs/${id}/charges`, {
      feature: 'text-to-image',
      user: 'ana',
      project: 'wedding',
    });
    expect(charge.status).toBe(201);
    expect(charge.body).toMatchObject({ credits: '8', status: 'succeeded', balanceAfter: '3992' });
    expect(charge.body.draws).toEqual([
      expect.objectContaining({ kind: 'allowance', credits: '8' }),
    ]);

    const hold = await api.post(`/v1/orgs/${id}/holds`, {
      feature: 'text-to-image',
      credits: '20',
    });
    expect(hold.body).toMatchObject({ status: 'pending', credits: '20' });
    const captured = await api.post(`/v1/orgs/${id}/holds/${hold.body.id}/capture`, {
      credits: '12.5',
    });
    expect(captured.status).toBe(200);
    expect(captured.body.credits).toBe('12.5');

    const refund = await api.post(`/v1/orgs/${id}/charges/${charge.body.id}/refund`, {});
    expect(refund.status).toBe(201);
    expect(refund.body.credits).toBe('8');

    const balance = await api.get(`/v1/orgs/${id}/balance`);
    expect(balance.body.available).toBe('3987.5');

    const log = await api.get(`/v1/orgs/${id}/transactions?type=usage&limit=1`);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.nextCursor).toEqual(expect.any(String));
    const next = await api.get(
      `/v1/orgs/${id}/transactions?type=usage&limit=1&cursor=${log.body.nextCursor}`,
    );
    expect(next.body.data[0].id).not.toBe(log.body.data[0].id);

    const month = new Date().toISOString().slice(0, 7);
    const statement = await api.get(`/v1/orgs/${id}/reports/statement?month=${month}`);
    expect(statement.status).toBe(200);
    expect(statement.body.usageCount).toBe(2);

    const openapi = await server.client().get('/v1/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toContain('/v1/orgs/{org}/charges');
  });
});
