/**
 * Every route of DESIGN.md section 4 (plus keys, members, sessions and the operational routes) on
 * a real server: success with the exact documented shapes, every documented refusal with its
 * status and code, and bad input answered with a clear 4xx problem naming what is wrong while
 * nothing at all is written — checked through the API (balance, log, grants, keys, members,
 * features) and by counting the rows of every table of the data folder's database.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type Client,
  type HttpAnswer,
  type TestServer,
} from './support/server.js';
import { openTableCounter, type TableCounter } from './support/table-counts.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A decimal string of credits: no exponent, no trailing zeros, at most 6 decimals. */
const DECIMAL = /^-?(0|[1-9]\d*)(\.\d{0,5}[1-9])?$/;
const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const iso = expect.stringMatching(ISO);
const decimal = expect.stringMatching(DECIMAL);
const MINUTE = 60_000;
/** Lets the clock move, so that writes whose order a test reads are not in one millisecond. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

type Case = {
  name: string;
  call: () => Promise<HttpAnswer>;
  status: number;
  code: string;
  field?: string;
};

/** Answers of several requests that reach the server in the same instant, on separate sockets. */
async function simultaneous(
  url: string,
  count: number,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; replayed: boolean; body: Record<string, unknown> }[]> {
  const payload = Buffer.from(JSON.stringify(body));
  const started = Array.from({ length: count }, () => {
    const request = httpRequest(new URL(path, url), {
      method: 'POST',
      agent: false,
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': String(payload.length),
      },
    });
    const answer = new Promise<{
      status: number;
      replayed: boolean;
      body: Record<string, unknown>;
    }>((resolve, reject) => {
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            replayed: response.headers['idempotency-replayed'] === 'true',
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      });
      request.on('error', reject);
    });
    // All but the last byte now: the server reads the headers and waits for the body.
    request.write(payload.subarray(0, payload.length - 1));
    return { request, answer };
  });
  await new Promise((resolve) => setTimeout(resolve, 150));
  for (const { request } of started) request.end(payload.subarray(payload.length - 1));
  return Promise.all(started.map(({ answer }) => answer));
}

describe('API routes', () => {
  let server: TestServer;
  let tables: TableCounter;
  let root: Client;
  let anyone: Client;
  /** The org most refusals are tried on, and its admin. */
  let org: string;
  let api: Client;
  /** Another org, whose ids must stay out of reach. */
  let other: string;
  let theirs: Client;
  const ids = {
    pendingHold: '',
    voidedHold: '',
    capturedHold: '',
    charge: '',
    refundedCharge: '',
    failedCharge: '',
    member: '',
    key: '',
    theirCharge: '',
    theirHold: '',
    theirKey: '',
    theirMember: '',
  };

  /** Every answer carries a request id; this client checks it on each one. */
  const checked = (inner: Client): Client => {
    const request: Client['request'] = async (method, path, options) => {
      const answer = await inner.request(method, path, options);
      expect(answer.headers.get('x-request-id'), `x-request-id of ${method} ${path}`).toMatch(
        REQUEST_ID,
      );
      return answer;
    };
    return {
      request,
      get: (path) => request('GET', path),
      post: (path, body, headers) =>
        request('POST', path, { body: body ?? {}, ...(headers ? { headers } : {}) }),
    };
  };
  const clientOf = (key?: string) => checked(server.client(key));

  function expectProblem(answer: HttpAnswer, status: number, code: string, field?: string): void {
    expect(answer.status, answer.text.slice(0, 500)).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status,
      code,
      detail: expect.any(String),
    });
    expect((answer.body.detail as string).length).toBeGreaterThan(0);
    if (field !== undefined) expect(answer.body.field, answer.body.detail).toBe(field);
  }

  /**
   * Tables whose row counts moved. Rollups are left out: they are day sums of the log, kept with
   * it, and whether a logged attempt adds a rollup row depends on what its day already had.
   */
  const changedTables = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(after)
        .filter(([table, count]) => before[table] !== count && !table.endsWith('_rollups'))
        .map(([table, count]) => [table, count - (before[table] ?? 0)]),
    );

  /** What a reader can see of one org, and what the database holds. */
  async function orgView(orgId: string, client: Client) {
    const { at: _at, ...balance } = (await client.get(`/v1/orgs/${orgId}/balance`)).body;
    const log = (await client.get(`/v1/orgs/${orgId}/transactions?limit=1000`)).body.data;
    const grants = (await client.get(`/v1/orgs/${orgId}/grants`)).body.data;
    const keys = (await client.get(`/v1/orgs/${orgId}/api-keys`)).body.data.map(
      ({ lastUsedAt: _used, ...key }: Record<string, unknown>) => key,
    );
    const members = (await client.get(`/v1/orgs/${orgId}/members`)).body.data;
    return { balance, log, grants, keys, members };
  }
  async function everything() {
    return {
      mine: await orgView(org, root),
      theirs: await orgView(other, root),
      features: (await root.get('/v1/features')).body,
      tables: await tables.counts(),
    };
  }

  beforeAll(async () => {
    server = await startTestServer();
    tables = await openTableCounter(server);
    root = clientOf(server.rootKey);
    anyone = clientOf();
    const put = (id: string, body: unknown) => root.request('PUT', `/v1/features/${id}`, { body });
    await put('image', {
      name: 'Image',
      prices: [{ unit: 'action', credits: 8 }],
      effectiveAt: '2020-01-01T00:00:00Z',
    });
    await put('chat', {
      name: 'Chat',
      prices: [
        { unit: 'input_tokens', credits: '3', per: 1000 },
        { unit: 'output_tokens', credits: '15', per: 1000 },
      ],
      effectiveAt: '2020-01-01T00:00:00Z',
    });
    await put('video', {
      name: 'Video, priced from 2999',
      prices: [{ unit: 'action', credits: 50 }],
      effectiveAt: '2999-01-01T00:00:00Z',
    });
    org = (
      await root.post('/v1/orgs', {
        name: 'Routes',
        timezone: 'Asia/Tokyo',
        allowance: { credits: 100 },
      })
    ).body.id;
    api = clientOf(
      (await root.post(`/v1/orgs/${org}/api-keys`, { name: 'admin', role: 'admin' })).body.secret,
    );
    for (const project of ['wedding', 'p1', 'p2']) {
      await api.post(`/v1/orgs/${org}/projects`, { id: project, name: project });
    }
    ids.pendingHold = (await api.post(`/v1/orgs/${org}/holds`, { feature: 'image' })).body.id;
    ids.charge = (await api.post(`/v1/orgs/${org}/charges`, { feature: 'image' })).body.id;
    ids.failedCharge = (
      await api.post(`/v1/orgs/${org}/charges`, { feature: 'image', status: 'failed' })
    ).body.id;
    ids.voidedHold = (await api.post(`/v1/orgs/${org}/holds`, { feature: 'image' })).body.id;
    await api.post(`/v1/orgs/${org}/holds/${ids.voidedHold}/void`, {});
    ids.capturedHold = (await api.post(`/v1/orgs/${org}/holds`, { feature: 'image' })).body.id;
    await api.post(`/v1/orgs/${org}/holds/${ids.capturedHold}/capture`, {});
    ids.refundedCharge = (await api.post(`/v1/orgs/${org}/charges`, { feature: 'image' })).body.id;
    await api.post(`/v1/orgs/${org}/charges/${ids.refundedCharge}/refund`, {});
    ids.member = (
      await api.post(`/v1/orgs/${org}/members`, {
        email: 'member@routes.test',
        name: 'Member',
        role: 'viewer',
        password: 'long enough password',
      })
    ).body.id;
    ids.key = (
      await api.post(`/v1/orgs/${org}/api-keys`, { name: 'spare', role: 'viewer' })
    ).body.id;

    other = (await root.post('/v1/orgs', { name: 'Other', allowance: { credits: 100 } })).body.id;
    const theirKey = (
      await root.post(`/v1/orgs/${other}/api-keys`, { name: 'theirs', role: 'admin' })
    ).body;
    theirs = clientOf(theirKey.secret);
    ids.theirKey = theirKey.id;
    ids.theirCharge = (
      await theirs.post(`/v1/orgs/${other}/charges`, { feature: 'image' })
    ).body.id;
    ids.theirHold = (await theirs.post(`/v1/orgs/${other}/holds`, { feature: 'image' })).body.id;
    ids.theirMember = (
      await theirs.post(`/v1/orgs/${other}/members`, {
        email: 'them@other.test',
        name: 'Them',
        role: 'admin',
        password: 'long enough password',
      })
    ).body.id;
  });
  afterAll(async () => {
    await tables.close();
    await server.close();
  });

  describe('answers each route with its documented shape', () => {
    it('POST /v1/orgs and GET /v1/orgs/{org}', async () => {
      const created = await root.post('/v1/orgs', {
        name: 'Fête 🎉 写真',
        timezone: 'Europe/Paris',
        plan: 'pro',
        allowance: { credits: '1500' },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('content-type')).toMatch(/^application\/json/);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^org_/),
        name: 'Fête 🎉 写真',
        timezone: 'Europe/Paris',
        plan: 'pro',
        createdAt: iso,
        suspendedAt: null,
        suspendReason: null,
      });
      const read = await root.get(`/v1/orgs/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
      // The allowance is a monthly grant, good until the end of the month in the org's zone.
      const [allowance] = (await root.get(`/v1/orgs/${created.body.id}/grants`)).body.data;
      expect(allowance).toMatchObject({
        kind: 'allowance',
        credits: '1500',
        recurrence: 'monthly',
      });
      expect(new Date(allowance.expiresAt).getUTCHours()).toBeOneOf([22, 23]); // midnight in Paris

      const plain = await root.post('/v1/orgs', { name: 'Plain' });
      // An org that names no plan is on pay-as-you-go.
      expect(plain.body).toMatchObject({ timezone: 'UTC', plan: 'payg' });
      expect((await root.get(`/v1/orgs/${plain.body.id}/grants`)).body).toEqual({
        data: [],
        nextCursor: null,
      });
      // An org key reads its own org.
      expect((await api.get(`/v1/orgs/${org}`)).body).toMatchObject({
        id: org,
        name: 'Routes',
        timezone: 'Asia/Tokyo',
      });
    });

    it('PUT /v1/features/{feature} and GET /v1/features: the credit matrix', async () => {
      const put = await root.request('PUT', '/v1/features/embed', {
        body: {
          name: 'Embeddings',
          prices: [{ unit: 'tokens', credits: '0.0015', per: '1' }],
          effectiveAt: '2020-06-01T00:00:00+02:00',
        },
      });
      expect(put.status).toBe(200);
      expect(put.body.data).toContainEqual({
        id: 'embed',
        name: 'Embeddings',
        prices: [{ unit: 'tokens', credits: '0.0015', per: '1' }],
        effectiveAt: '2020-05-31T22:00:00.000Z',
      });
      const matrix = await api.get('/v1/features');
      expect(matrix.status).toBe(200);
      expect(matrix.body).toEqual(put.body);
      expect(Object.keys(matrix.body)).toEqual(['data']);
      for (const feature of matrix.body.data) {
        expect(feature).toEqual({
          id: expect.any(String),
          name: expect.any(String),
          prices: expect.any(Array),
          effectiveAt: iso,
        });
        for (const line of feature.prices)
          expect(line).toEqual({ unit: expect.any(String), credits: decimal, per: decimal });
      }
      expect(matrix.body.data.find((f: { id: string }) => f.id === 'chat').prices).toEqual([
        { unit: 'input_tokens', credits: '3', per: '1000' },
        { unit: 'output_tokens', credits: '15', per: '1000' },
      ]);
      // A version not yet in force is not the current price.
      expect(matrix.body.data.map((f: { id: string }) => f.id)).not.toContain('video');
      // A new version replaces the current price from its effectiveAt (default now).
      const repriced = await root.request('PUT', '/v1/features/embed', {
        body: { name: 'Embeddings', prices: [{ unit: 'tokens', credits: '0.002' }] },
      });
      expect(repriced.body.data.find((f: { id: string }) => f.id === 'embed')).toMatchObject({
        prices: [{ unit: 'tokens', credits: '0.002', per: '1' }],
        effectiveAt: iso,
      });
    });

    it('POST and GET /v1/orgs/{org}/grants', async () => {
      const id = (await root.post('/v1/orgs', { name: 'Grants', timezone: 'Asia/Tokyo' })).body.id;
      const purchase = await root.post(`/v1/orgs/${id}/grants`, {
        kind: 'purchase',
        credits: '2500.5',
        note: 'pack № 1',
      });
      expect(purchase.status).toBe(201);
      expect(purchase.body).toEqual({
        id: expect.stringMatching(/^grt_/),
        kind: 'purchase',
        credits: '2500.5',
        remaining: '2500.5',
        held: '0',
        effectiveAt: iso,
        expiresAt: null,
        priority: 50,
        note: 'pack № 1',
        recurrence: null,
      });
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const end = new Date(Date.now() + 7 * 24 * 3_600_000).toISOString();
      const promo = await root.post(`/v1/orgs/${id}/grants`, {
        kind: 'promo',
        credits: 10,
        effectiveAt: later,
        expiresAt: end,
        priority: 0,
      });
      expect(promo.body).toMatchObject({
        kind: 'promo',
        credits: '10',
        effectiveAt: later,
        expiresAt: end,
        priority: 0,
      });
      const monthly = await root.post(`/v1/orgs/${id}/grants`, {
        kind: 'trial',
        credits: 5,
        recurrence: 'monthly',
      });
      expect(monthly.body).toMatchObject({ recurrence: 'monthly', expiresAt: iso });
      // Each lot ends with its period: midnight in Tokyo is 15:00 UTC.
      expect(new Date(monthly.body.expiresAt).getUTCHours()).toBe(15);

      // The list is as of `at` (default now): a grant counts from its effectiveAt on.
      const all = await root.get(`/v1/orgs/${id}/grants`);
      expect(all.status).toBe(200);
      expect(Object.keys(all.body).sort()).toEqual(['data', 'nextCursor']);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.data.map((g: { id: string }) => g.id).sort()).toEqual(
        [purchase.body.id, monthly.body.id].sort(),
      );
      expect(all.body.data.find((g: { id: string }) => g.id === purchase.body.id)).toEqual(
        purchase.body,
      );
      const then = new Date(Date.parse(later) + MINUTE).toISOString();
      const scheduled = await root.get(`/v1/orgs/${id}/grants?at=${encodeURIComponent(then)}`);
      expect(scheduled.body.data.find((g: { id: string }) => g.id === promo.body.id)).toEqual(
        promo.body,
      );
      // Spent grants stay in the list at 0; `active=true` keeps those with credits available.
      await root.post(`/v1/orgs/${id}/charges`, {
        feature: 'chat',
        quantities: { input_tokens: 1000 },
      });
      await root.post(`/v1/orgs/${id}/charges`, {
        feature: 'chat',
        quantities: { input_tokens: 1000 },
      });
      const spent = (await root.get(`/v1/orgs/${id}/grants`)).body.data.find(
        (g: { id: string }) => g.id === monthly.body.id,
      );
      expect(spent).toMatchObject({ credits: '5', remaining: '0' });
      const active = await root.get(`/v1/orgs/${id}/grants?active=true`);
      expect(active.body.data.map((g: { id: string }) => g.id)).toEqual([purchase.body.id]);
      expect(active.body.data[0].remaining).toBe('2499.5');
      // Read as of an instant before the grants: none of them yet.
      const before = await root.get(
        `/v1/orgs/${id}/grants?at=${encodeURIComponent('2020-01-01T00:00:00+09:00')}`,
      );
      expect(before.body.data).toEqual([]);
    });

    it('POST /v1/orgs/{org}/charges: spends, draws and logs, or logs a failed attempt', async () => {
      const id = (await root.post('/v1/orgs', { name: 'Spend' })).body.id;
      await root.post(`/v1/orgs/${id}/projects`, { id: 'wedding', name: 'Wedding' });
      const purchase = (
        await root.post(`/v1/orgs/${id}/grants`, { kind: 'purchase', credits: 100 })
      ).body.id;
      const promo = (await root.post(`/v1/orgs/${id}/grants`, { kind: 'promo', credits: 10 })).body
        .id;
      const image = await root.post(`/v1/orgs/${id}/charges`, {
        feature: 'image',
        user: 'ana',
        project: 'wedding',
        model: 'sdxl',
        note: 'first',
        metadata: { frame: 3 },
      });
      expect(image.status).toBe(201);
      expect(image.body).toEqual({
        id: expect.stringMatching(/^chg_/),
        feature: 'image',
        credits: '8',
        status: 'succeeded',
        balanceAfter: '102',
        draws: [{ grantId: promo, kind: 'promo', credits: '8' }],
        at: iso,
        quantities: { action: '1' },
        user: 'ana',
        project: 'wedding',
        model: 'sdxl',
        note: 'first',
        metadata: { frame: 3 },
        holdId: null,
      });
      // 1200 × 3/1000 + 350 × 15/1000 = 3.6 + 5.25; free credits first, then the purchase.
      await tick();
      const chat = await root.post(`/v1/orgs/${id}/charges`, {
        feature: 'chat',
        quantities: { input_tokens: 1200, output_tokens: '350' },
      });
      expect(chat.body).toMatchObject({
        credits: '8.85',
        balanceAfter: '93.15',
        quantities: { input_tokens: '1200', output_tokens: '350' },
        draws: [
          { grantId: promo, kind: 'promo', credits: '2' },
          { grantId: purchase, kind: 'purchase', credits: '6.85' },
        ],
      });
      await tick();
      const failed = await root.post(`/v1/orgs/${id}/charges`, {
        feature: 'image',
        status: 'failed',
      });
      expect(failed.status).toBe(201);
      expect(failed.body).toMatchObject({
        status: 'failed',
        credits: '0',
        draws: [],
        balanceAfter: '93.15',
      });
      const log = (await root.get(`/v1/orgs/${id}/transactions`)).body.data;
      expect(log.slice(0, 3).map((row: { id: string }) => row.id)).toEqual([
        failed.body.id,
        chat.body.id,
        image.body.id,
      ]);
      expect(log[1]).toMatchObject({
        id: chat.body.id,
        type: 'usage',
        feature: 'chat',
        credits: '-8.85',
        status: 'succeeded',
        balanceAfter: '93.15',
        draws: chat.body.draws,
        at: chat.body.at,
      });
      expect(log[0]).toMatchObject({ type: 'usage', credits: '0', status: 'failed' });
      expect((await root.get(`/v1/orgs/${id}/balance`)).body.available).toBe('93.15');
    });

    it('POST …/holds, …/holds/{id}/capture and …/holds/{id}/void', async () => {
      const id = (await root.post('/v1/orgs', { name: 'Holds', allowance: { credits: 100 } })).body
        .id;
      const hold = await root.post(`/v1/orgs/${id}/holds`, { feature: 'image', user: 'ana' });
      expect(hold.status).toBe(201);
      expect(hold.body).toEqual({
        id: expect.stringMatching(/^hld_/),
        feature: 'image',
        credits: '8',
        status: 'pending',
        expiresAt: iso,
        createdAt: iso,
        resolvedAt: null,
        chargeId: null,
        quantities: { action: '1' },
        user: 'ana',
        project: null,
        model: null,
        note: null,
      });
      // ttlSeconds defaults to 900.
      expect(Date.parse(hold.body.expiresAt) - Date.parse(hold.body.createdAt)).toBe(900_000);
      expect((await root.get(`/v1/orgs/${id}/balance`)).body).toMatchObject({
        available: '92',
        held: '8',
      });

      const captured = await root.post(`/v1/orgs/${id}/holds/${hold.body.id}/capture`, {
        credits: '5.5',
      });
      expect(captured.status).toBe(200);
      expect(captured.body).toMatchObject({
        id: expect.stringMatching(/^chg_/),
        feature: 'image',
        credits: '5.5',
        status: 'succeeded',
        balanceAfter: '94.5',
        holdId: hold.body.id,
        at: iso,
      });
      expect((await root.get(`/v1/orgs/${id}/balance`)).body).toMatchObject({
        available: '94.5',
        held: '0',
      });

      const short = await root.post(`/v1/orgs/${id}/holds`, {
        feature: 'chat',
        credits: 20,
        ttlSeconds: 60,
      });
      expect(short.body).toMatchObject({ credits: '20', quantities: null });
      expect(Date.parse(short.body.expiresAt) - Date.parse(short.body.createdAt)).toBe(60_000);
      const voided = await root.post(`/v1/orgs/${id}/holds/${short.body.id}/void`, {
        reason: 'user cancelled',
      });
      expect(voided.status).toBe(200);
      expect(voided.body).toMatchObject({
        id: short.body.id,
        status: 'voided',
        resolvedAt: iso,
        chargeId: null,
      });
      const [voidRow] = (await root.get(`/v1/orgs/${id}/transactions?type=void`)).body.data;
      expect(voidRow).toMatchObject({
        type: 'void',
        credits: '0',
        held: '-20',
        holdId: short.body.id,
        reason: 'user cancelled',
      });

      // Without a body at all: a capture takes the held amount, a void just releases.
      const whole = await root.post(`/v1/orgs/${id}/holds`, { feature: 'image' });
      const plain = await root.request('POST', `/v1/orgs/${id}/holds/${whole.body.id}/capture`);
      expect(plain.status, plain.text).toBe(200);
      expect(plain.body.credits).toBe('8');
      const next = await root.post(`/v1/orgs/${id}/holds`, { feature: 'image' });
      const released = await root.request('POST', `/v1/orgs/${id}/holds/${next.body.id}/void`);
      expect(released.status, released.text).toBe(200);
      expect(released.body.status).toBe('voided');
    });

    it('POST …/charges/{id}/refund', async () => {
      const id = (await root.post('/v1/orgs', { name: 'Refunds', allowance: { credits: 100 } }))
        .body.id;
      const charge = await root.post(`/v1/orgs/${id}/charges`, { feature: 'image' });
      const part = await root.post(`/v1/orgs/${id}/charges/${charge.body.id}/refund`, {
        credits: '2.5',
        note: 'blurry',
      });
      expect(part.status).toBe(201);
      expect(part.body).toMatchObject({
        id: expect.any(String),
        type: 'refund',
        feature: 'image',
        credits: '2.5',
        status: 'succeeded',
        balanceAfter: '94.5',
        chargeId: charge.body.id,
        note: 'blurry',
        draws: [{ grantId: charge.body.draws[0].grantId, kind: 'allowance', credits: '2.5' }],
        at: iso,
      });
      await tick();
      const rest = await root.request('POST', `/v1/orgs/${id}/charges/${charge.body.id}/refund`);
      expect(rest.status, rest.text).toBe(201);
      expect(rest.body.credits).toBe('5.5');
      expect((await root.get(`/v1/orgs/${id}/balance`)).body.available).toBe('100');
      const refunds = (await root.get(`/v1/orgs/${id}/transactions?type=refund`)).body.data;
      expect(refunds.map((row: { credits: string }) => row.credits)).toEqual(['5.5', '2.5']);
    });

    it('GET …/balance, now and at any instant', async () => {
      const answer = await api.get(`/v1/orgs/${org}/balance`);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        available: decimal,
        held: decimal,
        byKind: {
          allowance: decimal,
          purchase: decimal,
          trial: decimal,
          promo: decimal,
          admin_grant: decimal,
          refund: decimal,
        },
        nextExpiry: { credits: decimal, at: iso },
        at: iso,
      });
      const past = await api.get(
        `/v1/orgs/${org}/balance?at=${encodeURIComponent('2020-01-01T10:00:00+09:00')}`,
      );
      expect(past.body).toMatchObject({
        available: '0',
        held: '0',
        nextExpiry: null,
        at: '2020-01-01T01:00:00.000Z',
      });
    });

    it('GET …/transactions: newest first, pages, filters', async () => {
      const id = (await root.post('/v1/orgs', { name: 'Log', allowance: { credits: 1000 } })).body
        .id;
      for (const project of ['p1', 'p2']) {
        await root.post(`/v1/orgs/${id}/projects`, { id: project, name: project });
      }
      const write = async (body: Record<string, unknown>) => {
        await tick();
        return (await root.post(`/v1/orgs/${id}/charges`, body)).body;
      };
      const a = await write({ feature: 'image', user: 'ana', project: 'p1', model: 'm1' });
      const b = await write({ feature: 'chat', quantities: { input_tokens: 1000 }, user: 'bo' });
      const c = await write({ feature: 'image', status: 'failed', project: 'p2' });
      const all = await root.get(`/v1/orgs/${id}/transactions`);
      expect(all.status).toBe(200);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.data).toHaveLength(4); // three charges and the allowance
      for (const row of all.body.data) {
        expect(Object.keys(row).sort()).toEqual(
          [
            'at',
            'balanceAfter',
            'chargeId',
            'credits',
            'draws',
            'feature',
            'held',
            'holdId',
            'id',
            'metadata',
            'model',
            'note',
            'project',
            'quantities',
            'reason',
            'status',
            'type',
            'user',
          ].sort(),
        );
        expect(row.credits).toMatch(DECIMAL);
        expect(row.balanceAfter).toMatch(DECIMAL);
        expect(row.at).toMatch(ISO);
      }
      const order = all.body.data.map((row: { id: string }) => row.id);
      expect(order.slice(0, 3)).toEqual([c.id, b.id, a.id]);
      const ats = all.body.data.map((row: { at: string }) => Date.parse(row.at));
      expect([...ats].sort((x, y) => y - x)).toEqual(ats);

      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: HttpAnswer = await root.get(
          `/v1/orgs/${id}/transactions?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(page.body.data.length).toBeLessThanOrEqual(1);
        paged.push(...page.body.data.map((row: { id: string }) => row.id));
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      expect(paged).toEqual(order);

      const ids = async (query: string) =>
        (await root.get(`/v1/orgs/${id}/transactions?${query}`)).body.data.map(
          (row: { id: string }) => row.id,
        );
      expect(await ids('type=grant')).toHaveLength(1);
      expect(await ids('type=usage,grant')).toHaveLength(4);
      expect(await ids('status=failed')).toEqual([c.id]);
      expect(await ids('feature=chat')).toEqual([b.id]);
      expect(await ids('user=ana')).toEqual([a.id]);
      expect(await ids('project=p2')).toEqual([c.id]);
      expect(await ids('model=m1')).toEqual([a.id]);
      // `from` is inclusive, `to` exclusive.
      expect(await ids(`from=${encodeURIComponent(b.at)}&type=usage`)).toEqual([c.id, b.id]);
      expect(await ids(`to=${encodeURIComponent(b.at)}&type=usage`)).toEqual([a.id]);
    });

    it('GET …/transactions: limit defaults to 100 and goes up to 1000', async () => {
      const id = (await root.post('/v1/orgs', { name: 'Many' })).body.id;
      for (let index = 0; index < 101; index += 1)
        await root.post(`/v1/orgs/${id}/charges`, { feature: 'image', status: 'failed' });
      const first = await root.get(`/v1/orgs/${id}/transactions`);
      expect(first.body.data).toHaveLength(100);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const rest = await root.get(`/v1/orgs/${id}/transactions?cursor=${first.body.nextCursor}`);
      expect(rest.body.data).toHaveLength(1);
      expect(rest.body.nextCursor).toBeNull();
      const most = await root.get(`/v1/orgs/${id}/transactions?limit=1000`);
      expect(most.body.data).toHaveLength(101);
    });

    it('GET …/reports/statement: reconciled, by kind', async () => {
      const month = new Intl.DateTimeFormat('en-CA', {
        timeZone: 'Asia/Tokyo',
        year: 'numeric',
        month: '2-digit',
      })
        .format(new Date())
        .slice(0, 7);
      const answer = await api.get(`/v1/orgs/${org}/reports/statement?month=${month}`);
      expect(answer.status).toBe(200);
      const flows = {
        opening: decimal,
        added: decimal,
        consumed: decimal,
        expired: decimal,
        closing: decimal,
      };
      expect(answer.body).toEqual({
        month,
        start: iso,
        end: iso,
        final: false,
        ...flows,
        carriedForward: decimal,
        byKind: {
          allowance: flows,
          purchase: flows,
          trial: flows,
          promo: flows,
          admin_grant: flows,
          refund: flows,
        },
        usageCount: expect.any(Number),
      });
      // The period is the month in the org's zone: it starts at 15:00 UTC the day before.
      expect(new Date(answer.body.start).getUTCHours()).toBe(15);
      const micros = (text: string) => {
        const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
        const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
        return text.startsWith('-') ? -value : value;
      };
      for (const row of [answer.body, ...Object.values(answer.body.byKind)] as Record<
        string,
        string
      >[]) {
        expect(
          micros(row.opening ?? '') +
            micros(row.added ?? '') -
            micros(row.consumed ?? '') -
            micros(row.expired ?? ''),
        ).toBe(micros(row.closing ?? ''));
      }
      // The allowance of 100 came in this month, and the 8 refunded to it (refunds count as added).
      expect(answer.body.byKind.allowance.added).toBe('108');
      expect(answer.body.opening).toBe('0');
      const balance = (await api.get(`/v1/orgs/${org}/balance`)).body;
      const heldAndAvailable = micros(balance.available) + micros(balance.held);
      expect(micros(answer.body.closing)).toBe(heldAndAvailable);
    });

    it('POST, GET and DELETE …/api-keys', async () => {
      const created = await api.post(`/v1/orgs/${org}/api-keys`, {
        name: 'ci 🤖',
        role: 'operator',
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^key_/),
        name: 'ci 🤖',
        role: 'operator',
        prefix: expect.any(String),
        createdAt: iso,
        lastUsedAt: null,
        revokedAt: null,
        secret: expect.stringMatching(/^tly_[A-Za-z0-9_-]{32,}$/),
      });
      const { secret, ...visible } = created.body;
      expect(secret.startsWith(visible.prefix)).toBe(true);
      expect(visible.prefix.length).toBeLessThan(secret.length / 2);
      const key = clientOf(secret);
      expect((await key.get(`/v1/orgs/${org}/balance`)).status).toBe(200);

      const listed = await api.get(`/v1/orgs/${org}/api-keys`);
      expect(listed.status).toBe(200);
      expect(listed.body.nextCursor).toBeNull();
      expect(listed.body.data.find((k: { id: string }) => k.id === visible.id)).toEqual({
        ...visible,
        lastUsedAt: iso,
      });
      expect(listed.text).not.toContain(secret);
      expect(listed.text).not.toContain('"secret"');

      const revoked = await api.request('DELETE', `/v1/orgs/${org}/api-keys/${visible.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ ...visible, lastUsedAt: iso, revokedAt: iso });
      expectProblem(await key.get(`/v1/orgs/${org}/balance`), 401, 'unauthenticated');
      const again = await api.request('DELETE', `/v1/orgs/${org}/api-keys/${visible.id}`);
      expect(again.status).toBe(200);
      expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    });

    it('POST, GET, PATCH and DELETE …/members', async () => {
      const created = await api.post(`/v1/orgs/${org}/members`, {
        email: '  Zoë.Admin@Example.COM ',
        name: 'Zoë 🎨',
        role: 'operator',
        password: 'correct horse battery',
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^mem_/),
        email: 'zoë.admin@example.com',
        name: 'Zoë 🎨',
        role: 'operator',
        createdAt: iso,
      });
      const id = created.body.id as string;
      const listed = await api.get(`/v1/orgs/${org}/members`);
      expect(listed.body.data).toContainEqual(created.body);
      expect(listed.body.nextCursor).toBeNull();
      for (const text of [created.text, listed.text]) {
        expect(text).not.toContain('correct horse');
        expect(text).not.toMatch(/password|scrypt/i);
      }

      const patched = await api.request('PATCH', `/v1/orgs/${org}/members/${id}`, {
        body: { name: 'Zoë', role: 'admin' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({ ...created.body, name: 'Zoë', role: 'admin' });
      const login = (password: string) =>
        anyone.post('/v1/auth/login', { email: 'zoë.admin@example.com', password });
      expect((await login('correct horse battery')).status).toBe(200);
      expect(
        (
          await api.request('PATCH', `/v1/orgs/${org}/members/${id}`, {
            body: { password: 'a brand new password' },
          })
        ).status,
      ).toBe(200);
      expectProblem(await login('correct horse battery'), 401, 'invalid_credentials');
      expect((await login('a brand new password')).status).toBe(200);

      const removed = await api.request('DELETE', `/v1/orgs/${org}/members/${id}`);
      expect(removed.status).toBe(204);
      expect(removed.text).toBe('');
      expect(
        (await api.get(`/v1/orgs/${org}/members`)).body.data.map((m: { id: string }) => m.id),
      ).not.toContain(id);
      expectProblem(await login('a brand new password'), 401, 'invalid_credentials');
      expectProblem(
        await api.request('DELETE', `/v1/orgs/${org}/members/${id}`),
        404,
        'unknown_member',
      );
    });

    it('POST /v1/auth/login, GET /v1/auth/session and POST /v1/auth/logout', async () => {
      const member = await api.post(`/v1/orgs/${org}/members`, {
        email: 'session@routes.test',
        name: 'Sam',
        role: 'operator',
        password: 'session password',
      });
      const login = await anyone.post('/v1/auth/login', {
        email: 'SESSION@routes.test',
        password: 'session password',
      });
      expect(login.status).toBe(200);
      expect(login.body).toEqual({
        member: member.body,
        org,
        csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
        expiresAt: iso,
      });
      const ttl = Date.parse(login.body.expiresAt) - Date.now();
      expect(ttl).toBeGreaterThan(60 * MINUTE);
      expect(ttl).toBeLessThanOrEqual(24 * 60 * MINUTE);
      const setCookie = login.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^tally_session=tls_[A-Za-z0-9_-]+;/);
      expect(setCookie).toMatch(/;\s*HttpOnly/i);
      expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
      expect(setCookie).toMatch(/;\s*Path=\//i);
      expect(login.text).not.toContain(setCookie.split(';')[0]?.split('=')[1]);
      const cookie = setCookie.split(';')[0] ?? '';

      const session = await anyone.request('GET', '/v1/auth/session', { headers: { cookie } });
      expect(session.status).toBe(200);
      expect(session.body).toEqual(login.body);

      const logout = await anyone.request('POST', '/v1/auth/logout', {
        headers: { cookie, 'x-csrf-token': login.body.csrfToken },
      });
      expect(logout.status).toBe(204);
      expect(logout.text).toBe('');
      expect(logout.headers.get('set-cookie')).toMatch(
        /^tally_session=;.*Expires=Thu, 01 Jan 1970/,
      );
      expectProblem(
        await anyone.request('GET', '/v1/auth/session', { headers: { cookie } }),
        401,
        'unauthenticated',
      );

      // A wrong password and an unknown email get the same answer: emails are not disclosed.
      const wrong = await anyone.post('/v1/auth/login', {
        email: 'session@routes.test',
        password: 'not the password',
      });
      const unknown = await anyone.post('/v1/auth/login', {
        email: 'nobody@routes.test',
        password: 'not the password',
      });
      expectProblem(wrong, 401, 'invalid_credentials');
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.headers.get('set-cookie')).toBeNull();
    });

    it('GET /healthz, /readyz and /metrics', async () => {
      const health = await anyone.get('/healthz');
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok' });
      const ready = await anyone.get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: 'ready' });
      const metrics = await anyone.get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      for (const name of [
        'tally_http_requests_total{',
        'tally_http_request_duration_seconds_bucket{',
        'tally_charges_total{status="succeeded"}',
        'tally_refusals_total{code=',
      ]) {
        expect(metrics.text).toContain(name);
      }
      // Routes are labelled by their template: no org ids, no secrets.
      expect(metrics.text).toContain('route="/v1/orgs/:org/charges"');
      expect(metrics.text).not.toContain(org);
      expect(metrics.text).not.toContain(server.rootKey);
    });

    it('GET /v1/openapi.json and the /docs page, served without network', async () => {
      const doc = await anyone.get('/v1/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toBe('3.1.0');
      const operations = Object.entries(
        doc.body.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>,
      ).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
      );
      expect(
        operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`).sort(),
      ).toEqual(
        [
          'POST /v1/orgs',
          'GET /v1/orgs',
          'GET /v1/orgs/{org}',
          'PUT /v1/features/{feature}',
          'GET /v1/features',
          'POST /v1/orgs/{org}/grants',
          'GET /v1/orgs/{org}/grants',
          'POST /v1/orgs/{org}/charges',
          'POST /v1/orgs/{org}/holds',
          'POST /v1/orgs/{org}/holds/{id}/capture',
          'POST /v1/orgs/{org}/holds/{id}/void',
          'POST /v1/orgs/{org}/charges/{id}/refund',
          'GET /v1/orgs/{org}/balance',
          'GET /v1/orgs/{org}/transactions',
          'GET /v1/orgs/{org}/transactions.csv',
          'GET /v1/orgs/{org}/reports/statement',
          'GET /v1/orgs/{org}/reports/statement.csv',
          'GET /v1/orgs/{org}/reports/statement.pdf',
          'GET /v1/orgs/{org}/reports/usage',
          'GET /v1/orgs/{org}/reports/usage.csv',
          'GET /v1/orgs/{org}/reports/totals',
          'GET /v1/orgs/{org}/reports/months',
          'GET /v1/orgs/{org}/reports/insights',
          'GET /v1/orgs/{org}/projects/{project}/report',
          'POST /v1/orgs/{org}/rollups/rebuild',
          'POST /v1/orgs/{org}/api-keys',
          'GET /v1/orgs/{org}/api-keys',
          'DELETE /v1/orgs/{org}/api-keys/{id}',
          'GET /v1/orgs/{org}/projects',
          'POST /v1/orgs/{org}/projects',
          'GET /v1/orgs/{org}/projects/{project}',
          'PATCH /v1/orgs/{org}/projects/{project}',
          'GET /v1/orgs/{org}/allowances',
          'GET /v1/orgs/{org}/allowances/{user}',
          'PUT /v1/orgs/{org}/allowances/{user}',
          'DELETE /v1/orgs/{org}/allowances/{user}',
          'GET /v1/orgs/{org}/deletion',
          'DELETE /v1/orgs/{org}',
          'POST /v1/orgs/{org}/suspend',
          'POST /v1/orgs/{org}/resume',
          'POST /v1/orgs/{org}/members',
          'GET /v1/orgs/{org}/members',
          'PATCH /v1/orgs/{org}/members/{id}',
          'DELETE /v1/orgs/{org}/members/{id}',
          'GET /v1/plans',
          'PUT /v1/plans/{plan}',
          'GET /v1/packs',
          'PUT /v1/packs/{pack}',
          'GET /v1/orgs/{org}/plan',
          'PUT /v1/orgs/{org}/plan',
          'GET /v1/orgs/{org}/plan/comparison',
          'POST /v1/orgs/{org}/purchases',
          'GET /v1/orgs/{org}/purchases',
          'GET /v1/orgs/{org}/purchases/{id}',
          'POST /v1/orgs/{org}/purchases/{id}/recheck',
          'POST /v1/orgs/{org}/purchases/{id}/cancel',
          'POST /v1/orgs/{org}/purchases/{id}/mark-paid',
          'POST /v1/orgs/{org}/purchases/{id}/refund',
          'GET /v1/orgs/{org}/purchases/{id}/invoice.pdf',
          'GET /v1/orgs/{org}/purchase-history',
          'GET /v1/orgs/{org}/my-allowance',
          'POST /v1/webhooks/stripe',
          'POST /v1/auth/login',
          'GET /v1/auth/session',
          'POST /v1/auth/logout',
        ].sort(),
      );
      for (const { method, path, operation } of operations) {
        const statuses = Object.keys(operation.responses);
        expect(
          statuses.some((status) => status.startsWith('2')),
          `${method} ${path}`,
        ).toBe(true);
        expect(
          statuses.some((status) => status.startsWith('4')),
          `${method} ${path}`,
        ).toBe(true);
      }
      const charge = doc.body.paths['/v1/orgs/{org}/charges'].post;
      expect(Object.keys(charge.requestBody.content['application/json'].schema.properties)).toEqual(
        expect.arrayContaining(['feature', 'quantities', 'user', 'project', 'at']),
      );
      expect(Object.keys(doc.body.components.securitySchemes).sort()).toEqual([
        'apiKey',
        'session',
      ]);

      const page = await anyone.get('/docs');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.text).toMatch(/swagger/i);
      // Everything the page loads comes from this server.
      expect(page.text).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
      const css = /href="([^"]*swagger-ui\.css)"/.exec(page.text)?.[1];
      expect(css).toBeDefined();
      const stylesheet = await anyone.get(new URL(css ?? '', `${server.url}/docs/`).pathname);
      expect(stylesheet.status).toBe(200);
      expect(stylesheet.text.length).toBeGreaterThan(1000);
    });
  });

  it('accepts every exact spelling of an amount, and answers it as a plain decimal string', async () => {
    const id = (await root.post('/v1/orgs', { name: 'Spellings' })).body.id;
    // Rule 1: JSON numbers or strings, refused only when not exactly representable. An exponent
    // is a spelling like any other: "1e3" is exactly 1000 (a JSON number 1e3 is the same value).
    const spellings: [unknown, string][] = [
      ['1e3', '1000'],
      [1e3, '1000'],
      ['2.5E+2', '250'],
      ['1.50', '1.5'],
      [0.1, '0.1'],
      ['0.000001', '0.000001'],
      ['1e-6', '0.000001'],
      [1e-6, '0.000001'],
      ['1000000000000', '1000000000000'],
    ];
    for (const [credits, text] of spellings) {
      const other = (await root.post('/v1/orgs', { name: 'Spelling' })).body.id;
      const answer = await root.post(`/v1/orgs/${other}/grants`, { kind: 'promo', credits });
      expect(answer.status, `${JSON.stringify(credits)}: ${answer.text}`).toBe(201);
      expect(answer.body.credits).toBe(text);
    }
    for (const credits of ['1.5e-7', '1e-7', 1.0000001]) {
      expectProblem(
        await root.post(`/v1/orgs/${id}/grants`, { kind: 'promo', credits }),
        400,
        'invalid_request',
        'credits',
      );
    }
    expect((await root.get(`/v1/orgs/${id}/grants`)).body.data).toEqual([]);
  });

  describe('refuses bad input with a named 4xx and writes nothing', () => {
    const charge = (body: unknown, headers?: Record<string, string>) =>
      api.post(`/v1/orgs/${org}/charges`, body, headers);
    const grant = (body: unknown, headers?: Record<string, string>) =>
      api.post(`/v1/orgs/${org}/grants`, body, headers);
    const hold = (body: unknown) => api.post(`/v1/orgs/${org}/holds`, body);
    const capture = (body: unknown, id = ids.pendingHold) =>
      api.post(`/v1/orgs/${org}/holds/${id}/capture`, body);
    const voidHold = (body: unknown, id = ids.pendingHold) =>
      api.post(`/v1/orgs/${org}/holds/${id}/void`, body);
    const refund = (body: unknown, id = ids.charge) =>
      api.post(`/v1/orgs/${org}/charges/${id}/refund`, body);
    const createOrg = (body: unknown, headers?: Record<string, string>) =>
      root.post('/v1/orgs', body, headers);
    const putFeature = (body: unknown, id = 'image') =>
      root.request('PUT', `/v1/features/${id}`, { body });
    const createKey = (body: unknown, headers?: Record<string, string>) =>
      api.post(`/v1/orgs/${org}/api-keys`, body, headers);
    const createMember = (body: unknown) => api.post(`/v1/orgs/${org}/members`, body);
    const patchMember = (body: unknown, id = ids.member) =>
      api.request('PATCH', `/v1/orgs/${org}/members/${id}`, { body });
    const login = (body: unknown) => anyone.post('/v1/auth/login', body);
    const read = (path: string) => api.get(`/v1/orgs/${org}${path}`);
    const member = (extra: Record<string, unknown>) => ({
      email: 'new@routes.test',
      name: 'New',
      role: 'viewer',
      password: 'long enough password',
      ...extra,
    });
    const soon = () => new Date(Date.now() + 10 * MINUTE).toISOString();
    const long = (length: number) => 'é'.repeat(length);

    const cases: Case[] = [];
    const add = (name: string, call: () => Promise<HttpAnswer>, code: string, field?: string) => {
      const status = {
        invalid_request: 400,
        invalid_json: 400,
        unknown_org: 404,
        unknown_hold: 404,
        unknown_charge: 404,
        unknown_key: 404,
        unknown_member: 404,
        not_found: 404,
        hold_not_pending: 409,
        refund_exceeds_charge: 409,
        at_before_latest_entry: 409,
        member_exists: 409,
        payload_too_large: 413,
        unsupported_media_type: 415,
        unknown_feature: 422,
        unknown_unit: 422,
      }[code];
      if (status === undefined) throw new Error(`no status for ${code}`);
      cases.push({ name, call, status, code, ...(field === undefined ? {} : { field }) });
    };

    // Amounts (rule 1): exact decimals with at most 6 fractional digits, more than zero where a
    // zero means nothing, and at most a trillion credits.
    const badAmounts: [string, unknown, boolean][] = [
      ['a negative number', -5, false],
      ['a negative string', '-5', false],
      ['zero', 0, true],
      ['zero with decimals', '0.000000', true],
      ['seven decimals', '0.0000001', false],
      ['seven decimals as a JSON number', 1e-7, false],
      ['a huge number', 1e30, false],
      ['a huge string', '1e30', false],
      ['a micro-credit over a trillion', '1000000000000.000001', false],
      ['text that is no number', '12abc', false],
      ['an empty string', '', false],
      ['"NaN"', 'NaN', false],
      ['"Infinity"', 'Infinity', false],
      ['hexadecimal', '0x10', false],
      ['a leading plus', '+5', false],
      ['a bare fraction', '.5', false],
      ['a boolean', true, false],
      ['null', null, false],
      ['an array', [5], false],
      ['an object', { credits: 5 }, false],
    ];
    for (const [label, value, isZero] of badAmounts) {
      add(
        `grant credits: ${label}`,
        () => grant({ kind: 'promo', credits: value }),
        'invalid_request',
        'credits',
      );
      add(
        `hold credits: ${label}`,
        () => hold({ feature: 'image', credits: value }),
        'invalid_request',
        'credits',
      );
      add(
        `refund credits: ${label}`,
        () => refund({ credits: value }),
        'invalid_request',
        'credits',
      );
      add(
        `org allowance: ${label}`,
        () => createOrg({ name: 'Nope', allowance: { credits: value } }),
        'invalid_request',
        'allowance.credits',
      );
      if (!isZero) {
        // A capture of 0 (the action cost nothing) and a free feature are allowed.
        add(
          `capture credits: ${label}`,
          () => capture({ credits: value }),
          'invalid_request',
          'credits',
        );
        add(
          `feature price: ${label}`,
          () => putFeature({ name: 'Image', prices: [{ unit: 'action', credits: value }] }),
          'invalid_request',
          'prices[0].credits',
        );
      }
    }
    for (const [label, value] of [
      ['negative', -1],
      ['huge', 1e30],
      ['not a number', 'abc'],
      ['a boolean', true],
      ['null', null],
    ] as [string, unknown][]) {
      add(
        `charge quantity: ${label}`,
        () => charge({ feature: 'chat', quantities: { input_tokens: value } }),
        'invalid_request',
        'quantities.input_tokens',
      );
      add(
        `hold quantity: ${label}`,
        () => hold({ feature: 'chat', quantities: { output_tokens: value } }),
        'invalid_request',
        'quantities.output_tokens',
      );
      add(
        `capture quantity: ${label}`,
        () => capture({ quantities: { action: value } }),
        'invalid_request',
        'quantities.action',
      );
    }

    // Instants: ISO 8601 with an offset, naming a real time.
    const badInstants: [string, unknown][] = [
      ['no offset', '2026-01-01T10:00:00'],
      ['a date alone', '2026-01-01'],
      ['words', 'yesterday'],
      ['February 30th', '2026-02-30T10:00:00Z'],
      ['February 29th of a common year', '2026-02-29T10:00:00Z'],
      ['hour 24', '2026-01-01T24:00:00Z'],
      ['month 13', '2026-13-01T10:00:00Z'],
      ['an offset of 25 hours', '2026-01-01T10:00:00+25:00'],
      ['a space for the T', '2026-01-01 10:00:00Z'],
      ['milliseconds since 1970', 1767261600000],
      ['an empty string', ''],
    ];
    for (const [label, value] of badInstants) {
      add(
        `charge at: ${label}`,
        () => charge({ feature: 'image', at: value }),
        'invalid_request',
        'at',
      );
      add(
        `grant at: ${label}`,
        () => grant({ kind: 'promo', credits: 1, at: value }),
        'invalid_request',
        'at',
      );
      add(
        `grant effectiveAt: ${label}`,
        () => grant({ kind: 'promo', credits: 1, effectiveAt: value }),
        'invalid_request',
        'effectiveAt',
      );
      add(
        `grant expiresAt: ${label}`,
        () => grant({ kind: 'promo', credits: 1, expiresAt: value }),
        'invalid_request',
        'expiresAt',
      );
      add(
        `hold at: ${label}`,
        () => hold({ feature: 'image', at: value }),
        'invalid_request',
        'at',
      );
      add(`capture at: ${label}`, () => capture({ at: value }), 'invalid_request', 'at');
      add(`void at: ${label}`, () => voidHold({ at: value }), 'invalid_request', 'at');
      add(`refund at: ${label}`, () => refund({ at: value }), 'invalid_request', 'at');
      add(
        `org at: ${label}`,
        () => createOrg({ name: 'Nope', at: value }),
        'invalid_request',
        'at',
      );
      add(
        `feature effectiveAt: ${label}`,
        () =>
          putFeature({
            name: 'Image',
            prices: [{ unit: 'action', credits: 8 }],
            effectiveAt: value,
          }),
        'invalid_request',
        'effectiveAt',
      );
      const query = encodeURIComponent(String(value));
      add(`balance ?at: ${label}`, () => read(`/balance?at=${query}`), 'invalid_request', 'at');
      add(`grants ?at: ${label}`, () => read(`/grants?at=${query}`), 'invalid_request', 'at');
      add(
        `transactions ?from: ${label}`,
        () => read(`/transactions?from=${query}`),
        'invalid_request',
        'from',
      );
      add(
        `transactions ?to: ${label}`,
        () => read(`/transactions?to=${query}`),
        'invalid_request',
        'to',
      );
    }
    // `at` may not be later than the server's clock; `effectiveAt` may not be before `at`.
    for (const [label, when] of [
      ['in ten minutes', soon],
      ['in 2999', () => '2999-01-01T00:00:00Z'],
    ] as [string, () => string][]) {
      add(
        `charge at ${label}`,
        () => charge({ feature: 'image', at: when() }),
        'invalid_request',
        'at',
      );
      add(
        `grant at ${label}`,
        () => grant({ kind: 'promo', credits: 1, at: when() }),
        'invalid_request',
        'at',
      );
      add(
        `hold at ${label}`,
        () => hold({ feature: 'image', at: when() }),
        'invalid_request',
        'at',
      );
      add(`capture at ${label}`, () => capture({ at: when() }), 'invalid_request', 'at');
      add(`void at ${label}`, () => voidHold({ at: when() }), 'invalid_request', 'at');
      add(`refund at ${label}`, () => refund({ at: when() }), 'invalid_request', 'at');
      add(
        `org at ${label}`,
        () => createOrg({ name: 'Nope', at: when() }),
        'invalid_request',
        'at',
      );
    }
    add(
      'a grant effective before its write',
      () => grant({ kind: 'promo', credits: 1, effectiveAt: '2021-01-01T00:00:00Z' }),
      'invalid_request',
      'effectiveAt',
    );
    add(
      'a grant expiring before it starts',
      () => grant({ kind: 'promo', credits: 1, expiresAt: '2021-01-01T00:00:00Z' }),
      'invalid_request',
      'expiresAt',
    );
    add(
      'a grant expiring as it starts',
      () => {
        const at = soon();
        return grant({ kind: 'promo', credits: 1, effectiveAt: at, expiresAt: at });
      },
      'invalid_request',
      'expiresAt',
    );

    // Wrong types, values out of range, missing fields.
    const wrong: [string, () => Promise<HttpAnswer>, string][] = [
      ['charge without a feature', () => charge({}), 'feature'],
      ['charge feature as a number', () => charge({ feature: 5 }), 'feature'],
      ['charge feature empty', () => charge({ feature: '' }), 'feature'],
      ['charge user as a number', () => charge({ feature: 'image', user: 7 }), 'user'],
      ['charge user empty', () => charge({ feature: 'image', user: '' }), 'user'],
      ['charge project as an object', () => charge({ feature: 'image', project: {} }), 'project'],
      ['charge model as an array', () => charge({ feature: 'image', model: ['gpt'] }), 'model'],
      ['charge status unknown', () => charge({ feature: 'image', status: 'ok' }), 'status'],
      [
        'charge quantities as an array',
        () => charge({ feature: 'image', quantities: [1] }),
        'quantities',
      ],
      ['charge metadata as text', () => charge({ feature: 'image', metadata: 'x' }), 'metadata'],
      ['charge note too long', () => charge({ feature: 'image', note: long(1001) }), 'note'],
      ['charge user too long', () => charge({ feature: 'image', user: long(201) }), 'user'],
      [
        'charge project too long',
        () => charge({ feature: 'image', project: long(201) }),
        'project',
      ],
      ['charge model too long', () => charge({ feature: 'image', model: long(201) }), 'model'],
      [
        'charge metadata over 8 KiB',
        () => charge({ feature: 'image', metadata: { blob: 'x'.repeat(9000) } }),
        'metadata',
      ],
      ['hold without a feature', () => hold({ credits: 5 }), 'feature'],
      ['hold ttlSeconds of 0', () => hold({ feature: 'image', ttlSeconds: 0 }), 'ttlSeconds'],
      ['hold ttlSeconds negative', () => hold({ feature: 'image', ttlSeconds: -60 }), 'ttlSeconds'],
      [
        'hold ttlSeconds over a week',
        () => hold({ feature: 'image', ttlSeconds: 604801 }),
        'ttlSeconds',
      ],
      [
        'hold ttlSeconds fractional',
        () => hold({ feature: 'image', ttlSeconds: 1.5 }),
        'ttlSeconds',
      ],
      ['hold ttlSeconds as text', () => hold({ feature: 'image', ttlSeconds: '60' }), 'ttlSeconds'],
      [
        'hold with both credits and quantities',
        () => hold({ feature: 'image', credits: 5, quantities: { action: 1 } }),
        'credits',
      ],
      ['grant without a kind', () => grant({ credits: 1 }), 'kind'],
      ['grant kind unknown', () => grant({ kind: 'gift', credits: 1 }), 'kind'],
      ['grant without credits', () => grant({ kind: 'promo' }), 'credits'],
      ['grant priority 101', () => grant({ kind: 'promo', credits: 1, priority: 101 }), 'priority'],
      ['grant priority -1', () => grant({ kind: 'promo', credits: 1, priority: -1 }), 'priority'],
      ['grant priority 1.5', () => grant({ kind: 'promo', credits: 1, priority: 1.5 }), 'priority'],
      [
        'grant priority as text',
        () => grant({ kind: 'promo', credits: 1, priority: '5' }),
        'priority',
      ],
      [
        'grant recurrence weekly',
        () => grant({ kind: 'promo', credits: 1, recurrence: 'weekly' }),
        'recurrence',
      ],
      ['grant note as a number', () => grant({ kind: 'promo', credits: 1, note: 5 }), 'note'],
      ['grant note too long', () => grant({ kind: 'promo', credits: 1, note: long(1001) }), 'note'],
      ['void reason as a number', () => voidHold({ reason: 5 }), 'reason'],
      ['void reason too long', () => voidHold({ reason: long(1001) }), 'reason'],
      ['refund note too long', () => refund({ credits: 1, note: long(1001) }), 'note'],
      ['refund body as an array', () => refund([1]), 'body'],
      ['org without a name', () => createOrg({}), 'name'],
      ['org name empty', () => createOrg({ name: '' }), 'name'],
      ['org name blank', () => createOrg({ name: '   ' }), 'name'],
      ['org name too long', () => createOrg({ name: long(201) }), 'name'],
      [
        'org timezone unknown',
        () => createOrg({ name: 'X', timezone: 'Mars/Olympus' }),
        'timezone',
      ],
      ['org timezone as a number', () => createOrg({ name: 'X', timezone: 9 }), 'timezone'],
      ['org plan as a number', () => createOrg({ name: 'X', plan: 5 }), 'plan'],
      [
        'org allowance without credits',
        () => createOrg({ name: 'X', allowance: {} }),
        'allowance.credits',
      ],
      [
        'feature without a name',
        () => putFeature({ prices: [{ unit: 'action', credits: 1 }] }),
        'name',
      ],
      ['feature without prices', () => putFeature({ name: 'Image', prices: [] }), 'prices'],
      ['feature prices as an object', () => putFeature({ name: 'Image', prices: {} }), 'prices'],
      [
        'feature price without credits',
        () => putFeature({ name: 'Image', prices: [{ unit: 'action' }] }),
        'prices[0].credits',
      ],
      [
        'feature price per 0',
        () => putFeature({ name: 'Image', prices: [{ unit: 'action', credits: 1, per: 0 }] }),
        'prices[0].per',
      ],
      [
        'feature priced twice for one unit',
        () =>
          putFeature({
            name: 'Image',
            prices: [
              { unit: 'action', credits: 1 },
              { unit: 'action', credits: 2 },
            ],
          }),
        'prices[1].unit',
      ],
      [
        'feature unit that is no identifier',
        () => putFeature({ name: 'Image', prices: [{ unit: 'Fête 🎉', credits: 1 }] }),
        'prices[0].unit',
      ],
      [
        'feature id with capitals and a space',
        () => putFeature({ name: 'X', prices: [{ unit: 'action', credits: 1 }] }, 'Bad%20Id'),
        'feature',
      ],
      ['key without a role', () => createKey({ name: 'x' }), 'role'],
      ['key role root', () => createKey({ name: 'x', role: 'root' }), 'role'],
      ['key name blank', () => createKey({ name: '  ', role: 'viewer' }), 'name'],
      ['key name too long', () => createKey({ name: long(201), role: 'viewer' }), 'name'],
      ['member email not an email', () => createMember(member({ email: 'nope' })), 'email'],
      [
        'member email too long',
        () => createMember(member({ email: `${'a'.repeat(320)}@x.y` })),
        'email',
      ],
      ['member password too short', () => createMember(member({ password: 'short' })), 'password'],
      [
        'member password too long',
        () => createMember(member({ password: 'p'.repeat(201) })),
        'password',
      ],
      ['member role owner', () => createMember(member({ role: 'owner' })), 'role'],
      ['member name blank', () => createMember(member({ name: ' ' })), 'name'],
      ['member update role owner', () => patchMember({ role: 'owner' }), 'role'],
      ['member update name empty', () => patchMember({ name: '' }), 'name'],
      ['member update password short', () => patchMember({ password: 'short' }), 'password'],
      ['login without a password', () => login({ email: 'member@routes.test' }), 'password'],
      ['login email as a number', () => login({ email: 5, password: 'whatever it is' }), 'email'],
      ['transactions limit 0', () => read('/transactions?limit=0'), 'limit'],
      ['transactions limit 1001', () => read('/transactions?limit=1001'), 'limit'],
      ['transactions limit -1', () => read('/transactions?limit=-1'), 'limit'],
      ['transactions limit 1.5', () => read('/transactions?limit=1.5'), 'limit'],
      ['transactions limit abc', () => read('/transactions?limit=abc'), 'limit'],
      ['transactions cursor forged', () => read('/transactions?cursor=abc'), 'cursor'],
      ['transactions type unknown', () => read('/transactions?type=usage,nope'), 'type'],
      ['transactions status unknown', () => read('/transactions?status=done'), 'status'],
      ['grants active yes', () => read('/grants?active=yes'), 'active'],
      ['statement month 13', () => read('/reports/statement?month=2026-13'), 'month'],
      ['statement month by name', () => read('/reports/statement?month=May'), 'month'],
      ['statement without a month', () => read('/reports/statement'), 'month'],
      ['statement of a month to come', () => read('/reports/statement?month=2999-01'), 'month'],
      [
        'an Idempotency-Key over 255 characters',
        () => charge({ feature: 'image' }, { 'idempotency-key': 'k'.repeat(256) }),
        'Idempotency-Key',
      ],
      [
        'an empty Idempotency-Key',
        () => grant({ kind: 'promo', credits: 1 }, { 'idempotency-key': '' }),
        'Idempotency-Key',
      ],
      [
        'an Idempotency-Key over 255 characters on an org',
        () => createOrg({ name: 'Nope' }, { 'idempotency-key': 'k'.repeat(256) }),
        'Idempotency-Key',
      ],
      [
        'an Idempotency-Key over 255 characters on a key',
        () => createKey({ name: 'x', role: 'viewer' }, { 'idempotency-key': 'k'.repeat(256) }),
        'Idempotency-Key',
      ],
    ];
    for (const [name, call, field] of wrong) add(name, call, 'invalid_request', field);

    // Bodies that are no JSON object, in the wrong media type, or too large.
    const writes: [string, string, string, Client | (() => Client)][] = [
      ['POST', '/v1/orgs', 'org', () => root],
      ['PUT', '/v1/features/image', 'feature', () => root],
      ['POST', `/v1/orgs/{org}/grants`, 'grant', () => api],
      ['POST', `/v1/orgs/{org}/charges`, 'charge', () => api],
      ['POST', `/v1/orgs/{org}/holds`, 'hold', () => api],
      ['POST', `/v1/orgs/{org}/holds/{hold}/capture`, 'capture', () => api],
      ['POST', `/v1/orgs/{org}/holds/{hold}/void`, 'void', () => api],
      ['POST', `/v1/orgs/{org}/charges/{charge}/refund`, 'refund', () => api],
      ['POST', `/v1/orgs/{org}/api-keys`, 'key', () => api],
      ['POST', `/v1/orgs/{org}/members`, 'member', () => api],
      ['PATCH', `/v1/orgs/{org}/members/{member}`, 'member update', () => api],
      ['POST', '/v1/auth/login', 'login', () => anyone],
    ];
    for (const [method, template, label, who] of writes) {
      const send = (options: { raw: string; headers?: Record<string, string> }) => {
        const path = template
          .replace('{org}', org)
          .replace('{hold}', ids.pendingHold)
          .replace('{charge}', ids.charge)
          .replace('{member}', ids.member);
        const client = typeof who === 'function' ? who() : who;
        return client.request(method, path, options);
      };
      add(`${label}: malformed JSON`, () => send({ raw: '{"name": ' }), 'invalid_json');
      add(
        `${label}: JSON with a trailing comma`,
        () => send({ raw: '{"name": "x",}' }),
        'invalid_json',
      );
      add(
        `${label}: declared JSON but empty`,
        () => send({ raw: '', headers: { 'content-type': 'application/json' } }),
        'invalid_json',
      );
      add(
        `${label}: XML`,
        () => send({ raw: '<name>x</name>', headers: { 'content-type': 'application/xml' } }),
        'unsupported_media_type',
      );
      add(
        `${label}: a body over 1 MiB`,
        () => send({ raw: JSON.stringify({ name: 'x', note: 'x'.repeat(1100 * 1024) }) }),
        'payload_too_large',
      );
      add(
        `${label}: a body of 1 MiB and a byte`,
        () => {
          const frame = JSON.stringify({ name: 'x', note: '' });
          return send({
            raw: frame.replace('""', `"${'x'.repeat(1024 * 1024 + 1 - frame.length)}"`),
          });
        },
        'payload_too_large',
      );
    }

    // Unknown ids, and ids of another org used under one's own org.
    add('capture of an unknown hold', () => capture({}, 'hld_nothing'), 'unknown_hold');
    add('void of an unknown hold', () => voidHold({}, 'hld_nothing'), 'unknown_hold');
    add('capture of a charge id', () => capture({}, ids.charge), 'unknown_hold');
    add('refund of an unknown charge', () => refund({}, 'chg_nothing'), 'unknown_charge');
    add('refund of a hold id', () => refund({}, ids.pendingHold), 'unknown_charge');
    // A failed attempt spent nothing and is not refundable; it answers as no charge at all.
    add('refund of a failed attempt', () => refund({}, ids.failedCharge), 'unknown_charge');
    add(
      'revoking an unknown key',
      () => api.request('DELETE', `/v1/orgs/${org}/api-keys/key_nothing`),
      'unknown_key',
    );
    add(
      'updating an unknown member',
      () => patchMember({ name: 'X' }, 'mem_nothing'),
      'unknown_member',
    );
    add(
      'removing an unknown member',
      () => api.request('DELETE', `/v1/orgs/${org}/members/mem_nothing`),
      'unknown_member',
    );
    add('capture of their hold', () => capture({}, ids.theirHold), 'unknown_hold');
    add('void of their hold', () => voidHold({}, ids.theirHold), 'unknown_hold');
    add('refund of their charge', () => refund({}, ids.theirCharge), 'unknown_charge');
    add(
      'revoking their key',
      () => api.request('DELETE', `/v1/orgs/${org}/api-keys/${ids.theirKey}`),
      'unknown_key',
    );
    add(
      'updating their member',
      () => patchMember({ name: 'Mine now' }, ids.theirMember),
      'unknown_member',
    );
    add(
      'removing their member',
      () => api.request('DELETE', `/v1/orgs/${org}/members/${ids.theirMember}`),
      'unknown_member',
    );
    const orgRoutes: [string, string, unknown?][] = [
      ['GET', ''],
      ['GET', '/grants'],
      ['POST', '/grants', { kind: 'promo', credits: 1 }],
      ['POST', '/charges', { feature: 'image' }],
      ['POST', '/holds', { feature: 'image' }],
      ['POST', '/holds/hld_nothing/capture', {}],
      ['POST', '/holds/hld_nothing/void', {}],
      ['POST', '/charges/chg_nothing/refund', {}],
      ['GET', '/balance'],
      ['GET', '/transactions'],
      ['GET', '/transactions.csv'],
      ['GET', '/reports/statement?month=2026-01'],
      ['POST', '/api-keys', { name: 'x', role: 'viewer' }],
      ['GET', '/api-keys'],
      ['DELETE', '/api-keys/key_nothing'],
      ['POST', '/members', member({})],
      ['GET', '/members'],
      ['PATCH', '/members/mem_nothing', { name: 'X' }],
      ['DELETE', '/members/mem_nothing'],
    ];
    for (const [method, rest, body] of orgRoutes) {
      add(
        `${method} an unknown org${rest}`,
        () =>
          root.request(method, `/v1/orgs/org_nothing${rest}`, body === undefined ? {} : { body }),
        'unknown_org',
      );
    }
    add('an unknown route', () => api.get('/v1/nowhere'), 'not_found');
    add(
      'an unknown method on a route',
      () => api.request('DELETE', `/v1/orgs/${org}/charges`),
      'not_found',
    );

    // Documented refusals that change nothing.
    add('charging an unknown feature', () => charge({ feature: 'nope' }), 'unknown_feature');
    add(
      'charging a feature priced only from 2999',
      () => charge({ feature: 'video' }),
      'unknown_feature',
    );
    add('holding for an unknown feature', () => hold({ feature: 'nope' }), 'unknown_feature');
    add(
      'charging an unknown unit',
      () => charge({ feature: 'chat', quantities: { pixels: 5 } }),
      'unknown_unit',
    );
    add(
      'holding an unknown unit',
      () => hold({ feature: 'chat', quantities: { pixels: 5 } }),
      'unknown_unit',
    );
    add('capturing an unknown unit', () => capture({ quantities: { pixels: 1 } }), 'unknown_unit');
    add('capturing a voided hold', () => capture({}, ids.voidedHold), 'hold_not_pending');
    add('voiding a voided hold', () => voidHold({}, ids.voidedHold), 'hold_not_pending');
    add('capturing a captured hold', () => capture({}, ids.capturedHold), 'hold_not_pending');
    add('voiding a captured hold', () => voidHold({}, ids.capturedHold), 'hold_not_pending');
    add(
      'refunding more than was charged',
      () => refund({ credits: '8.000001' }),
      'refund_exceeds_charge',
    );
    add(
      'refunding a refunded charge',
      () => refund({}, ids.refundedCharge),
      'refund_exceeds_charge',
    );
    add(
      'refunding a part of a refunded charge',
      () => refund({ credits: 1 }, ids.refundedCharge),
      'refund_exceeds_charge',
    );
    const past = '2021-06-01T00:00:00Z';
    add(
      'a charge dated before the latest entry',
      () => charge({ feature: 'image', at: past }),
      'at_before_latest_entry',
    );
    add(
      'a grant dated before the latest entry',
      () => grant({ kind: 'promo', credits: 1, at: past }),
      'at_before_latest_entry',
    );
    add(
      'a hold dated before the latest entry',
      () => hold({ feature: 'image', at: past }),
      'at_before_latest_entry',
    );
    add(
      'a capture dated before the latest entry',
      () => capture({ at: past }),
      'at_before_latest_entry',
    );
    add(
      'a void dated before the latest entry',
      () => voidHold({ at: past }),
      'at_before_latest_entry',
    );
    add(
      'a refund dated before the latest entry',
      () => refund({ at: past }),
      'at_before_latest_entry',
    );
    add(
      'a member whose email is taken, in other letters',
      () => createMember(member({ email: 'MEMBER@Routes.Test' })),
      'member_exists',
    );

    it('covers every case it lists', () => {
      expect(cases.length).toBeGreaterThan(400);
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    });

    for (const { name, call, status, code, field } of cases) {
      it(name, async () => {
        const before = await everything();
        expectProblem(await call(), status, code, field);
        expect(await everything()).toEqual(before);
      });
    }
  });

  describe('refuses what it cannot pay with 402, and only logs the attempt', () => {
    const expectRefusedAndLogged = async (
      call: () => Promise<HttpAnswer>,
      required: string,
    ): Promise<HttpAnswer> => {
      const before = await everything();
      const answer = await call();
      expectProblem(answer, 402, 'insufficient_credits');
      // `available` and `required` at the top level of the problem, as decimal strings.
      expect(answer.body.available).toBe(before.mine.balance.available);
      expect(answer.body.required).toBe(required);
      const after = await everything();
      expect(after.mine.balance).toEqual(before.mine.balance);
      expect(after.mine.grants).toEqual(before.mine.grants);
      expect(after.theirs).toEqual(before.theirs);
      expect(changedTables(before.tables, after.tables)).toEqual({ transactions: 1 });
      const [row] = after.mine.log;
      expect(row).toMatchObject({
        credits: '0',
        status: 'refused',
        reason: 'insufficient_credits',
        balanceAfter: before.mine.balance.available,
      });
      expect(after.mine.log.slice(1)).toEqual(before.mine.log);
      return answer;
    };

    it('a charge', async () => {
      const answer = await expectRefusedAndLogged(
        () =>
          api.post(`/v1/orgs/${org}/charges`, {
            feature: 'chat',
            quantities: { input_tokens: 1_000_000 },
          }),
        '3000',
      );
      expect(answer.body.detail).toContain('3000');
    });

    it('a hold', async () => {
      await expectRefusedAndLogged(
        () => api.post(`/v1/orgs/${org}/holds`, { feature: 'image', credits: '99999.5' }),
        '99999.5',
      );
    });

    it('a capture of more than the pool: required is what it needs beyond its hold', async () => {
      const hold = await api.post(`/v1/orgs/${org}/holds`, { feature: 'image', credits: 1 });
      const before = await everything();
      const answer = await api.post(`/v1/orgs/${org}/holds/${hold.body.id}/capture`, {
        credits: 500_000,
      });
      expectProblem(answer, 402, 'insufficient_credits');
      expect(answer.body.available).toBe(before.mine.balance.available);
      expect(answer.body.required).toBe('499999');
      const after = await everything();
      expect(after.mine.balance).toEqual(before.mine.balance);
      expect(after.mine.grants).toEqual(before.mine.grants);
      // The hold stays as it was; unlike a refused charge or hold, nothing is logged.
      expect(after).toEqual(before);
      // Still pending: it can be captured for what it holds.
      const captured = await api.post(`/v1/orgs/${org}/holds/${hold.body.id}/capture`, {});
      expect(captured.status).toBe(200);
      expect(captured.body.credits).toBe('1');
    });
  });

  describe('refuses a grant that would take the pool past a trillion credits', () => {
    it('with 400 naming credits, however the trillion is reached, writing nothing', async () => {
      const id = (await root.post('/v1/orgs', { name: 'Rich' })).body.id;
      const grant = (credits: unknown) =>
        root.post(`/v1/orgs/${id}/grants`, { kind: 'promo', credits });
      expect((await grant('999999999999')).status).toBe(201);
      expect((await grant(1)).status).toBe(201);
      const before = await tables.counts();
      for (let attempt = 0; attempt < 10; attempt += 1) {
        expectProblem(await grant('0.000001'), 400, 'invalid_request', 'credits');
      }
      expect(await tables.counts()).toEqual(before);
      expect((await root.get(`/v1/orgs/${id}/balance`)).body.available).toBe('1000000000000');
      // Once some is spent, there is room again.
      await root.post(`/v1/orgs/${id}/charges`, { feature: 'image' });
      expect((await grant(8)).status).toBe(201);
    });
  });

  describe('replays under an Idempotency-Key', () => {
    const replayed = async (send: () => Promise<HttpAnswer>): Promise<HttpAnswer> => {
      const first = await send();
      expect(first.headers.get('idempotency-replayed')).toBeNull();
      const again = await send();
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotency-replayed')).toBe('true');
      expect(again.headers.get('content-type')).toMatch(
        first.status < 300 ? /^application\/json/ : /^application\/problem\+json/,
      );
      return first;
    };
    const chargesCounted = async () => {
      const text = (await anyone.get('/metrics')).text;
      return Number(/^tally_charges_total\{status="succeeded"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };

    it('a charge: the same answer, one charge, counted once', async () => {
      const counted = await chargesCounted();
      const before = await everything();
      const first = await replayed(() =>
        api.post(
          `/v1/orgs/${org}/charges`,
          { feature: 'image' },
          { 'idempotency-key': 'charge-1' },
        ),
      );
      expect(first.status).toBe(201);
      const after = await everything();
      expect(after.mine.log.filter((row: { id: string }) => row.id === first.body.id)).toHaveLength(
        1,
      );
      expect(after.mine.log).toHaveLength(before.mine.log.length + 1);
      expect(await chargesCounted()).toBe(counted + 1);
      // The same key with another request is refused, and writes nothing.
      const other = await api.post(
        `/v1/orgs/${org}/charges`,
        { feature: 'image', user: 'bob' },
        { 'idempotency-key': 'charge-1' },
      );
      expectProblem(other, 409, 'idempotency_key_reused');
      const grant = await api.post(
        `/v1/orgs/${org}/grants`,
        { kind: 'promo', credits: 1 },
        { 'idempotency-key': 'charge-1' },
      );
      expectProblem(grant, 409, 'idempotency_key_reused');
      expect(await everything()).toEqual(after);
    });

    it('a refused charge (402)', async () => {
      const before = await everything();
      const first = await replayed(() =>
        api.post(
          `/v1/orgs/${org}/charges`,
          { feature: 'chat', quantities: { input_tokens: 1e7 } },
          { 'idempotency-key': 'too-big-1' },
        ),
      );
      expectProblem(first, 402, 'insufficient_credits');
      const after = await everything();
      expect(changedTables(before.tables, after.tables)).toMatchObject({ transactions: 1 });
      expect(after.mine.log).toHaveLength(before.mine.log.length + 1);
    });

    it('a grant', async () => {
      const before = await everything();
      const first = await replayed(() =>
        api.post(
          `/v1/orgs/${org}/grants`,
          { kind: 'promo', credits: 1 },
          { 'idempotency-key': 'g-1' },
        ),
      );
      expect(first.status).toBe(201);
      const after = await everything();
      expect(after.mine.grants).toHaveLength(before.mine.grants.length + 1);
      expectProblem(
        await api.post(
          `/v1/orgs/${org}/grants`,
          { kind: 'promo', credits: 2 },
          { 'idempotency-key': 'g-1' },
        ),
        409,
        'idempotency_key_reused',
      );
    });

    it('an org creation', async () => {
      const before = await tables.counts();
      const first = await replayed(() =>
        root.post(
          '/v1/orgs',
          { name: 'Once', allowance: { credits: 5 } },
          { 'idempotency-key': 'org-1' },
        ),
      );
      expect(first.status).toBe(201);
      expect(changedTables(before, await tables.counts())).toMatchObject({ orgs: 1, grants: 1 });
      expectProblem(
        await root.post('/v1/orgs', { name: 'Twice' }, { 'idempotency-key': 'org-1' }),
        409,
        'idempotency_key_reused',
      );
      expect((await tables.counts()).orgs).toBe((before.orgs ?? 0) + 1);
    });

    it('a key creation, without keeping its secret readable anywhere', async () => {
      const first = await replayed(() =>
        api.post(
          `/v1/orgs/${org}/api-keys`,
          { name: 'ci-once', role: 'viewer' },
          { 'idempotency-key': 'key-1' },
        ),
      );
      expect(first.status).toBe(201);
      const named = (await api.get(`/v1/orgs/${org}/api-keys`)).body.data.filter(
        (key: { name: string }) => key.name === 'ci-once',
      );
      expect(named).toHaveLength(1);
      expect((await clientOf(first.body.secret).get(`/v1/orgs/${org}/balance`)).status).toBe(200);
      expectProblem(
        await api.post(
          `/v1/orgs/${org}/api-keys`,
          { name: 'ci-twice', role: 'viewer' },
          { 'idempotency-key': 'key-1' },
        ),
        409,
        'idempotency_key_reused',
      );
      // The secret is shown once and stored only as a hash: not in the data folder, replay or not.
      for (const file of readdirSync(server.dataDir)) {
        const bytes = readFileSync(join(server.dataDir, file));
        expect(bytes.includes(Buffer.from(first.body.secret)), file).toBe(false);
        expect(bytes.includes(Buffer.from(first.body.secret.slice(8))), file).toBe(false);
      }
    });

    it('a member creation', async () => {
      const body = {
        email: 'once@routes.test',
        name: 'Once',
        role: 'viewer',
        password: 'a password nobody should store',
      };
      const first = await replayed(() =>
        api.post(`/v1/orgs/${org}/members`, body, { 'idempotency-key': 'member-1' }),
      );
      expect(first.status).toBe(201);
      expectProblem(
        await api.post(
          `/v1/orgs/${org}/members`,
          { ...body, password: 'another password entirely' },
          { 'idempotency-key': 'member-1' },
        ),
        409,
        'idempotency_key_reused',
      );
      for (const file of readdirSync(server.dataDir)) {
        const bytes = readFileSync(join(server.dataDir, file));
        expect(bytes.includes(Buffer.from(body.password)), file).toBe(false);
      }
    });

    it('refuses the same key while its first request is still running', async () => {
      const headers = { authorization: `Bearer ${server.rootKey}` };
      const before = await everything();
      const charges = await simultaneous(
        server.url,
        2,
        `/v1/orgs/${org}/charges`,
        { ...headers, 'idempotency-key': 'same-instant' },
        { feature: 'image' },
      );
      expect(charges.map((answer) => answer.status).sort()).toEqual([201, 409]);
      const refused = charges.find((answer) => answer.status === 409);
      expect(refused?.body.code).toBe('idempotency_key_in_use');
      expect(refused?.replayed).toBe(false);
      const after = await everything();
      expect(after.mine.log).toHaveLength(before.mine.log.length + 1);
      // Once the first has finished, a retry is its replay.
      const retry = await root.post(
        `/v1/orgs/${org}/charges`,
        { feature: 'image' },
        { 'idempotency-key': 'same-instant' },
      );
      expect(retry.headers.get('idempotency-replayed')).toBe('true');
      expect(retry.body).toEqual(charges.find((answer) => answer.status === 201)?.body);

      const orgs = await simultaneous(
        server.url,
        2,
        '/v1/orgs',
        { ...headers, 'idempotency-key': 'org-same-instant' },
        { name: 'Racing' },
      );
      expect(orgs.map((answer) => answer.status).sort()).toEqual([201, 409]);
      expect(orgs.find((answer) => answer.status === 409)?.body.code).toBe(
        'idempotency_key_in_use',
      );
      const keys = await simultaneous(
        server.url,
        2,
        `/v1/orgs/${org}/api-keys`,
        { ...headers, 'idempotency-key': 'key-same-instant' },
        { name: 'racing', role: 'viewer' },
      );
      // Key creation runs without yielding, so the second may also arrive after the first has
      // finished: then it is the replay. Never a second key.
      const [made, second] = [...keys].sort((a, b) => Number(a.replayed) - Number(b.replayed));
      expect(made).toMatchObject({ status: 201, replayed: false });
      if (second?.status === 409) expect(second.body.code).toBe('idempotency_key_in_use');
      else expect(second).toEqual({ ...made, replayed: true });
      expect(
        (await api.get(`/v1/orgs/${org}/api-keys`)).body.data.filter(
          (key: { name: string }) => key.name === 'racing',
        ),
      ).toHaveLength(1);
    });
  });

  describe('keeps unicode text as it came', () => {
    const texts = [
      'Fête 🎉 — 写真 «ok»',
      'e\u0301 (decomposed) and é (composed)',
      'שלום עולם مرحبا',
      '👩‍👩‍👧 family, 🏳️‍🌈 flag',
      'tab\tand\nnewline "quoted" \\ backslash',
      '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 outside the BMP',
    ];

    it('in charges, holds, voids, refunds and the log', async () => {
      for (const [index, text] of texts.entries()) {
        // Project ids are plain; their names take any text.
        const project = `unicode-${index}`;
        const made = await api.post(`/v1/orgs/${org}/projects`, { id: project, name: text });
        expect(made.status, text).toBe(201);
        expect((await api.get(`/v1/orgs/${org}/projects/${project}`)).body.name).toBe(text);
        const charge = await api.post(`/v1/orgs/${org}/charges`, {
          feature: 'image',
          user: text,
          project,
          model: text,
          note: text,
          metadata: { [text]: text },
        });
        expect(charge.status, text).toBe(201);
        expect(charge.body).toMatchObject({ user: text, project, model: text, note: text });
        expect(charge.body.metadata).toEqual({ [text]: text });
        const [row] = (
          await api.get(`/v1/orgs/${org}/transactions?user=${encodeURIComponent(text)}`)
        ).body.data;
        expect(row).toMatchObject({
          id: charge.body.id,
          user: text,
          project,
          model: text,
          note: text,
          metadata: { [text]: text },
        });
        const refund = await api.post(`/v1/orgs/${org}/charges/${charge.body.id}/refund`, {
          credits: 1,
          note: text,
        });
        expect(refund.body.note).toBe(text);
        const hold = await api.post(`/v1/orgs/${org}/holds`, {
          feature: 'image',
          user: text,
          note: text,
        });
        expect(hold.body).toMatchObject({ user: text, note: text });
        await tick();
        await api.post(`/v1/orgs/${org}/holds/${hold.body.id}/void`, { reason: text });
        const [voidRow] = (await api.get(`/v1/orgs/${org}/transactions?type=void&limit=1`)).body
          .data;
        expect(voidRow.reason).toBe(text);
      }
      // Text is kept as sent, not normalised: the composed form does not find the decomposed one.
      const [, decomposed = ''] = texts;
      const find = async (user: string) =>
        (await api.get(`/v1/orgs/${org}/transactions?type=usage&user=${encodeURIComponent(user)}`))
          .body.data;
      expect(decomposed.normalize('NFC')).not.toBe(decomposed);
      expect(await find(decomposed)).toHaveLength(1);
      expect(await find(decomposed.normalize('NFC'))).toEqual([]);
    });

    it('in orgs, grants, features, keys and members', async () => {
      for (const [index, text] of texts.entries()) {
        const plan = `plan-${index}`;
        expect(
          (
            await root.request('PUT', `/v1/plans/${plan}`, {
              body: { name: text, currency: 'EUR', pricePerCredit: 1 },
            })
          ).body,
        ).toMatchObject({ id: plan, name: text });
        const created = await root.post('/v1/orgs', { name: text, plan });
        expect((await root.get(`/v1/orgs/${created.body.id}`)).body).toMatchObject({
          name: text,
          plan,
        });
        expect((await root.get(`/v1/orgs/${created.body.id}/plan`)).body.plan.name).toBe(text);
        const grant = await root.post(`/v1/orgs/${created.body.id}/grants`, {
          kind: 'promo',
          credits: 1,
          note: text,
        });
        expect((await root.get(`/v1/orgs/${created.body.id}/grants`)).body.data[0].note).toBe(
          grant.body.note,
        );
        expect(grant.body.note).toBe(text);
        await root.request('PUT', `/v1/features/unicode-${index}`, {
          body: { name: text, prices: [{ unit: 'action', credits: 1 }] },
        });
        const feature = (await root.get('/v1/features')).body.data.find(
          (f: { id: string }) => f.id === `unicode-${index}`,
        );
        expect(feature).toMatchObject({ name: text, prices: [{ unit: 'action', credits: '1' }] });
        const key = await api.post(`/v1/orgs/${org}/api-keys`, { name: text, role: 'viewer' });
        expect(key.body.name).toBe(text);
        const person = await api.post(`/v1/orgs/${org}/members`, {
          email: `unicode-${index}@routes.test`,
          name: text,
          role: 'viewer',
          password: `${text} as a password`,
        });
        expect(person.body.name).toBe(text);
        const session = await anyone.post('/v1/auth/login', {
          email: `unicode-${index}@routes.test`,
          password: `${text} as a password`,
        });
        expect(session.status, text).toBe(200);
        expect(session.body.member.name).toBe(text);
      }
    });
  });

  describe('gives every answer a request id', () => {
    it('on successes, problems, unknown routes, oversized bodies and the operational routes', async () => {
      // `checked` clients assert the header on each answer; these are the odd corners.
      const answers = [
        await api.get(`/v1/orgs/${org}/balance`),
        await anyone.get(`/v1/orgs/${org}/balance`),
        await api.get('/nowhere'),
        await api.request('POST', `/v1/orgs/${org}/charges`, { raw: '{' }),
        await api.post(`/v1/orgs/${org}/charges`, {
          feature: 'image',
          note: 'x'.repeat(1100 * 1024),
        }),
        await anyone.get('/healthz'),
        await anyone.get('/readyz'),
        await anyone.get('/metrics'),
        await anyone.get('/v1/openapi.json'),
        await anyone.get('/docs'),
      ];
      const seen = answers.map((answer) => answer.headers.get('x-request-id'));
      expect(new Set(seen).size).toBe(answers.length);
      // A caller's own request id is kept, so that its logs and ours can be matched.
      const traced = await server.client(server.rootKey).request('GET', `/v1/orgs/${org}/balance`, {
        headers: { 'x-request-id': 'client-trace-42' },
      });
      expect(traced.headers.get('x-request-id')).toBe('client-trace-42');
    });
  });
});
