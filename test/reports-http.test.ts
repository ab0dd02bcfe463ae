/**
 * Reports over HTTP on a real server (SQLite, and PostgreSQL in the http-on-postgres project): an
 * org in Paris with charges, failures, refusals and a refund on known days of August to October
 * 2026. Every figure is checked against what was written: usage by day, week and month and by
 * every dimension, totals against the month's statement, monthly cards, a project's analytics,
 * insight, the CSV, a rebuild of the rollups, and the refusals of bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestServer,
  type Client,
  type HttpAnswer,
  type TestServer,
} from './support/server.js';

/** A decimal string of credits as micro-credits. */
function micros(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return negative ? -value : value;
}

const credits = (value: bigint) => {
  const whole = value / 1_000_000n;
  const fraction = (value % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
};

interface Charge {
  at: string;
  feature: 'image' | 'removal';
  user: string;
  project?: string;
  model?: string;
  status?: 'failed';
}

/** Paris is UTC+2 in summer: 23:30Z on the 9th is already the 10th there. */
const CHARGES: Charge[] = [
  { at: '2026-08-03T08:00:00Z', feature: 'image', user: 'ana', project: 'wedding', model: 'flux' },
  { at: '2026-08-03T09:00:00Z', feature: 'removal', user: 'ana', project: 'wedding' },
  { at: '2026-08-04T10:00:00Z', feature: 'image', user: 'ben', model: 'flux' },
  { at: '2026-08-04T11:00:00Z', feature: 'image', user: 'ben', status: 'failed' },
  { at: '2026-08-09T21:30:00Z', feature: 'removal', user: 'ana', project: 'gala' },
  {
    at: '2026-08-09T23:30:00Z',
    feature: 'image',
    user: '=SUM(A1)',
    project: 'gala',
    model: 'sdxl',
  },
  { at: '2026-09-15T12:00:00Z', feature: 'image', user: 'ana', project: 'wedding', model: 'flux' },
  { at: '2026-10-01T09:00:00Z', feature: 'removal', user: 'ben', project: 'gala' },
];
const PRICE = { image: 8_000_000n, removal: 2_000_000n };

describe('reports over HTTP', () => {
  let server: TestServer;
  let root: Client;
  let viewer: Client;
  let operator: Client;
  let theirs: Client;
  let org: string;
  let refundedCharge: string;

  const get = (path: string, client = viewer) => client.get(`/v1/orgs/${org}${path}`);

  function expectProblem(answer: HttpAnswer, status: number, code: string, field?: string) {
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.body.code).toBe(code);
    if (field !== undefined) expect(answer.body.field).toBe(field);
  }

  beforeAll(async () => {
    server = await startTestServer();
    root = server.client(server.rootKey);
    for (const [id, price] of Object.entries(PRICE)) {
      const put = await root.request('PUT', `/v1/features/${id}`, {
        body: {
          name: id,
          prices: [{ unit: 'action', credits: credits(price) }],
          effectiveAt: '2026-01-01T00:00:00Z',
        },
      });
      expect(put.status, put.text).toBe(200);
    }
    const created = await root.post('/v1/orgs', {
      name: 'Paris Booths',
      timezone: 'Europe/Paris',
      at: '2026-08-01T00:00:00Z',
    });
    expect(created.status, created.text).toBe(201);
    org = created.body.id;
    const other = await root.post('/v1/orgs', { name: 'Others', at: '2026-08-01T00:00:00Z' });
    const key = async (orgId: string, role: string) =>
      (await root.post(`/v1/orgs/${orgId}/api-keys`, { name: role, role })).body.secret as string;
    viewer = server.client(await key(org, 'viewer'));
    operator = server.client(await key(org, 'operator'));
    theirs = server.client(await key(other.body.id, 'admin'));
    for (const project of ['wedding', 'gala']) {
      const made = await root.post(`/v1/orgs/${org}/projects`, { id: project, name: project });
      expect(made.status, made.text).toBe(201);
    }
    const grant = await root.post(`/v1/orgs/${org}/grants`, {
      kind: 'purchase',
      credits: 1000,
      at: '2026-08-01T06:00:00Z',
    });
    expect(grant.status, grant.text).toBe(201);
    for (const charge of CHARGES) {
      const answer = await root.post(`/v1/orgs/${org}/charges`, charge);
      expect(answer.status, answer.text).toBe(201);
      if (charge.at === '2026-08-04T10:00:00Z') refundedCharge = answer.body.id;
    }
    const refund = await root.post(`/v1/orgs/${org}/charges/${refundedCharge}/refund`, {
      credits: 3,
      at: '2026-10-02T08:00:00Z',
    });
    expect(refund.status, refund.text).toBe(201);
    // A refusal: more than the pool has.
    const refused = await root.post(`/v1/orgs/${org}/charges`, {
      feature: 'image',
      user: 'ben',
      quantities: { action: 1000 },
      at: '2026-10-02T09:00:00Z',
    });
    expect(refused.status, refused.text).toBe(402);
  });

  afterAll(() => server?.close());

  /** What the charges above spent on each local day in Paris, by a plain sum. */
  function expectedByDay(filter: (charge: Charge) => boolean = () => true) {
    const days = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });
    const sums = new Map<string, bigint>();
    for (const charge of CHARGES) {
      if (charge.status === 'failed' || !filter(charge)) continue;
      const day = days.format(new Date(charge.at));
      sums.set(day, (sums.get(day) ?? 0n) + PRICE[charge.feature]);
    }
    return sums;
  }

  it('sums usage by local day, with failures and totals', async () => {
    const answer = await get('/reports/usage?from=2026-08-01&to=2026-09-01');
    expect(answer.status, answer.text).toBe(200);
    const report = answer.body;
    expect(report).toMatchObject({ timezone: 'Europe/Paris', interval: 'day', groupBy: null });
    expect(report.buckets).toHaveLength(31);
    expect(report.buckets[0]).toMatchObject({
      day: '2026-08-01',
      start: '2026-07-31T22:00:00.000Z',
      end: '2026-08-01T22:00:00.000Z',
    });
    const expected = expectedByDay((charge) => charge.at < '2026-09');
    for (const bucket of report.buckets) {
      expect(micros(bucket.used), bucket.day).toBe(expected.get(bucket.day) ?? 0n);
    }
    // 23:30Z on the 9th is the 10th in Paris.
    const tenth = report.buckets.find((bucket: { day: string }) => bucket.day === '2026-08-10');
    expect(tenth).toMatchObject({ used: '8', usageCount: 1 });
    const fourth = report.buckets.find((bucket: { day: string }) => bucket.day === '2026-08-04');
    expect(fourth).toMatchObject({ used: '8', usageCount: 1, failures: 1 });
    expect(report.totals).toMatchObject({ used: '28', usageCount: 5, failures: 1, refused: 0 });
  });

  it('splits by feature, member, project, model and credit kind', async () => {
    const range = 'from=2026-08-01&to=2026-11-01&interval=month';
    const byFeature = (await get(`/reports/usage?${range}&groupBy=feature`)).body;
    expect(byFeature.groups.map((group: { key: string }) => group.key)).toEqual([
      'image',
      'removal',
    ]);
    expect(byFeature.groups[0]).toMatchObject({ used: '32', usageCount: 4, share: '84.2' });
    expect(byFeature.groups[1]).toMatchObject({ used: '6', usageCount: 3, share: '15.8' });

    const byMember = (await get(`/reports/usage?${range}&groupBy=member`)).body;
    const byUser = (await get(`/reports/usage?${range}&groupBy=user`)).body;
    expect(byMember.groups).toEqual(byUser.groups);
    const ben = byUser.groups.find((group: { key: string }) => group.key === 'ben');
    // Ben's image charge was refunded 3 credits; his refused charge counts as refused.
    expect(ben).toMatchObject({
      used: '10',
      usageCount: 2,
      failures: 1,
      refused: 1,
      refunded: '3',
    });

    const byProject = (await get(`/reports/usage?${range}&groupBy=project`)).body;
    expect(byProject.groups).toEqual([
      expect.objectContaining({ key: 'wedding', used: '18', usageCount: 3 }),
      expect.objectContaining({ key: 'gala', used: '12', usageCount: 3 }),
      expect.objectContaining({ key: null, used: '8', usageCount: 1 }),
    ]);

    // Only the most used are named; the rest are summed, in the range and in each bucket.
    const topOne = (await get(`/reports/usage?${range}&groupBy=project&top=1`)).body;
    expect(topOne.groups).toEqual([expect.objectContaining({ key: 'wedding', used: '18' })]);
    expect(topOne.others).toMatchObject({ used: '20', usageCount: 4, values: 2 });
    expect(topOne.buckets[0].others).toMatchObject({ used: '18', usageCount: 3 });
    expect(byProject.others).toBeNull();
    expectProblem(await get(`/reports/usage?groupBy=project&top=0`), 400, 'invalid_request', 'top');

    const byModel = (await get(`/reports/usage?${range}&groupBy=model`)).body;
    expect(byModel.groups[0]).toMatchObject({ key: 'flux', used: '24' });

    const byKind = (await get(`/reports/usage?${range}&groupBy=kind`)).body;
    expect(byKind.groups).toEqual([
      expect.objectContaining({ key: 'purchase', used: '38', usageCount: 7, refunded: '3' }),
    ]);
    // Months: August, September, October, each bucket split the same way.
    expect(byFeature.buckets.map((bucket: { day: string }) => bucket.day)).toEqual([
      '2026-08-01',
      '2026-09-01',
      '2026-10-01',
    ]);
    expect(byFeature.buckets[2].groups).toEqual([
      expect.objectContaining({ key: 'removal', used: '2', usageCount: 1 }),
      expect.objectContaining({ key: 'image', used: '0', refused: 1 }),
    ]);
  });

  it('cuts weeks on Mondays and at the ends of the range', async () => {
    const report = (await get('/reports/usage?from=2026-08-05&to=2026-08-20&interval=week')).body;
    expect(
      report.buckets.map((bucket: { day: string; used: string }) => [bucket.day, bucket.used]),
    ).toEqual([
      ['2026-08-05', '2'], // Wednesday to Sunday: the removal late on the 9th
      ['2026-08-10', '8'], // the next Monday: the image at 01:30 Paris time
      ['2026-08-17', '0'],
    ]);
  });

  it('totals a month exactly as its statement does', async () => {
    for (const [month, from, to] of [
      ['2026-08', '2026-08-01', '2026-09-01'],
      ['2026-10', '2026-10-01', '2026-11-01'],
    ] as const) {
      const statement = (await get(`/reports/statement?month=${month}`)).body;
      const totals = (await get(`/reports/totals?from=${from}&to=${to}`)).body;
      expect(micros(totals.used)).toBe(micros(statement.consumed));
      expect(micros(totals.added)).toBe(micros(statement.added));
      expect(micros(totals.expired)).toBe(micros(statement.expired));
      expect(micros(totals.net)).toBe(micros(statement.closing) - micros(statement.opening));
      expect(totals.usageCount).toBe(statement.usageCount);
    }
    const october = (await get('/reports/totals?from=2026-10-01&to=2026-11-01')).body;
    expect(october).toMatchObject({ used: '2', refunded: '3', refused: 1, added: '3', net: '1' });
    expect(october.addedByKind).toMatchObject({ purchase: '3', allowance: '0' });
  });

  it('shows monthly cards: the running month flagged, then the months before', async () => {
    const cards = (await get('/reports/months?count=5')).body.data;
    expect(cards).toHaveLength(5);
    expect(cards[0].current).toBe(true);
    expect(cards.slice(1).every((card: { current: boolean }) => !card.current)).toBe(true);
    const byMonth = new Map(cards.map((card: { month: string }) => [card.month, card]));
    for (const month of ['2026-08', '2026-09', '2026-10']) {
      const statement = (await get(`/reports/statement?month=${month}`)).body;
      expect(byMonth.get(month)).toMatchObject({
        used: statement.consumed,
        usageCount: statement.usageCount,
      });
    }
    expect((await get('/reports/months')).body.data).toHaveLength(4);
  });

  it("gives a project's analytics", async () => {
    const answer = await get('/projects/gala/report?from=2026-08-01&to=2026-11-01&interval=month');
    expect(answer.status, answer.text).toBe(200);
    const report = answer.body;
    expect(report).toMatchObject({ used: '12', refunded: '0', net: '12', usageCount: 3 });
    expect(report.project).toMatchObject({ id: 'gala', name: 'gala', budget: null });
    expect(micros(report.available)).toBe(1000_000_000n - 38_000_000n + 3_000_000n);
    expect(report.features).toEqual([
      expect.objectContaining({ key: 'image', used: '8', usageCount: 1 }),
      expect.objectContaining({ key: 'removal', used: '4', usageCount: 2 }),
    ]);
    expect(report.members.map((member: { key: string }) => member.key)).toEqual([
      '=SUM(A1)',
      'ana',
      'ben',
    ]);
    expect(report.timeline.buckets.map((bucket: { used: string }) => bucket.used)).toEqual([
      '10',
      '0',
      '2',
    ]);
    expectProblem(await get('/projects/nope/report'), 404, 'unknown_project');
    expectProblem(await theirs.get(`/v1/orgs/${org}/projects/gala/report`), 404, 'unknown_org');
  });

  it('gives insight: top consumers, runway, expiring credits and next month', async () => {
    const answer = await get('/reports/insights?days=120');
    expect(answer.status, answer.text).toBe(200);
    const insights = answer.body;
    expect(insights.topConsumers.feature.top[0]).toMatchObject({ key: 'image', used: '32' });
    expect(insights.topConsumers.project.top.map((top: { key: string }) => top.key)).toEqual([
      'wedding',
      'gala',
      null,
    ]);
    // Purchased credits never expire; nothing was used in the last 30 days.
    expect(insights.expiring).toEqual({ within7Days: '0', within30Days: '0', lots: [] });
    expect(insights.runway).toMatchObject({ runsOutAt: null });
    expect(insights.nextMonth.month).toMatch(/^\d{4}-\d{2}$/);
    expect(typeof insights.nextMonth.basis).toBe('string');
    expectProblem(await get('/reports/insights?days=3'), 400, 'invalid_request', 'days');
  });

  it('exports the usage report as CSV, formulas neutralised', async () => {
    const range = 'from=2026-08-01&to=2026-11-01&interval=month&groupBy=user';
    const csv = await get(`/reports/usage.csv?${range}`);
    expect(csv.status, csv.text).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toContain(
      `${org}-usage-2026-08-01-2026-11-01.csv`,
    );
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe('start,end,day,group,used,usageCount,failures,refused,refunded');
    expect(lines).toContain(
      "2026-07-31T22:00:00.000Z,2026-08-31T22:00:00.000Z,2026-08-01,'=SUM(A1),8,1,0,0,0",
    );
    const json = (await get(`/reports/usage?${range}`)).body;
    const rowsInJson = json.buckets.reduce(
      (sum: number, bucket: { groups: unknown[] }) => sum + bucket.groups.length,
      0,
    );
    expect(lines.filter((line) => line !== '').length).toBe(rowsInJson + 1);
  });

  it('rebuilds rollups from the raw history to the same figures (root only)', async () => {
    const before = (await get('/reports/usage?from=2026-08-01&to=2026-11-01&groupBy=feature')).body;
    expectProblem(await root.post(`/v1/orgs/nope/rollups/rebuild`), 404, 'unknown_org');
    expect((await operator.post(`/v1/orgs/${org}/rollups/rebuild`)).status).toBe(403);
    const rebuilt = await root.post(`/v1/orgs/${org}/rollups/rebuild`);
    expect(rebuilt.status, rebuilt.text).toBe(200);
    expect(rebuilt.body.rows).toBeGreaterThan(CHARGES.length);
    const after = (await get('/reports/usage?from=2026-08-01&to=2026-11-01&groupBy=feature')).body;
    expect(after).toEqual(before);
  });

  it('refuses bad ranges, intervals and counts, and other orgs', async () => {
    expectProblem(await get('/reports/usage?from=2026-02-30'), 400, 'invalid_request', 'from');
    expectProblem(await get('/reports/usage?to=yesterday'), 400, 'invalid_request', 'to');
    expectProblem(
      await get('/reports/usage?from=2026-09-01&to=2026-09-01'),
      400,
      'invalid_request',
      'to',
    );
    expectProblem(
      await get('/reports/usage?from=2020-01-01&to=2026-01-01&interval=day'),
      400,
      'invalid_request',
      'interval',
    );
    expectProblem(await get('/reports/usage?interval=hour'), 400, 'invalid_request');
    expectProblem(await get('/reports/usage?groupBy=color'), 400, 'invalid_request');
    expectProblem(await get('/reports/months?count=0'), 400, 'invalid_request', 'count');
    expectProblem(await get('/reports/months?count=many'), 400, 'invalid_request');
    expectProblem(await get('/reports/totals?from=2026-13-01'), 400, 'invalid_request', 'from');
    expectProblem(
      await server.client().get(`/v1/orgs/${org}/reports/usage`),
      401,
      'unauthenticated',
    );
    for (const path of ['usage', 'usage.csv', 'totals', 'months', 'insights']) {
      expectProblem(await theirs.get(`/v1/orgs/${org}/reports/${path}`), 404, 'unknown_org');
    }
    // Ten years of months is fine.
    expect((await get('/reports/usage?from=2017-01-01&to=2027-01-01&interval=month')).status).toBe(
      200,
    );
  });
});
