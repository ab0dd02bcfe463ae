import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './main.js';

const USAGE = {
  org: 'org_1',
  timezone: 'UTC',
  from: '2026-08-01',
  to: '2026-08-02',
  start: '2026-08-01T00:00:00.000Z',
  end: '2026-08-02T00:00:00.000Z',
  interval: 'day',
  groupBy: null,
  totals: { used: '8', usageCount: 1, failures: 0, refused: 0, refunded: '0' },
  groups: [],
  buckets: [
    {
      start: '2026-08-01T00:00:00.000Z',
      end: '2026-08-02T00:00:00.000Z',
      day: '2026-08-01',
      used: '8',
      usageCount: 1,
      failures: 0,
      refused: 0,
      refunded: '0',
      groups: [],
    },
  ],
};

/** Runs the CLI against a fake server answering the usage report (or its CSV) to every GET. */
async function run(argv: string[]) {
  const asked: string[] = [];
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { TALLY_URL: 'http://tally.test', TALLY_KEY: 'tly_test' },
    cwd: '/nonexistent',
    sleep: async () => undefined,
    fetch: (async (input: string | URL | Request) => {
      const url = new URL(String(input));
      asked.push(`${url.pathname}${url.search}`);
      if (url.pathname.endsWith('.csv')) {
        return new Response('start,end,day,used\r\na,b,2026-08-01,8\r\n', {
          headers: { 'content-type': 'text/csv' },
        });
      }
      return new Response(JSON.stringify(USAGE), {
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, asked };
}

describe('tally report', () => {
  it('usage: passes the range, interval and dimension as the API spells them', async () => {
    const result = await run([
      'report',
      'usage',
      'org 1',
      '--from',
      '2026-08-01',
      '--to',
      '2026-09-01',
      '--interval',
      'week',
      '--group-by',
      'member',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.asked).toEqual([
      '/v1/orgs/org%201/reports/usage?from=2026-08-01&to=2026-09-01&interval=week&groupBy=member&top=5',
    ]);
    expect(result.stdout).toMatch(/^TOTAL\s+8\s+1\s+0$/m);
  });

  it('usage --csv prints the server CSV as it is', async () => {
    const result = await run(['report', 'usage', 'org_1', '--csv', '--group-by', 'kind']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.asked).toEqual(['/v1/orgs/org_1/reports/usage.csv?groupBy=kind']);
    expect(result.stdout).toBe('start,end,day,used\r\na,b,2026-08-01,8\r\n');
  });

  it('refuses wrong values before asking the server', async () => {
    for (const argv of [
      ['report', 'usage', 'org_1', '--from', '2026-02-30'],
      ['report', 'usage', 'org_1', '--to', '01/03/2026'],
      ['report', 'usage', 'org_1', '--interval', 'hour'],
      ['report', 'usage', 'org_1', '--group-by', 'color'],
      ['report', 'usage', 'org_1', '--out', 'usage.csv'],
      ['report', 'months', 'org_1', '--count', '25'],
      ['report', 'insights', 'org_1', '--days', '6'],
      ['report', 'project', 'org_1', 'gala', '--interval', 'year'],
    ]) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.asked, argv.join(' ')).toEqual([]);
    }
  });

  it('months, insights, totals and project ask their routes', async () => {
    const asked = async (argv: string[]) => (await run([...argv, '--json'])).asked;
    expect(await asked(['report', 'months', 'org_1', '--count', '12'])).toEqual([
      '/v1/orgs/org_1/reports/months?count=12',
    ]);
    expect(await asked(['report', 'insights', 'org_1', '--days', '90'])).toEqual([
      '/v1/orgs/org_1/reports/insights?days=90',
    ]);
    expect(await asked(['report', 'totals', 'org_1', '--from', '2026-10-01'])).toEqual([
      '/v1/orgs/org_1/reports/totals?from=2026-10-01',
    ]);
    expect(
      await asked(['report', 'project', 'org_1', 'gala night', '--interval', 'month']),
    ).toEqual(['/v1/orgs/org_1/projects/gala%20night/report?interval=month']);
  });
});
