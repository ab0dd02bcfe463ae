/**
 * Statements as CSV and PDF over HTTP, on a real server: an org with grants, charges, a refund
 * and an expiry over two months (dated in the past with `at`), whose exports must carry exactly
 * the figures of the JSON statement, reconcile kind by kind, and refuse what the JSON route
 * refuses, the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupDecimal } from '../src/billing/format-money.js';
import { pdfText } from './support/pdf-text.js';
import {
  startTestServer,
  type Client,
  type HttpAnswer,
  type TestServer,
} from './support/server.js';

const KINDS = ['allowance', 'purchase', 'trial', 'promo', 'admin_grant', 'refund'];
const FLOWS = ['opening', 'added', 'consumed', 'expired', 'closing'] as const;
type Flows = Record<(typeof FLOWS)[number], string>;

/** A decimal string of credits as an exact integer of micro-credits. */
function micros(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return negative ? -value : value;
}

interface ParsedCsv {
  header: string[];
  rows: Map<string, Flows>;
  facts: Map<string, string>;
}

/** The statement CSV read back: the table by kind, then the `field,value` lines. */
function parseStatementCsv(text: string): ParsedCsv {
  expect(text.endsWith('\r\n')).toBe(true);
  // Every line ends with CRLF, never a bare LF.
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const lines = text.slice(0, -2).split('\r\n');
  const blank = lines.indexOf('');
  expect(blank).toBeGreaterThan(0);
  const [headerLine = '', ...tableLines] = lines.slice(0, blank);
  const rows = new Map<string, Flows>();
  for (const line of tableLines) {
    const [kind = '', ...cells] = line.split(',');
    expect(cells).toHaveLength(FLOWS.length);
    rows.set(kind, Object.fromEntries(FLOWS.map((field, index) => [field, cells[index]])) as Flows);
  }
  const [factsHeader, ...factLines] = lines.slice(blank + 1);
  expect(factsHeader).toBe('field,value');
  const facts = new Map<string, string>();
  for (const line of factLines) {
    const [field = '', value = '', ...rest] = line.split(',');
    expect(rest).toEqual([]);
    facts.set(field, value);
  }
  return { header: headerLine.split(','), rows, facts };
}

describe('statement exports over HTTP', () => {
  let server: TestServer;
  let root: Client;
  let org: string;
  let viewer: Client;
  let theirs: Client;
  const NAME = 'Snapshot Booths Zoë';
  const JANUARY = '2026-01';

  const statementPath = (format: 'json' | 'csv' | 'pdf', query: string, orgId = org) =>
    `/v1/orgs/${orgId}/reports/statement${format === 'json' ? '' : `.${format}`}${query}`;
  /** The PDF as bytes: the shared client reads bodies as text. */
  const pdfBytes = async (path: string, key: string) => {
    const response = await fetch(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(200);
    return new Uint8Array(await response.arrayBuffer());
  };
  let viewerKey: string;

  function expectProblem(answer: HttpAnswer, status: number, code: string, what: string) {
    expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBe(status);
    expect(answer.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
    expect(answer.body.code, what).toBe(code);
  }

  beforeAll(async () => {
    server = await startTestServer();
    root = server.client(server.rootKey);
    const feature = await root.request('PUT', '/v1/features/image', {
      body: {
        name: 'Image',
        prices: [{ unit: 'action', credits: 8 }],
        effectiveAt: '2020-01-01T00:00:00Z',
      },
    });
    expect(feature.status, feature.text).toBe(200);
    const created = await root.post('/v1/orgs', {
      name: NAME,
      timezone: 'Europe/Berlin',
      allowance: { credits: 1000 },
      at: '2025-12-15T10:00:00Z',
    });
    expect(created.status, created.text).toBe(201);
    org = created.body.id;
    const key = await root.post(`/v1/orgs/${org}/api-keys`, { name: 'reader', role: 'viewer' });
    viewerKey = key.body.secret;
    viewer = server.client(viewerKey);
    const other = (await root.post('/v1/orgs', { name: 'Other' })).body.id;
    theirs = server.client(
      (await root.post(`/v1/orgs/${other}/api-keys`, { name: 'theirs', role: 'admin' })).body
        .secret,
    );

    const write = async (path: string, body: Record<string, unknown>) => {
      const answer = await root.post(`/v1/orgs/${org}${path}`, body);
      expect(answer.status, `${path} ${answer.text}`).toBe(201);
      return answer.body;
    };
    // January 2026 in Berlin.
    await write('/grants', { kind: 'purchase', credits: 2500, at: '2026-01-05T10:00:00Z' });
    await write('/grants', {
      kind: 'trial',
      credits: 100,
      expiresAt: '2026-01-20T00:00:00Z',
      at: '2026-01-06T10:00:00Z',
    });
    const charges = [];
    for (const day of ['07', '08', '09']) {
      charges.push(await write('/charges', { feature: 'image', at: `2026-01-${day}T10:00:00Z` }));
    }
    await write(`/charges/${charges[1].id}/refund`, { at: '2026-01-10T10:00:00Z' });
    await write('/charges', {
      feature: 'image',
      quantities: { action: 0.5 },
      at: '2026-01-11T10:00:00Z',
    });
    // 23:30 on 31 January in Berlin: still January there.
    await write('/grants', { kind: 'promo', credits: 50.5, at: '2026-01-31T22:30:00Z' });
    // 00:30 on 1 February in Berlin, though still January in UTC: February's.
    await write('/grants', { kind: 'admin_grant', credits: 20, at: '2026-01-31T23:30:00Z' });
    // February.
    await write('/charges', { feature: 'image', at: '2026-02-03T10:00:00Z' });
    await write('/charges', { feature: 'image', at: '2026-02-04T10:00:00Z' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('exports as CSV exactly the figures of the JSON statement, each kind reconciled', async () => {
    const json = await viewer.get(statementPath('json', `?month=${JANUARY}`));
    expect(json.status, json.text).toBe(200);
    const statement = json.body;
    // The setup gives every column something to show.
    expect(statement).toMatchObject({ month: JANUARY, final: true, usageCount: 4 });
    expect(statement.byKind.trial.expired).not.toBe('0');
    expect(statement.byKind.promo.added).toBe('50.5');
    expect(statement.byKind.admin_grant.added).toBe('0');
    expect(micros(statement.consumed)).toBeGreaterThan(0n);

    const answer = await viewer.get(statementPath('csv', `?month=${JANUARY}`));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="${org}-statement-${JANUARY}.csv"`,
    );
    const csv = parseStatementCsv(answer.text);
    expect(csv.header).toEqual(['kind', ...FLOWS]);
    expect([...csv.rows.keys()]).toEqual([...KINDS, 'total']);
    for (const kind of KINDS) {
      const row = csv.rows.get(kind);
      expect(row, kind).toEqual(statement.byKind[kind]);
      if (!row) continue;
      expect(
        micros(row.opening) + micros(row.added) - micros(row.consumed) - micros(row.expired),
        `${kind} reconciles`,
      ).toBe(micros(row.closing));
    }
    const total = csv.rows.get('total');
    for (const field of FLOWS) {
      expect(total?.[field], field).toBe(statement[field]);
      const sum = KINDS.reduce((acc, kind) => acc + micros(csv.rows.get(kind)?.[field] ?? '0'), 0n);
      expect(sum, `${field} sums`).toBe(micros(statement[field]));
    }
    expect([...csv.facts.keys()]).toEqual([
      'org',
      'month',
      'timezone',
      'start',
      'end',
      'final',
      'asOf',
      'carriedForward',
      'usageCount',
    ]);
    expect(csv.facts.get('org')).toBe(org);
    expect(csv.facts.get('month')).toBe(JANUARY);
    expect(csv.facts.get('timezone')).toBe('Europe/Berlin');
    // Berlin's wall clock, naming the same instants as the JSON.
    expect(csv.facts.get('start')).toBe('2026-01-01T00:00:00.000+01:00');
    expect(csv.facts.get('end')).toBe('2026-02-01T00:00:00.000+01:00');
    expect(Date.parse(csv.facts.get('start') ?? '')).toBe(Date.parse(statement.start));
    expect(Date.parse(csv.facts.get('end') ?? '')).toBe(Date.parse(statement.end));
    expect(csv.facts.get('asOf')).toBe(csv.facts.get('end'));
    expect(csv.facts.get('final')).toBe('true');
    expect(csv.facts.get('carriedForward')).toBe(statement.carriedForward);
    expect(csv.facts.get('usageCount')).toBe(String(statement.usageCount));
    // The org's name is free text and stays out of the file.
    expect(answer.text).not.toContain('Snapshot');
  });

  it("carries January's closing into February's opening, kind by kind", async () => {
    const january = parseStatementCsv(
      (await viewer.get(statementPath('csv', `?month=${JANUARY}`))).text,
    );
    const february = parseStatementCsv(
      (await viewer.get(statementPath('csv', '?month=2026-02'))).text,
    );
    for (const kind of [...KINDS, 'total']) {
      expect(february.rows.get(kind)?.opening, kind).toBe(january.rows.get(kind)?.closing);
    }
    expect(february.rows.get('admin_grant')?.added).toBe('20');
  });

  it('marks the running month as not final, as of now', async () => {
    const month = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Europe/Berlin',
      year: 'numeric',
      month: '2-digit',
    })
      .format(new Date())
      .slice(0, 7);
    const before = Date.now();
    const csv = parseStatementCsv((await viewer.get(statementPath('csv', `?month=${month}`))).text);
    expect(csv.facts.get('final')).toBe('false');
    const asOf = Date.parse(csv.facts.get('asOf') ?? '');
    expect(asOf).toBeGreaterThanOrEqual(before - 1000);
    expect(asOf).toBeLessThanOrEqual(Date.now() + 1000);
    expect(csv.facts.get('asOf')).toMatch(/[+-]0[12]:00$/);
  });

  it('exports as PDF the same statement: org, month, closing and every kind', async () => {
    const statement = (await viewer.get(statementPath('json', `?month=${JANUARY}`))).body;
    const answer = await viewer.get(statementPath('pdf', `?month=${JANUARY}`));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/pdf');
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="${org}-statement-${JANUARY}.pdf"`,
    );
    const bytes = await pdfBytes(statementPath('pdf', `?month=${JANUARY}`), viewerKey);
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(bytes);
    expect(text).toContain('Statement January 2026');
    expect(text).toContain('FINAL');
    expect(text).toContain(NAME);
    expect(text).toContain(org);
    expect(text).toContain('2026-01-01 00:00 to 2026-02-01 00:00');
    const runs = text.split('\n');
    for (const kind of KINDS) {
      for (const field of FLOWS)
        expect(runs).toContain(groupDecimal(statement.byKind[kind][field]));
    }
    expect(runs).toContain(groupDecimal(statement.closing));
    expect(runs).toContain(`${groupDecimal(statement.carriedForward)} credits`);
    expect(text).toContain('opening + added');
  });

  describe('refuses what the JSON statement refuses, the same way', () => {
    const wrongMonths: [string, string][] = [
      ['month 13', '?month=2026-13'],
      ['a month by name', '?month=January'],
      ['no month', ''],
      ['a month not begun', '?month=2999-01'],
    ];
    for (const format of ['csv', 'pdf'] as const) {
      for (const [label, query] of wrongMonths) {
        it(`${format}: ${label} is 400 invalid_request naming month`, async () => {
          const answer = await viewer.get(statementPath(format, query));
          expectProblem(answer, 400, 'invalid_request', `${format} ${label}`);
          expect(answer.body.field).toBe('month');
          const json = await viewer.get(statementPath('json', query));
          expect(answer.body.code).toBe(json.body.code);
          expect(answer.body.field).toBe(json.body.field);
        });
      }

      it(`${format}: no key is 401, another org's key and an unknown org 404`, async () => {
        const path = statementPath(format, `?month=${JANUARY}`);
        const anonymous = await server.client().get(path);
        expectProblem(anonymous, 401, 'unauthenticated', `${format} without a key`);
        expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
        const foreign = await theirs.get(path);
        expectProblem(foreign, 404, 'unknown_org', `${format} with their key`);
        expect(foreign.text).not.toContain(NAME);
        expectProblem(
          await root.get(statementPath(format, `?month=${JANUARY}`, 'org_nothing')),
          404,
          'unknown_org',
          `${format} of an unknown org`,
        );
      });
    }
  });
});
