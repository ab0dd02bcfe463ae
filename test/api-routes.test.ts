/**
 * The routes of DESIGN.md section 4 against bad input and documented refusals: each answer is a
 * clear 4xx problem naming what is wrong, and nothing is written (checked by reading the balance
 * and the log afterwards). Replays under an Idempotency-Key answer the first status and body.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type Client,
  type HttpAnswer,
  type TestServer,
} from './support/server.js';

describe('API routes', () => {
  let server: TestServer;
  let root: Client;
  let api: Client;
  let org: string;
  let snapshot: { available: string; rows: number };

  const state = async () => ({
    available: (await api.get(`/v1/orgs/${org}/balance`)).body.available as string,
    rows: (await api.get(`/v1/orgs/${org}/transactions?limit=1000`)).body.data.length as number,
  });

  function expectProblem(answer: HttpAnswer, status: number, code: string, field?: string): void {
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({
      status,
      code,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });
    if (field !== undefined) expect(answer.body.field).toBe(field);
  }

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
    await root.request('PUT', '/v1/features/chat', {
      body: {
        name: 'Chat',
        prices: [
          { unit: 'input_tokens', credits: '3', per: 1000 },
          { unit: 'output_tokens', credits: '15', per: 1000 },
        ],
        effectiveAt: '2020-01-01T00:00:00Z',
      },
    });
    org = (
      await root.post('/v1/orgs', {
        name: 'Routes',
        timezone: 'Asia/Tokyo',
        allowance: { credits: 100 },
      })
    ).body.id;
    api = server.client(
      (await root.post(`/v1/orgs/${org}/api-keys`, { name: 'admin', role: 'admin' })).body.secret,
    );
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    snapshot = await state();
  });

  describe('refuses bad input and writes nothing', () => {
    const cases: [string, () => Promise<HttpAnswer>, number, string, string?][] = [
      [
        'malformed JSON',
        () => api.request('POST', `/v1/orgs/${org}/charges`, { raw: '{"feature": ' }),
        400,
        'invalid_json',
      ],
      [
        'a number where text goes',
        () => api.post(`/v1/orgs/${org}/charges`, { feature: 'image', user: 7 }),
        400,
        'invalid_request',
        'user',
      ],
      [
        'an unknown grant kind',
        () => api.post(`/v1/orgs/${org}/grants`, { kind: 'gift', credits: 5 }),
        400,
        'invalid_request',
        'kind',
      ],
      [
        'a negative amount',
        () => api.post(`/v1/orgs/${org}/grants`, { kind: 'promo', credits: -5 }),
        400,
        'invalid_request',
        'credits',
      ],
      [
        'a zero grant',
        () => api.post(`/v1/orgs/${org}/grants`, { kind: 'promo', credits: '0' }),
        400,
        'invalid_request',
        'credits',
      ],
      [
        'a huge amount',
        () => api.post(`/v1/orgs/${org}/grants`, { kind: 'promo', credits: 1e30 }),
        400,
        'invalid_request',
        'credits',
      ],
      [
        'seven decimals',
        () => api.post(`/v1/orgs/${org}/grants`, { kind: 'promo', credits: '0.0000001' }),
        400,
        'invalid_request',
        'credits',
      ],
      [
        'text that is no number',
        () => api.post(`/v1/orgs/${org}/grants`, { kind: 'promo', credits: '12abc' }),
        400,
        'invalid_request',
        'credits',
      ],
      [
        'a priority out of range',
        () => api.post(`/v1/orgs/${org}/grants`, { kind: 'promo', credits: 1, priority: 101 }),
        400,
        'invalid_request',
        'priority',
      ],
      [
        'a timestamp without offset',
        () => api.post(`/v1/orgs/${org}/charges`, { feature: 'image', at: '2026-01-01T10:00:00' }),
        400,
        'invalid_request',
        'at',
      ],
      [
        'a nonsense timestamp',
        () => api.post(`/v1/orgs/${org}/charges`, { feature: 'image', at: 'yesterday' }),
        400,
        'invalid_request',
        'at',
      ],
      [
        'an at in the future',
        () => api.post(`/v1/orgs/${org}/charges`, { feature: 'image', at: '2999-01-01T00:00:00Z' }),
        400,
        'invalid_request',
        'at',
      ],
      [
        'an unknown feature',
        () => api.post(`/v1/orgs/${org}/charges`, { feature: 'video' }),
        422,
        'unknown_feature',
      ],
      [
        'an unknown unit',
        () => api.post(`/v1/orgs/${org}/charges`, { feature: 'chat', quantities: { pixels: 5 } }),
        422,
        'unknown_unit',
      ],
      [
        'a negative quantity',
        () =>
          api.post(`/v1/orgs/${org}/charges`, {
            feature: 'chat',
            quantities: { input_tokens: -1 },
          }),
        400,
        'invalid_request',
        'quantities.input_tokens',
      ],
      [
        'an unknown hold',
        () => api.post(`/v1/orgs/${org}/holds/hld_nothing/capture`, {}),
        404,
        'unknown_hold',
      ],
      [
        'an unknown charge',
        () => api.post(`/v1/orgs/${org}/charges/chg_nothing/refund`, {}),
        404,
        'unknown_charge',
      ],
      [
        'an unknown org',
        () => root.post('/v1/orgs/org_nothing/charges', { feature: 'image' }),
        404,
        'unknown_org',
      ],
      [
        'a body over 1 MiB',
        () =>
          api.post(`/v1/orgs/${org}/charges`, { feature: 'image', note: 'x'.repeat(1100 * 1024) }),
        413,
        'payload_too_large',
      ],
      [
        'a limit of 0',
        () => api.get(`/v1/orgs/${org}/transactions?limit=0`),
        400,
        'invalid_request',
      ],
      [
        'a limit of 1001',
        () => api.get(`/v1/orgs/${org}/transactions?limit=1001`),
        400,
        'invalid_request',
      ],
      [
        'a forged cursor',
        () => api.get(`/v1/orgs/${org}/transactions?cursor=abc`),
        400,
        'invalid_request',
        'cursor',
      ],
      [
        'a bad month',
        () => api.get(`/v1/orgs/${org}/reports/statement?month=2026-13`),
        400,
        'invalid_request',
      ],
      [
        'a bad time zone',
        () => root.post('/v1/orgs', { name: 'X', timezone: 'Mars/Olympus' }),
        400,
        'invalid_request',
        'timezone',
      ],
      ['an unknown route', () => api.get('/v1/nowhere'), 404, 'not_found'],
    ];
    for (const [name, call, status, code, field] of cases) {
      it(name, async () => {
        expectProblem(await call(), status, code, field);
        expect(await state()).toEqual(snapshot);
      });
    }
  });

  it('refuses a charge it cannot pay with 402, available and required, and only logs it', async () => {
    const answer = await api.post(`/v1/orgs/${org}/charges`, {
      feature: 'chat',
      quantities: { input_tokens: 1_000_000 },
    });
    expectProblem(answer, 402, 'insufficient_credits');
    expect(answer.body).toMatchObject({ available: snapshot.available, required: '3000' });
    const after = await state();
    expect(after.available).toBe(snapshot.available);
    expect(after.rows).toBe(snapshot.rows + 1);
  });

  it('keeps unicode in text fields as it came', async () => {
    const text = 'Fête 🎉 — 写真 «ok»';
    const charged = await api.post(`/v1/orgs/${org}/charges`, {
      feature: 'image',
      user: 'zoë',
      project: text,
      note: text,
    });
    expect(charged.status).toBe(201);
    const [row] = (
      await api.get(`/v1/orgs/${org}/transactions?project=${encodeURIComponent(text)}`)
    ).body.data;
    expect(row).toMatchObject({ user: 'zoë', project: text, note: text, credits: '-8' });
  });

  it('resolves holds once and refunds never more than was charged', async () => {
    const hold = await api.post(`/v1/orgs/${org}/holds`, { feature: 'image', ttlSeconds: 60 });
    expect(hold.status).toBe(201);
    expect(hold.body).toMatchObject({ status: 'pending', credits: '8' });
    expect(
      (await api.post(`/v1/orgs/${org}/holds/${hold.body.id}/void`, { reason: 'cancelled' })).body
        .status,
    ).toBe('voided');
    expectProblem(
      await api.post(`/v1/orgs/${org}/holds/${hold.body.id}/capture`, {}),
      409,
      'hold_not_pending',
    );
    const charge = await api.post(`/v1/orgs/${org}/charges`, { feature: 'image' });
    expectProblem(
      await api.post(`/v1/orgs/${org}/charges/${charge.body.id}/refund`, { credits: 9 }),
      409,
      'refund_exceeds_charge',
    );
    expect(
      (await api.post(`/v1/orgs/${org}/charges/${charge.body.id}/refund`, { credits: '2.5' })).body
        .credits,
    ).toBe('2.5');
    expectProblem(
      await api.post(`/v1/orgs/${org}/charges/${charge.body.id}/refund`, { credits: 6 }),
      409,
      'refund_exceeds_charge',
    );
  });

  it('refuses a write dated before the latest one', async () => {
    const charge = await api.post(`/v1/orgs/${org}/charges`, { feature: 'image' });
    const before = new Date(Date.parse(charge.body.at) - 60_000).toISOString();
    expectProblem(
      await api.post(`/v1/orgs/${org}/charges`, { feature: 'image', at: before }),
      409,
      'at_before_latest_entry',
    );
  });

  describe('replays under an Idempotency-Key', () => {
    const replayed = async (first: () => Promise<HttpAnswer>) => {
      const one = await first();
      const two = await first();
      expect(two.status).toBe(one.status);
      expect(two.body).toEqual(one.body);
      expect(two.headers.get('idempotency-replayed')).toBe('true');
      return one;
    };

    it('a charge, once', async () => {
      const one = await replayed(() =>
        api.post(
          `/v1/orgs/${org}/charges`,
          { feature: 'image' },
          { 'idempotency-key': 'charge-1' },
        ),
      );
      expect(one.status).toBe(201);
      const rows = (await api.get(`/v1/orgs/${org}/transactions?limit=1000`)).body.data.filter(
        (row: { id: string }) => row.id === one.body.id,
      );
      expect(rows).toHaveLength(1);
      const other = await api.post(
        `/v1/orgs/${org}/charges`,
        { feature: 'image', user: 'bob' },
        { 'idempotency-key': 'charge-1' },
      );
      expectProblem(other, 409, 'idempotency_key_reused');
    });

    it('a refused charge', async () => {
      const one = await replayed(() =>
        api.post(
          `/v1/orgs/${org}/charges`,
          { feature: 'chat', quantities: { input_tokens: 1e7 } },
          { 'idempotency-key': 'big-1' },
        ),
      );
      expect(one.status).toBe(402);
    });

    it('a grant, an org and a key', async () => {
      expect(
        (
          await replayed(() =>
            api.post(
              `/v1/orgs/${org}/grants`,
              { kind: 'promo', credits: 1 },
              { 'idempotency-key': 'g-1' },
            ),
          )
        ).status,
      ).toBe(201);
      expect(
        (
          await replayed(() =>
            root.post('/v1/orgs', { name: 'Once' }, { 'idempotency-key': 'o-1' }),
          )
        ).status,
      ).toBe(201);
      expect(
        (
          await replayed(() =>
            api.post(
              `/v1/orgs/${org}/api-keys`,
              { name: 'ci', role: 'viewer' },
              { 'idempotency-key': 'k-1' },
            ),
          )
        ).status,
      ).toBe(201);
      expect(
        (await api.get(`/v1/orgs/${org}/api-keys`)).body.data.filter(
          (key: { name: string }) => key.name === 'ci',
        ),
      ).toHaveLength(1);
    });

    it('answers a concurrent retry either "in use" or with the replay, never a second charge', async () => {
      const answers = await Promise.all(
        [1, 2].map(() =>
          api.post(
            `/v1/orgs/${org}/charges`,
            { feature: 'image' },
            { 'idempotency-key': 'same-time' },
          ),
        ),
      );
      const [first, second] = answers.sort((a, b) => a.status - b.status);
      expect(first?.status).toBe(201);
      if (second?.status === 409) expect(second.body.code).toBe('idempotency_key_in_use');
      else expect(second?.body).toEqual(first?.body);
      expect((await state()).rows).toBe(snapshot.rows + 1);
    });
  });

  it('answers the operational routes', async () => {
    const anyone = server.client();
    expect((await anyone.get('/healthz')).status).toBe(200);
    expect((await anyone.get('/readyz')).body.status).toBe('ready');
    const metrics = await anyone.get('/metrics');
    expect(metrics.text).toContain('tally_http_requests_total');
    expect(metrics.text).toContain('tally_charges_total');
    expect((await anyone.get('/docs/')).text).toContain('swagger');
    const answer = await api.get(`/v1/orgs/${org}`);
    expect(answer.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
    expect(answer.body).toMatchObject({
      id: org,
      timezone: 'Asia/Tokyo',
      createdAt: expect.stringMatching(/Z$/),
    });
  });
});
