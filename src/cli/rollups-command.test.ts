import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './main.js';

type Handler = (method: string, url: URL) => { status: number; body: unknown } | 'network error';

/** Runs the CLI against a fake server routed by `handle`, recording what was asked. */
async function run(argv: string[], handle: Handler) {
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
    env: { TALLY_URL: 'http://tally.test', TALLY_KEY: 'tly_root' },
    cwd: '/nonexistent',
    sleep: async () => undefined,
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      const method = init?.method ?? 'GET';
      asked.push(`${method} ${url.pathname}${url.search}`);
      const answer = handle(method, url);
      if (answer === 'network error') throw new TypeError('fetch failed');
      const problem = answer.status >= 400;
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'content-type': problem ? 'application/problem+json' : 'application/json' },
      });
    }) as typeof fetch,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, asked };
}

const org = (id: string, suspended = false) => ({
  id,
  name: `Name of ${id}`,
  timezone: 'UTC',
  plan: 'payg',
  createdAt: '2026-01-01T00:00:00.000Z',
  suspendedAt: suspended ? '2026-02-01T00:00:00.000Z' : null,
  suspendReason: suspended ? 'unpaid' : null,
});

/** Two pages of orgs: org_a and org_b, then org_c. */
function listing(url: URL) {
  return url.searchParams.get('cursor') === 'page-2'
    ? { status: 200, body: { data: [org('org_c', true)], nextCursor: null } }
    : { status: 200, body: { data: [org('org_a'), org('org_b')], nextCursor: 'page-2' } };
}

const rebuilt = (id: string) => ({ org: id, rows: 10, usageRollups: 4, entryRollups: 2 });
const problem = (status: number, code: string) => ({
  status,
  body: { type: 'about:blank', title: code, status, code, detail: `${code} detail` },
});

describe('tally orgs list', () => {
  it('follows the cursors and shows every org, suspended ones with why', async () => {
    const result = await run(['orgs', 'list'], (_method, url) => listing(url));
    expect(result.code, result.stderr).toBe(0);
    expect(result.asked).toEqual([
      'GET /v1/orgs?limit=1000',
      'GET /v1/orgs?limit=1000&cursor=page-2',
    ]);
    expect(result.stdout.split('\n')).toEqual([
      'ORG    NAME           TIMEZONE  PLAN  CREATED (UTC)        SUSPENDED (UTC)',
      'org_a  Name of org_a  UTC       payg  2026-01-01 00:00:00',
      'org_b  Name of org_b  UTC       payg  2026-01-01 00:00:00',
      'org_c  Name of org_c  UTC       payg  2026-01-01 00:00:00  2026-02-01 00:00:00: unpaid',
      '3 orgs, 1 suspended',
      '',
    ]);
    const json = await run(['orgs', 'list', '--json'], (_method, url) => listing(url));
    expect(JSON.parse(json.stdout)).toEqual({
      data: [org('org_a'), org('org_b'), org('org_c', true)],
      nextCursor: null,
    });
  });
});

describe('tally rollups rebuild', () => {
  it('rebuilds every org, one POST each, and sums what was rebuilt', async () => {
    const result = await run(['rollups', 'rebuild'], (method, url) => {
      if (method === 'GET') return listing(url);
      return { status: 200, body: rebuilt(url.pathname.split('/')[3] ?? '') };
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.asked.filter((line) => line.startsWith('POST'))).toEqual([
      'POST /v1/orgs/org_a/rollups/rebuild',
      'POST /v1/orgs/org_b/rollups/rebuild',
      'POST /v1/orgs/org_c/rollups/rebuild',
    ]);
    expect(result.stdout).toMatch(
      /^Rebuilt 3 orgs in \d+\.\d s: 30 rows summed into 12 usage rollups and 6 entry rollups\.$/m,
    );
    // Progress on stderr, a line each tenth of the way off a terminal.
    expect(result.stderr).toMatch(/^Rebuilding rollups 3\/3 100%/m);
  });

  it('goes on past a failed org, lists it, and exits 1', async () => {
    const result = await run(
      ['rollups', 'rebuild', 'org_a', 'org_x', 'org_b', '--json'],
      (_m, url) =>
        url.pathname.includes('org_x')
          ? problem(404, 'unknown_org')
          : { status: 200, body: rebuilt(url.pathname.split('/')[3] ?? '') },
    );
    expect(result.code).toBe(1);
    // Named orgs are not listed first.
    expect(result.asked.some((line) => line.startsWith('GET'))).toBe(false);
    const json = JSON.parse(result.stdout);
    expect(json.rebuilt.map((body: { org: string }) => body.org)).toEqual(['org_a', 'org_b']);
    expect(json.failed).toEqual([
      { org: 'org_x', code: 'unknown_org', detail: 'unknown_org detail' },
    ]);
    expect(json.totals).toEqual({ orgs: 2, rows: 20, usageRollups: 8, entryRollups: 4 });
    expect(result.stderr).toMatch(/^error: 1 of 3 orgs not rebuilt: org_x$/m);
  });

  it('skips an org deleted after the listing when rebuilding every org', async () => {
    const result = await run(['rollups', 'rebuild'], (method, url) => {
      if (method === 'GET') return listing(url);
      return url.pathname.includes('org_b')
        ? problem(404, 'unknown_org')
        : { status: 200, body: rebuilt(url.pathname.split('/')[3] ?? '') };
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Rebuilt 2 orgs/m);
    expect(result.stdout).toMatch(/^Deleted meanwhile, skipped: org_b\.$/m);
  });

  it('stops when the server cannot be reached, naming the orgs not tried', async () => {
    const result = await run(['rollups', 'rebuild', 'org_a', 'org_b', 'org_c'], (_m, url) =>
      url.pathname.includes('org_a') ? { status: 200, body: rebuilt('org_a') } : 'network error',
    );
    expect(result.code).toBe(1);
    expect(result.asked.filter((line) => line.includes('org_c'))).toEqual([]);
    expect(result.stdout).toMatch(/^Failed: org_b: unreachable: cannot reach Tally/m);
    expect(result.stdout).toMatch(/^Not tried, the server being unreachable: org_c\.$/m);
    expect(result.stderr).toMatch(/^error: 2 of 3 orgs not rebuilt: org_b, org_c$/m);
  });

  it('stops at once for a key that may not rebuild', async () => {
    const result = await run(['rollups', 'rebuild', 'org_a', 'org_b'], () =>
      problem(403, 'forbidden'),
    );
    expect(result.code).toBe(1);
    expect(result.asked).toEqual(['POST /v1/orgs/org_a/rollups/rebuild']);
    expect(result.stderr).toMatch(/^error: forbidden: forbidden detail$/m);
  });
});
