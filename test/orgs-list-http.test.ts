/**
 * `GET /v1/orgs` on a real server (SQLite, and PostgreSQL in the http-on-postgres project): every
 * org by id, page by page with opaque cursors, each with the plan in force and its suspension as
 * `GET /v1/orgs/{org}` shows them; root only; bad limits and cursors refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type Client,
  type HttpAnswer,
  type TestServer,
} from './support/server.js';

describe('GET /v1/orgs', () => {
  let server: TestServer;
  let root: Client;
  let admin: Client;
  const made: string[] = [];

  function expectProblem(answer: HttpAnswer, status: number, code: string, field?: string) {
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.code).toBe(code);
    if (field !== undefined) expect(answer.body.field).toBe(field);
  }

  /** Every org, following cursors with pages of `limit`; also answers how many pages it took. */
  async function listAll(limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page: HttpAnswer = await root.get(`/v1/orgs?limit=${limit}${query}`);
      expect(page.status, page.text).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(limit);
      ids.push(...page.body.data.map((org: { id: string }) => org.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null);
    return { ids, pages };
  }

  beforeAll(async () => {
    server = await startTestServer();
    root = server.client(server.rootKey);
    for (const [index, name] of ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon'].entries()) {
      const created = await root.post('/v1/orgs', {
        name,
        timezone: index === 0 ? 'Asia/Tokyo' : 'UTC',
      });
      expect(created.status, created.text).toBe(201);
      made.push(created.body.id);
    }
    const key = await root.post(`/v1/orgs/${made[0]}/api-keys`, { name: 'a', role: 'admin' });
    admin = server.client(key.body.secret);
  });

  afterAll(() => server?.close());

  it('lists every org once, by id, page by page', async () => {
    const sorted = [...made].sort();
    for (const limit of [1, 2, 5, 1000]) {
      const { ids, pages } = await listAll(limit);
      expect(ids, `limit ${limit}`).toEqual(sorted);
      // A full last page cannot know that nothing follows; it does, since it asks for one more.
      expect(pages, `limit ${limit}`).toBe(Math.ceil(sorted.length / limit));
    }
    const first = await root.get('/v1/orgs');
    expect(first.body.data).toHaveLength(5);
    expect(first.body.nextCursor).toBeNull();
  });

  it('shows each org as GET /v1/orgs/{org} does: plan in force, suspension', async () => {
    const [alpha = '', beta = ''] = made;
    const suspended = await root.post(`/v1/orgs/${beta}/suspend`, { reason: 'Unpaid invoice' });
    expect(suspended.status, suspended.text).toBe(200);
    const upgraded = await root.request('PUT', `/v1/orgs/${alpha}/plan`, {
      body: { plan: 'pro' },
    });
    expect(upgraded.status, upgraded.text).toBe(200);

    const listed = (await root.get('/v1/orgs?limit=1000')).body.data;
    for (const id of made) {
      const one = (await root.get(`/v1/orgs/${id}`)).body;
      expect(listed.find((org: { id: string }) => org.id === id)).toEqual(one);
    }
    expect(listed.find((org: { id: string }) => org.id === alpha)).toMatchObject({
      plan: 'pro',
      timezone: 'Asia/Tokyo',
      suspendedAt: null,
      suspendReason: null,
    });
    expect(listed.find((org: { id: string }) => org.id === beta)).toMatchObject({
      plan: 'payg',
      suspendedAt: suspended.body.suspendedAt,
      suspendReason: 'Unpaid invoice',
    });
    expect((await root.post(`/v1/orgs/${beta}/resume`)).status).toBe(200);
  });

  it('leaves deleted orgs out, and a cursor at a deleted org still works', async () => {
    const newest = (await root.post('/v1/orgs', { name: 'Newest' })).body.id as string;
    const sorted = [...made, newest].sort();
    const page = await root.get(`/v1/orgs?limit=${made.length}`);
    expect(page.body.data.map((org: { id: string }) => org.id)).toEqual(sorted.slice(0, -1));
    const last = page.body.data[made.length - 1];
    const deleted = await root.request('DELETE', `/v1/orgs/${last.id}`, {
      body: { confirm: last.name },
    });
    expect(deleted.status, deleted.text).toBe(200);
    const rest = await root.get(`/v1/orgs?cursor=${encodeURIComponent(page.body.nextCursor)}`);
    expect(rest.status, rest.text).toBe(200);
    expect(rest.body).toEqual({
      data: [expect.objectContaining({ id: sorted[sorted.length - 1] })],
      nextCursor: null,
    });
    made.splice(made.indexOf(last.id), 1, newest);
    expect((await listAll(2)).ids).toEqual([...made].sort());
  });

  it('is for root alone', async () => {
    expectProblem(await admin.get('/v1/orgs'), 403, 'forbidden');
    expectProblem(await server.client().get('/v1/orgs'), 401, 'unauthenticated');
    expectProblem(await server.client('tly_wrong').get('/v1/orgs'), 401, 'unauthenticated');
  });

  it('refuses a bad limit or cursor, naming it', async () => {
    for (const limit of ['0', '1001', '-1', '1.5', 'abc', '']) {
      expectProblem(await root.get(`/v1/orgs?limit=${limit}`), 400, 'invalid_request', 'limit');
    }
    for (const cursor of ['%%%', 'bm90IGpzb24', Buffer.from('"org"').toString('base64url')]) {
      expectProblem(
        await root.get(`/v1/orgs?cursor=${encodeURIComponent(cursor)}`),
        400,
        'invalid_request',
        'cursor',
      );
    }
  });
});
