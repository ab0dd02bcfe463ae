/**
 * The `tally` command line end to end: a real server on a free port, every command run in-process
 * through `runCli`, and `tally demo` checked through the API (balance, statements that reconcile,
 * transaction counts). `tally serve` runs as a child process, as users run it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toMicros } from '../src/cli/credits-text.js';
import { runCli } from '../src/cli/main.js';
import { periodAfter, periodOf } from '../src/core/period.js';
import { csvObjects } from './support/csv.js';
import { startTestServer, type TestServer } from './support/server.js';

interface Run {
  code: number;
  out: string;
  err: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back
  json: any;
}

let server: TestServer;
/** A working folder with no ./data, so no root key is found there by accident. */
const cwd = mkdtempSync(join(tmpdir(), 'tally-cli-cwd-'));

/** `tally <argv…>` against the test server, with `key` as TALLY_KEY (default: the root key). */
async function tally(argv: string[], key: string = server.rootKey): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    env: { TALLY_URL: server.url, TALLY_KEY: key },
    cwd,
  });
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    json = undefined;
  }
  return { code, out, err, json };
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  rmSync(cwd, { recursive: true, force: true });
});

describe('tally against a running server', () => {
  let org: string;
  let admin: string;

  it('prices features and shows the credit matrix', async () => {
    const set = await tally([
      'features',
      'set',
      'background-removal',
      '--name',
      'Background removal',
      '--price',
      'action=2',
      '--effective-at',
      '2020-01-01T00:00:00Z',
    ]);
    expect(set.code, set.err).toBe(0);
    expect(set.out).toMatch(/^FEATURE\s+NAME\s+PRICE\s+SINCE$/m);
    expect(set.out).toMatch(/background-removal\s+Background removal\s+2 per action/);
    const chat = await tally([
      'features',
      'set',
      'chat',
      '--name',
      'Chat',
      '--price',
      'input_tokens=0.5/1000',
      'output_tokens=1.5/1000',
      '--effective-at',
      '2020-01-01',
      '--json',
    ]);
    expect(chat.code, chat.err).toBe(0);
    expect(chat.json.data.find((feature: { id: string }) => feature.id === 'chat').prices).toEqual([
      { unit: 'input_tokens', credits: '0.5', per: '1000' },
      { unit: 'output_tokens', credits: '1.5', per: '1000' },
    ]);
    const list = await tally(['features', 'list']);
    expect(list.out).toMatch(/0\.5 per 1,000 input_tokens \+ 1\.5 per 1,000 output_tokens/);
  });

  it('creates an org and its keys', async () => {
    const created = await tally([
      'orgs',
      'create',
      'Booth Co',
      '--timezone',
      'Europe/Paris',
      '--plan',
      'pro',
      '--allowance',
      '1500',
      '--json',
    ]);
    expect(created.code, created.err).toBe(0);
    expect(created.json).toMatchObject({ name: 'Booth Co', timezone: 'Europe/Paris', plan: 'pro' });
    org = created.json.id;
    const shown = await tally(['orgs', 'show', org]);
    expect(shown.out).toMatch(/^timezone\s+Europe\/Paris$/m);

    const key = await tally(['keys', 'create', org, 'backend', '--role', 'admin']);
    expect(key.code, key.err).toBe(0);
    expect(key.err).toMatch(/shown this once/);
    admin = /^secret\s+(\S+)$/m.exec(key.out)?.[1] ?? '';
    expect(admin).toMatch(/^tly_/);
    const keys = await tally(['keys', 'list', org], admin);
    expect(keys.out).toMatch(/backend\s+admin/);
  });

  it('grants and charges, with quantities, failures and idempotent retries', async () => {
    const grant = await tally(['grant', org, 'purchase', '2500', '--note', 'pack #1'], admin);
    expect(grant.code, grant.err).toBe(0);
    expect(grant.out).toMatch(/^credits\s+2,500$/m);
    expect(grant.out).toMatch(/^expires\s+never$/m);

    const project = await tally(['projects', 'create', org, 'wedding', '--name', 'Wedding'], admin);
    expect(project.code, project.err).toBe(0);
    expect(project.out).toMatch(/^budget\s+none$/m);
    const charge = await tally(
      ['charge', org, 'background-removal', '--user', 'ana', '--project', 'wedding', '--json'],
      admin,
    );
    expect(charge.code, charge.err).toBe(0);
    expect(charge.json).toMatchObject({ credits: '2', status: 'succeeded', balanceAfter: '3998' });

    const chat = await tally(
      ['charge', org, 'chat', '--qty', 'input_tokens=1200', '--qty', 'output_tokens=350'],
      admin,
    );
    expect(chat.code, chat.err).toBe(0);
    expect(chat.out).toMatch(/^credits\s+1\.125$/m);
    expect(chat.out).toMatch(/^balance after\s+3,996\.875$/m);
    expect(chat.out).toMatch(/^drawn from\s+1\.125 allowance/m);

    const failed = await tally(
      ['charge', org, 'background-removal', '--failed', '--user', 'ana', '--json'],
      admin,
    );
    expect(failed.json).toMatchObject({ status: 'failed', credits: '0' });

    const once = ['charge', org, 'background-removal', '--idempotency-key', 'job-7', '--json'];
    const first = await tally(once, admin);
    const again = await tally(once, admin);
    expect(again.json.id).toBe(first.json.id);
    expect(again.err).toBe('');
    const replay = await tally(once.slice(0, -1), admin);
    expect(replay.err).toMatch(/Replayed/);
  });

  it('refuses with the problem code on stderr and exit code 1', async () => {
    const poor = await tally(
      ['charge', org, 'chat', '--qty', 'input_tokens=100000000', 'output_tokens=0'],
      admin,
    );
    expect(poor.code).toBe(1);
    expect(poor.out).toBe('');
    expect(poor.err).toMatch(
      /^error: insufficient_credits: .*available: 3994\.875, required: 50000/,
    );

    const unknown = await tally(['charge', org, 'teleport'], admin);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown_feature/);

    const viewer = (await tally(['keys', 'create', org, 'wall', '--role', 'viewer', '--json'])).json
      .secret as string;
    const forbidden = await tally(['charge', org, 'background-removal'], viewer);
    expect(forbidden.code).toBe(1);
    expect(forbidden.err).toMatch(/forbidden/);

    const stranger = await tally(['balance', 'org_nobody']);
    expect(stranger.code).toBe(1);
    expect(stranger.err).toMatch(/unknown_org/);

    const noKey = await tally(['balance', org], '');
    expect(noKey.code).toBe(1);
    expect(noKey.err).toMatch(/unauthenticated[\s\S]*--key/);

    const badUser = await tally(['charge', org, 'background-removal', '--user', 'u'.repeat(300)]);
    expect(badUser.code).toBe(2);
    expect(badUser.err).toMatch(/invalid_request/);
  });

  it('shows the balance now and in the past', async () => {
    const now = await tally(['balance', org]);
    expect(now.code, now.err).toBe(0);
    expect(now.out).toMatch(/^available\s+3,994\.875$/m);
    expect(now.out).toMatch(/^ {2}purchase\s+2,500$/m);
    const json = await tally(['balance', org, '--json']);
    expect(json.json).toMatchObject({ available: '3994.875', held: '0' });
    const before = await tally([
      'balance',
      org,
      '--at',
      new Date(Date.now() - 3_600_000).toISOString(),
      '--json',
    ]);
    expect(before.json.available).toBe('0');
  });

  it('lists the log with the API filters, following cursors with --all', async () => {
    const table = await tally(['tx', org]);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/^AT \(Europe\/Paris\)\s+TYPE\s+STATUS/);
    expect(table.out).toMatch(/grant\s+succeeded\s+\+2,500\s+4,000/);

    const all = await tally(['tx', org, '--json', '--limit', '1000']);
    const paged = await tally(['tx', org, '--json', '--all', '--limit', '2']);
    expect(paged.json.data.map((row: { id: string }) => row.id)).toEqual(
      all.json.data.map((row: { id: string }) => row.id),
    );
    expect(paged.json.nextCursor).toBeNull();

    const first = await tally(['tx', org, '--limit', '1']);
    expect(first.out.trim().split('\n')).toHaveLength(2);
    const cursor = /--cursor (\S+)/.exec(first.err)?.[1] ?? '';
    const second = await tally(['tx', org, '--limit', '1', '--cursor', cursor, '--json']);
    expect(second.json.data[0].id).toBe(all.json.data[1].id);

    const failed = await tally(['tx', org, '--type', 'usage', '--status', 'failed', '--json']);
    expect(failed.json.data).toHaveLength(1);
    const refused = await tally(['tx', org, '--status', 'refused', '--feature', 'chat', '--json']);
    expect(refused.json.data).toHaveLength(1);
    const ana = await tally(['tx', org, '--user', 'ana', '--project', 'wedding', '--json']);
    expect(ana.json.data).toHaveLength(1);
    const empty = await tally(['tx', org, '--from', '2020-01-01', '--to', '2020-02-01']);
    expect(empty.out).toBe('No transactions.\n');
  });

  it('downloads the log as CSV with the same filters, to stdout or a file', async () => {
    const all = (await tally(['tx', org, '--json', '--all'])).json.data as { id: string }[];
    const printed = await tally(['tx', org, '--csv']);
    expect(printed.code, printed.err).toBe(0);
    expect(printed.out).toMatch(/^id,at,type,status,feature,credits,/);
    const { rows } = csvObjects(printed.out);
    expect(rows.map((row) => row.id)).toEqual(all.map((row) => row.id));

    const filtered = await tally(['tx', org, '--csv', '--type', 'usage', '--user', 'ana']);
    const ana = (await tally(['tx', org, '--json', '--type', 'usage', '--user', 'ana'])).json.data;
    expect(csvObjects(filtered.out).rows.map((row) => row.id)).toEqual(
      ana.map((row: { id: string }) => row.id),
    );
    const none = await tally(['tx', org, '--csv', '--from', '2020-01-01', '--to', '2020-02-01']);
    expect(none.out).toBe(`${printed.out.split('\r\n')[0]}\r\n`);

    const folder = mkdtempSync(join(tmpdir(), 'tally-tx-csv-'));
    try {
      const file = join(folder, 'log.csv');
      const saved = await tally(['tx', org, '--csv', '--out', file, '--json']);
      expect(saved.code, saved.err).toBe(0);
      expect(saved.json).toMatchObject({ org, format: 'csv', file, rows: all.length });
      expect(readFileSync(file, 'utf8')).toBe(printed.out);
      expect(existsSync(`${file}.part`)).toBe(false);
      const told = await tally(['tx', org, '--csv', '--out', file]);
      expect(told.out).toBe(
        `Saved ${all.length} rows to ${file} (${Buffer.byteLength(printed.out).toLocaleString('en-US')} bytes).\n`,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }

    expect((await tally(['tx', org, '--csv', '--limit', '5'])).code).toBe(2);
    expect((await tally(['tx', org, '--out', 'x.csv'])).code).toBe(2);
    const bad = await tally(['tx', 'org_nobody', '--csv']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unknown_org/);
  });

  it('prints the statement of a month, which reconciles', async () => {
    const month = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
    }).format(new Date());
    const table = await tally(['statement', org, month]);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toMatch(/^KIND\s+OPENING\s+ADDED\s+CONSUMED\s+EXPIRED\s+CLOSING$/m);
    expect(table.out).toMatch(/^total\s+0\s+4,000\s+5\.125\s+0\s+3,994\.875$/m);
    const json = await tally(['statement', org, month, '--json']);
    expect(json.json).toMatchObject({ month, closing: '3994.875', usageCount: 3 });
    const bad = await tally(['statement', org, '2026-3']);
    expect(bad.code).toBe(2);
  });

  it('exports the statement as CSV and as PDF', async () => {
    const month = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
    }).format(new Date());
    const csv = await tally(['statement', org, month, '--csv']);
    expect(csv.code, csv.err).toBe(0);
    expect(csv.out).toMatch(/^kind,opening,added,consumed,expired,closing\r\n/);
    expect(csv.out).toMatch(/^total,0,4000,5\.125,0,3994\.875\r$/m);
    expect(csv.out).toMatch(/^final,false\r$/m);
    const folder = mkdtempSync(join(tmpdir(), 'tally-statement-'));
    try {
      const file = join(folder, 'statement.pdf');
      const saved = await tally(['statement', org, month, '--pdf', '--out', file, '--json']);
      expect(saved.code, saved.err).toBe(0);
      expect(saved.json).toMatchObject({ org, month, format: 'pdf', file });
      expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('tally reports and rollups', () => {
  let org: string;
  const DAY = 86_400_000;
  /** Three weeks ago, at 09:00 UTC, so that every write is in the past and days are known. */
  const base = Math.floor(Date.now() / DAY) * DAY - 21 * DAY + 9 * 3600_000;
  const at = (days: number, minutes = 0) =>
    new Date(base + days * DAY + minutes * 60_000).toISOString();
  const localDay = (days: number) =>
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(base + days * DAY);
  /** Seven members, so two of them fold into OTHERS: [member, day, credits]. */
  const CHARGES: [string, number, number][] = [
    ['ana', 0, 8],
    ['ben', 0, 8],
    ['cleo', 0, 8],
    ['ana', 1, 8],
    ['dan', 1, 8],
    ['eve', 1, 8],
    ['fay', 2, 8],
    ['gus', 2, 8],
    ['ana', 2, 8],
  ];

  beforeAll(async () => {
    const root = server.client(server.rootKey);
    const put = await root.request('PUT', '/v1/features/report-image', {
      body: {
        name: 'Report image',
        prices: [{ unit: 'action', credits: 8 }],
        effectiveAt: '2020-01-01T00:00:00Z',
      },
    });
    expect(put.status, put.text).toBe(200);
    const created = await root.post('/v1/orgs', {
      name: 'Reports Co',
      timezone: 'Europe/Paris',
      at: at(0, -60),
    });
    expect(created.status, created.text).toBe(201);
    org = created.body.id;
    await root.post(`/v1/orgs/${org}/grants`, { kind: 'purchase', credits: 1000, at: at(0, -30) });
    for (const [index, [user, day]] of CHARGES.entries()) {
      const charge = await root.post(`/v1/orgs/${org}/charges`, {
        feature: 'report-image',
        user,
        at: at(day, index),
      });
      expect(charge.status, charge.text).toBe(201);
    }
    const failed = await root.post(`/v1/orgs/${org}/charges`, {
      feature: 'report-image',
      user: 'ana',
      status: 'failed',
      at: at(2, 30),
    });
    expect(failed.status, failed.text).toBe(201);
  });

  it('report usage: a line per day with its members, the top five as columns, and a total', async () => {
    const range = ['--from', localDay(0), '--to', localDay(3)];
    const table = await tally(['report', 'usage', org, ...range, '--group-by', 'member']);
    expect(table.code, table.err).toBe(0);
    const lines = table.out.split('\n');
    expect(lines[0]).toBe(
      `Usage of ${org}, ${localDay(0)} to ${localDay(2)} (Europe/Paris), per day, by member`,
    );
    // ana used 24, the others 8 each: ana first, then by name; fay and gus fold into OTHERS.
    expect(lines[2]).toMatch(
      /^DAY\s+USED\s+USAGE\s+FAILURES\s+ana\s+ben\s+cleo\s+dan\s+eve\s+OTHERS$/,
    );
    expect(lines[3]).toMatch(
      new RegExp(`^${localDay(0)}\\s+24\\s+3\\s+0\\s+8\\s+8\\s+8\\s+0\\s+0\\s+0$`),
    );
    expect(lines[5]).toMatch(
      new RegExp(`^${localDay(2)}\\s+24\\s+3\\s+1\\s+8\\s+0\\s+0\\s+0\\s+0\\s+16$`),
    );
    expect(lines[6]).toMatch(/^TOTAL\s+72\s+9\s+1\s+24\s+8\s+8\s+8\s+8\s+16$/);
    expect(table.out).toMatch(/^ana\s+24\s+33\.3%\s+3\s+1$/m);
    expect(table.out).toMatch(/^others \(2\)\s+16\s+22\.2%\s+2\s+0$/m);

    const json = await tally(['report', 'usage', org, ...range, '--interval', 'week', '--json']);
    expect(json.code, json.err).toBe(0);
    expect(json.json.totals).toMatchObject({ used: '72', usageCount: 9, failures: 1 });

    const csv = await tally(['report', 'usage', org, ...range, '--group-by', 'member', '--csv']);
    expect(csv.code, csv.err).toBe(0);
    const { rows } = csvObjects(csv.out);
    expect(rows.filter((row) => row.group === 'ana').map((row) => row.used)).toEqual([
      '8',
      '8',
      '8',
    ]);
  });

  it('report months: the running month first and flagged, then the months before', async () => {
    const cards = await tally(['report', 'months', org, '--count', '3']);
    expect(cards.code, cards.err).toBe(0);
    const lines = cards.out.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^MONTH\s+USED\s+USAGE\s+FAILURES$/);
    expect(lines[1]).toMatch(/^\d{4}-\d{2} \(current\)\s/);
    const json = await tally(['report', 'months', org, '--count', '3', '--json']);
    const months: { month: string; used: string; usageCount: number; current: boolean }[] =
      json.json.data;
    expect(months.map((card) => card.current)).toEqual([true, false, false]);
    // Three weeks of usage lie in the running month or the one before.
    expect(months.reduce((sum, card) => sum + toMicros(card.used), 0n)).toBe(toMicros('72'));
    expect(months.reduce((sum, card) => sum + card.usageCount, 0)).toBe(9);
    expect((await tally(['report', 'months', org, '--count', '0'])).code).toBe(2);
  });

  it('report totals, insights and project answer for the org', async () => {
    const totals = await tally([
      'report',
      'totals',
      org,
      '--from',
      localDay(0),
      '--to',
      localDay(3),
    ]);
    expect(totals.code, totals.err).toBe(0);
    expect(totals.out).toMatch(/^used\s+72$/m);
    expect(totals.out).toMatch(/^net\s+\+928$/m);
    const insights = await tally(['report', 'insights', org]);
    expect(insights.code, insights.err).toBe(0);
    expect(insights.out).toMatch(/^TOP MEMBERS\s+USED\s+SHARE\s+USAGE$/m);
    expect(insights.out).toMatch(/^Next month, \d{4}-\d{2} \(\d+ days\):$/m);
    const project = await tally(['report', 'project', org, 'nowhere']);
    expect(project.code).toBe(1);
    expect(project.err).toMatch(/unknown_project/);
  });

  it('rollups rebuild: every org, or the ones named, to the same figures', async () => {
    const before = (await tally(['report', 'usage', org, '--group-by', 'member', '--json'])).json;
    const all = await tally(['rollups', 'rebuild']);
    expect(all.code, all.err).toBe(0);
    const listed = await tally(['orgs', 'list', '--json']);
    const count = listed.json.data.length;
    expect(count).toBeGreaterThanOrEqual(1);
    expect(all.out).toMatch(
      new RegExp(
        `^Rebuilt ${count} orgs? in \\d+\\.\\d s: [\\d,]+ rows summed into [\\d,]+ usage rollups and [\\d,]+ entry rollups\\.$`,
        'm',
      ),
    );
    expect(all.err).toMatch(new RegExp(`^Rebuilding rollups ${count}/${count} 100%`, 'm'));
    expect((await tally(['report', 'usage', org, '--group-by', 'member', '--json'])).json).toEqual(
      before,
    );

    const named = await tally(['rollups', 'rebuild', org, 'org_nobody', '--json']);
    expect(named.code).toBe(1);
    expect(named.json.rebuilt).toEqual([
      expect.objectContaining({ org, rows: expect.any(Number) }),
    ]);
    expect(named.json.failed).toEqual([
      expect.objectContaining({ org: 'org_nobody', code: 'unknown_org' }),
    ]);
    expect(named.err).toMatch(/^error: 1 of 2 orgs not rebuilt: org_nobody$/m);
  });

  it('orgs list and rollups rebuild are for root alone', async () => {
    const key = await tally(['keys', 'create', org, 'reports-admin', '--role', 'admin', '--json']);
    const admin = key.json.secret as string;
    const listed = await tally(['orgs', 'list'], admin);
    expect(listed.code).toBe(1);
    expect(listed.err).toMatch(/^error: forbidden/m);
    const rebuilt = await tally(['rollups', 'rebuild', org], admin);
    expect(rebuilt.code).toBe(1);
    expect(rebuilt.err).toMatch(/^error: forbidden/m);
    const table = await tally(['orgs', 'list']);
    expect(table.out).toMatch(new RegExp(`^${org}\\s+Reports Co\\s+Europe/Paris\\s+payg\\s`, 'm'));
  });
});

describe('tally plans, packs and purchases', () => {
  let org: string;
  let admin: string;
  let operator: string;
  let purchase: string;
  let invoice: string;

  const available = async () => (await tally(['balance', org, '--json'])).json.available as string;

  it('lists the plans and packs, and lets root define them', async () => {
    const plans = await tally(['plans', 'list']);
    expect(plans.code, plans.err).toBe(0);
    expect(plans.out).toMatch(
      /^PLAN\s+NAME\s+PER CREDIT\s+MONTHLY FEE\s+ALLOWANCE\s+EXPIRES\s+ARCHIVED$/m,
    );
    expect(plans.out).toMatch(/^basic\s+.*\s0\.02 USD\s+29\.00 USD\s+1,500\s+yes$/m);
    expect(plans.out).toMatch(/^payg\s+.*\s+no$/m);

    const team = await tally([
      'plans',
      'set',
      'team',
      '--name',
      'Team',
      '--currency',
      'EUR',
      '--price-per-credit',
      '1',
      '--monthly-fee',
      '4900',
      '--allowance',
      '2000',
      '--description',
      'For teams',
      '--no-expires',
      '--archived',
    ]);
    expect(team.code, team.err).toBe(0);
    expect(team.out).toMatch(/^price per credit\s+0\.01 EUR$/m);
    expect(team.out).toMatch(/^monthly fee\s+49\.00 EUR$/m);
    expect(team.out).toMatch(/^monthly allowance\s+2,000$/m);
    expect(team.out).toMatch(/^expires\s+no$/m);
    const json = await tally(['plans', 'list', '--json']);
    expect(json.json.data.find((plan: { id: string }) => plan.id === 'team')).toMatchObject({
      expires: false,
      archivedAt: expect.any(String),
      description: 'For teams',
    });

    const pack = await tally([
      'packs',
      'set',
      'mini',
      '--name',
      'Mini',
      '--credits',
      '500',
      '--price',
      '700',
      '--currency',
      'USD',
    ]);
    expect(pack.code, pack.err).toBe(0);
    expect(pack.out).toMatch(/^price\s+7\.00 USD$/m);
    const packs = await tally(['packs', 'list']);
    expect(packs.out).toMatch(/^PACK\s+NAME\s+CREDITS\s+PRICE\s+ARCHIVED$/m);
    expect(packs.out).toMatch(/^starter\s+.*\s2,500\s+25\.00 USD$/m);
    expect(packs.out).toMatch(/^mini\s+Mini\s+500\s+7\.00 USD$/m);

    const noPrice = await tally(['plans', 'set', 'x', '--name', 'X', '--currency', 'USD']);
    expect(noPrice.code).toBe(2); // --price-per-credit is required
    const badPrice = await tally([
      'packs',
      'set',
      'x',
      '--name',
      'X',
      '--credits',
      '5',
      '--price',
      '7.5',
      '--currency',
      'USD',
    ]);
    expect(badPrice.code).toBe(2);
    expect(badPrice.err).toMatch(/--price takes a whole number/);
  });

  it("shows an org's plan, upgrades it with credits topped up, and compares the plans", async () => {
    org = (await tally(['orgs', 'create', 'Print Shop', '--timezone', 'Europe/Paris', '--json']))
      .json.id;
    admin = (await tally(['keys', 'create', org, 'admin', '--role', 'admin', '--json'])).json
      .secret;
    operator = (await tally(['keys', 'create', org, 'ops', '--role', 'operator', '--json'])).json
      .secret;

    const start = await tally(['plan', 'show', org], admin);
    expect(start.code, start.err).toBe(0);
    expect(start.out).toMatch(/^plan\s+payg/m);
    expect(start.out).toMatch(/^expires\s+no expiry$/m);
    expect(start.out).toMatch(/^change waiting\s+none$/m);

    const upgrade = await tally(['plan', 'change', org, 'basic'], admin);
    expect(upgrade.code, upgrade.err).toBe(0);
    expect(upgrade.out).toMatch(/^plan\s+basic/m);
    expect(upgrade.out).toMatch(/^change\s+upgrade, from /m);
    expect(upgrade.out).toMatch(/^topped up\s+1,500$/m);
    expect(upgrade.out).toMatch(/^renews\s+\d{4}-\d{2}-01 00:00:00 Europe\/Paris$/m);
    expect(upgrade.out).toMatch(/^History:\nSTARTS \(Europe\/Paris\)\s+PLAN/m);
    expect(await available()).toBe('1500');

    const compare = await tally(['plan', 'compare', org]);
    expect(compare.code, compare.err).toBe(0);
    expect(compare.out).toMatch(/^PLAN\s+TOTAL\s+DIFFERENCE(\s+\d{4}-\d{2}){3}$/m);
    expect(compare.out).toMatch(/^basic \(current\)\s+87\.00 USD\s+0\.00 USD(\s+29\.00 USD){3}$/m);
    expect(compare.out).toMatch(/^payg\s+0\.00 USD\s+-87\.00 USD(\s+0\.00 USD){3}$/m);

    const forbidden = await tally(['plan', 'change', org, 'pro'], operator);
    expect(forbidden.code).toBe(1);
    expect(forbidden.err).toMatch(/forbidden/);
  });

  it('buys a pack with the manual provider; root marks it paid and the credits arrive', async () => {
    const neither = await tally(['purchases', 'buy', org], admin);
    expect(neither.code).toBe(2);
    expect(neither.err).toMatch(/--pack <id> or --credits/);

    const before = await available();
    const bought = await tally(
      ['purchases', 'buy', org, '--pack', 'starter', '--provider', 'manual'],
      admin,
    );
    expect(bought.code, bought.err).toBe(0);
    expect(bought.out).toMatch(/^status\s+pending$/m);
    expect(bought.out).toMatch(/^credits\s+2,500$/m);
    expect(bought.out).toMatch(/^amount\s+25\.00 USD$/m);
    expect(bought.out).toMatch(/^provider\s+manual$/m);
    expect(bought.out).not.toMatch(/^payment URL/m);
    expect(bought.err).toMatch(/tally purchases mark-paid/);
    purchase = /^purchase\s+(\S+)$/m.exec(bought.out)?.[1] ?? '';
    invoice = /^invoice\s+(TALLY-\d{6})$/m.exec(bought.out)?.[1] ?? '';
    expect(invoice).not.toBe('');
    expect(await available()).toBe(before);

    const byAdmin = await tally(['purchases', 'mark-paid', org, purchase], admin);
    expect(byAdmin.code).toBe(1);
    expect(byAdmin.err).toMatch(/forbidden/);
    const paid = await tally(['purchases', 'mark-paid', org, purchase]);
    expect(paid.code, paid.err).toBe(0);
    expect(paid.out).toMatch(/^status\s+paid$/m);
    expect(paid.out).toMatch(/^paid\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} Europe\/Paris$/m);
    expect(toMicros(await available()) - toMicros(before)).toBe(toMicros('2500'));

    const shown = await tally(['purchases', 'show', org, purchase, '--json'], operator);
    expect(shown.json).toMatchObject({ id: purchase, status: 'paid', invoiceNumber: invoice });
    const list = await tally(['purchases', 'list', org, '--status', 'paid'], operator);
    expect(list.out).toMatch(
      new RegExp(
        `^${purchase}\\s+\\S+ \\S+\\s+paid\\s+2,500\\s+25\\.00 USD\\s+manual\\s+${invoice}`,
        'm',
      ),
    );
    const none = await tally(['purchases', 'list', org, '--status', 'refunded']);
    expect(none.out).toBe('No purchases.\n');
  });

  it('downloads the invoice PDF', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tally-invoice-'));
    try {
      const file = join(folder, 'invoice.pdf');
      const saved = await tally(['purchases', 'invoice', org, purchase, '--out', file], operator);
      expect(saved.code, saved.err).toBe(0);
      expect(saved.out).toContain(file);
      const bytes = readFileSync(file);
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('%PDF');

      // Without --out: the invoice number, in the working folder.
      const named = await tally(['purchases', 'invoice', org, purchase, '--json']);
      expect(named.code, named.err).toBe(0);
      expect(named.json.file).toBe(join(cwd, `${invoice}.pdf`));
      expect(existsSync(named.json.file)).toBe(true);
      rmSync(named.json.file);

      const unknown = await tally(['purchases', 'invoice', org, 'pur_nope', '--out', file]);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toMatch(/unknown_purchase/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('lists the purchase history', async () => {
    const history = await tally(['purchases', 'history', org], operator);
    expect(history.code, history.err).toBe(0);
    expect(history.out).toMatch(
      /^TYPE\s+DATE \(Europe\/Paris\)\s+CREDITS\s+MONEY\s+STATUS\s+DESCRIPTION\s+INVOICE$/m,
    );
    expect(history.out).toMatch(
      new RegExp(`^purchase\\s+\\S+ \\S+\\s+2,500\\s+25\\.00 USD\\s+paid\\s+.*${invoice}$`, 'm'),
    );
    const json = await tally(['purchases', 'history', org, '--json', '--all']);
    expect(json.json.data.find((item: { id: string }) => item.id === purchase)).toMatchObject({
      type: 'purchase',
      status: 'paid',
      money: { amount: 2500, currency: 'USD' },
    });
  });

  it("refuses an operator's purchase with the forbidden message and exit code 1", async () => {
    const refused = await tally(
      ['purchases', 'buy', org, '--pack', 'starter', '--provider', 'manual'],
      operator,
    );
    expect(refused.code).toBe(1);
    expect(refused.out).toBe('');
    expect(refused.err).toMatch(/^error: forbidden: /);
    expect(refused.err).toMatch(/use an admin key/);
    const list = await tally(['purchases', 'list', org, '--json']);
    expect(list.json.data).toHaveLength(1);
  });
});

describe('tally demo', () => {
  it('fills a new org with months of a photo-booth business that reconcile', async () => {
    const started = Date.now();
    const demo = await tally([
      'demo',
      '--charges',
      '2000',
      '--months',
      '3',
      '--seed',
      '42',
      '--json',
    ]);
    expect(demo.code, demo.err).toBe(0);
    const summary = demo.json;
    expect(summary.charges.sent).toBe(2000);
    expect(summary.charges.succeeded + summary.charges.failed + summary.charges.refused).toBe(2000);
    expect(summary.charges.failed).toBeGreaterThan(0);
    expect(summary.holds.captured + summary.holds.voided).toBeGreaterThan(0);
    expect(summary.refunds).toBeGreaterThan(0);
    expect(summary.packs.count).toBeGreaterThan(0);
    expect(summary.writesPerSecond).toBeGreaterThan(0);
    expect(demo.err).toMatch(/demo .*100%/); // plain progress lines: stderr is not a terminal
    const api = server.client(summary.adminKey);
    const path = `/v1/orgs/${summary.org}`;

    const balance = (await api.get(`${path}/balance`)).body;
    expect({ ...balance, at: undefined }).toEqual({ ...summary.balance, at: undefined });

    // Every month from the org's first to now reconciles, and each closes where the next opens.
    const zone = summary.timezone as string;
    let period = periodOf(Date.parse(summary.from), zone);
    let previousClosing: bigint | undefined;
    let usageCount = 0;
    let consumed = 0n;
    while (period.start <= Date.now()) {
      const statement = (await api.get(`${path}/reports/statement?month=${period.month}`)).body;
      for (const flows of [statement, ...Object.values(statement.byKind)] as Record<
        string,
        string
      >[]) {
        const [opening, added, spent, expired, closing] = [
          'opening',
          'added',
          'consumed',
          'expired',
          'closing',
        ].map((field) => toMicros(flows[field] ?? 'missing'));
        expect(opening! + added! - spent! - expired!, period.month).toBe(closing);
      }
      expect(toMicros(statement.opening)).toBe(previousClosing ?? 0n);
      previousClosing = toMicros(statement.closing);
      usageCount += statement.usageCount;
      consumed += toMicros(statement.consumed);
      period = periodAfter(period, zone);
    }
    expect(previousClosing).toBe(toMicros(balance.available) + toMicros(balance.held));

    // The log holds what the demo says it sent.
    const rows: { type: string; status: string; credits: string; holdId: string | null }[] = [];
    let cursor = '';
    do {
      const page = (await api.get(`${path}/transactions?limit=1000${cursor}`)).body;
      rows.push(...page.data);
      cursor = page.nextCursor ? `&cursor=${page.nextCursor}` : '';
    } while (cursor);
    const count = (type: string, status?: string) =>
      rows.filter((row) => row.type === type && (status === undefined || row.status === status))
        .length;
    expect(count('usage', 'succeeded')).toBe(summary.charges.succeeded + summary.holds.captured);
    expect(count('usage', 'failed')).toBe(summary.charges.failed);
    expect(count('usage', 'refused')).toBe(summary.charges.refused);
    // A refused hold is logged as a hold, refused.
    expect(count('hold', 'refused')).toBe(summary.holds.refused);
    expect(count('hold') - count('hold', 'refused')).toBe(summary.holds.placed);
    expect(count('void')).toBe(summary.holds.voided);
    expect(count('refund')).toBe(summary.refunds);
    const grants = rows.filter((row) => row.type === 'grant');
    expect(grants.length).toBeGreaterThanOrEqual(summary.packs.count + 1 + 3); // + trial, allowances
    expect(usageCount).toBe(count('usage', 'succeeded'));
    const used = rows
      .filter((row) => row.type === 'usage')
      .reduce((sum, row) => sum - toMicros(row.credits), 0n);
    expect(consumed).toBe(used);
    const refunded = rows
      .filter((row) => row.type === 'refund')
      .reduce((sum, row) => sum + toMicros(row.credits), 0n);
    expect(used - refunded).toBe(toMicros(summary.spent));

    // The projects and people of the business are there to filter by.
    const event = summary.events[0].project as string;
    const atEvent = (await api.get(`${path}/transactions?project=${event}&type=usage&limit=5`))
      .body;
    expect(atEvent.data.length).toBeGreaterThan(0);
    const tokens = (await api.get(`${path}/transactions?feature=chat&limit=1`)).body.data[0];
    expect(Object.keys(tokens.quantities)).toEqual(['input_tokens', 'output_tokens']);
    expect(Date.now() - started).toBeLessThan(25_000);
  });
});

describe('tally serve', () => {
  it('runs the server until SIGTERM, and the client finds its root key', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-serve-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--data-dir', dataDir],
      {
        cwd: join(import.meta.dirname, '..'),
        env: { ...process.env, LOG_LEVEL: 'warn', TALLY_ROOT_KEY: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no readiness line: ${output}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /Tally listening on (http:\S+)/.exec(output);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
      });
      expect(output).toMatch(/Root key \(shown once/);
      let out = '';
      const code = await runCli(['features', 'list'], {
        stdout: (text) => {
          out += text;
        },
        stderr: () => undefined,
        env: { TALLY_URL: url, TALLY_DATA_DIR: dataDir },
        cwd,
      });
      expect(code).toBe(0);
      expect(out).toMatch(/No features priced yet/);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
