import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './main.js';

interface Sent {
  method: string;
  url: string;
  body: unknown;
  headers: Record<string, string>;
}

/** Runs the CLI against a fake server that answers `answer` to everything and records requests. */
async function run(
  argv: string[],
  answer: { status: number; body: unknown } = { status: 200, body: {} },
) {
  const sent: Sent[] = [];
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
    fetch: (async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({
        method: init?.method ?? 'GET',
        url: String(url),
        body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
        headers: (init?.headers ?? {}) as Record<string, string>,
      });
      // The org itself (read for its time zone) always exists; everything else gets `answer`.
      const isOrg = String(url).endsWith('/v1/orgs/org_1') && (init?.method ?? 'GET') === 'GET';
      return new Response(
        JSON.stringify(isOrg ? { id: 'org_1', timezone: 'Europe/Paris' } : answer.body),
        {
          status: isOrg ? 200 : answer.status,
          headers: { 'content-type': 'application/json' },
        },
      );
    }) as typeof fetch,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, sent };
}

describe('runCli: arguments to requests', () => {
  it('charge: quantities, attribution, failure and idempotency key', async () => {
    const { code, sent } = await run(
      [
        'charge',
        'org_1',
        'chat',
        '--qty',
        'input_tokens=1200',
        'output_tokens=350',
        '--user',
        'maya',
        '--project',
        'garcia-lee-wedding',
        '--model',
        'gpt-4o-mini',
        '--failed',
        '--idempotency-key',
        'job-42',
        '--json',
      ],
      { status: 201, body: { id: 'chg_1' } },
    );
    expect(code).toBe(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      url: 'http://tally.test/v1/orgs/org_1/charges',
      body: {
        feature: 'chat',
        quantities: { input_tokens: '1200', output_tokens: '350' },
        user: 'maya',
        project: 'garcia-lee-wedding',
        model: 'gpt-4o-mini',
        status: 'failed',
      },
      headers: { authorization: 'Bearer tly_test', 'idempotency-key': 'job-42' },
    });
  });

  it('grant: times without an offset are read in the org time zone', async () => {
    const { code, sent } = await run(
      [
        'grant',
        'org_1',
        'promo',
        '250',
        '--expires-at',
        '2026-04-01',
        '--priority',
        '10',
        '--monthly',
        '--note',
        'spring',
        '--json',
      ],
      { status: 201, body: { id: 'grt_1' } },
    );
    expect(code).toBe(0);
    expect(sent.map((request) => request.url)).toEqual([
      'http://tally.test/v1/orgs/org_1',
      'http://tally.test/v1/orgs/org_1/grants',
    ]);
    expect(sent[1]?.body).toEqual({
      kind: 'promo',
      credits: '250',
      expiresAt: '2026-03-31T22:00:00.000Z',
      priority: 10,
      recurrence: 'monthly',
      note: 'spring',
    });
  });

  it('features set: price lines with their units', async () => {
    const { code, sent } = await run(
      [
        'features',
        'set',
        'chat',
        '--name',
        'Chat',
        '--price',
        'input_tokens=0.5/1000',
        '--price',
        'output_tokens=1.5/1000',
        '--effective-at',
        '2025-01-01T00:00:00Z',
        '--json',
      ],
      { status: 200, body: { data: [] } },
    );
    expect(code).toBe(0);
    expect(sent[0]).toMatchObject({
      method: 'PUT',
      url: 'http://tally.test/v1/features/chat',
      body: {
        name: 'Chat',
        prices: [
          { unit: 'input_tokens', credits: '0.5', per: '1000' },
          { unit: 'output_tokens', credits: '1.5', per: '1000' },
        ],
        effectiveAt: '2025-01-01T00:00:00Z',
      },
    });
  });

  it('tx: filters as the API names them', async () => {
    const { code, sent } = await run(
      [
        'tx',
        'org_1',
        '--type',
        'usage',
        'refund',
        '--status',
        'failed',
        '--feature',
        'erase',
        '--user',
        'sam',
        '--project',
        'p',
        '--model',
        'm',
        '--from',
        '2026-03-01T00:00:00Z',
        '--to',
        '2026-04-01T00:00:00Z',
        '--limit',
        '20',
        '--json',
      ],
      { status: 200, body: { data: [], nextCursor: null } },
    );
    expect(code).toBe(0);
    const url = new URL(sent[0]?.url ?? '');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      type: 'usage,refund',
      status: 'failed',
      feature: 'erase',
      user: 'sam',
      project: 'p',
      model: 'm',
      from: '2026-03-01T00:00:00Z',
      to: '2026-04-01T00:00:00Z',
      limit: '20',
    });
  });

  it('orgs create and keys create', async () => {
    const org = await run(
      [
        'orgs',
        'create',
        'Snapshot Booths',
        '--timezone',
        'Europe/Berlin',
        '--plan',
        'pro',
        '--allowance',
        '1500',
        '--json',
      ],
      { status: 201, body: { id: 'org_2' } },
    );
    expect(org.sent[0]?.body).toEqual({
      name: 'Snapshot Booths',
      timezone: 'Europe/Berlin',
      plan: 'pro',
      allowance: { credits: '1500' },
    });
    const key = await run(
      ['keys', 'create', 'org_1', 'booth app', '--role', 'operator', '--json'],
      {
        status: 201,
        body: { id: 'key_1', secret: 'tly_s' },
      },
    );
    expect(key.sent[0]).toMatchObject({
      url: 'http://tally.test/v1/orgs/org_1/api-keys',
      body: { name: 'booth app', role: 'operator' },
    });
  });
});

describe('runCli: exit codes', () => {
  it('answers 2 for usage errors, before sending anything', async () => {
    for (const argv of [
      ['nonsense'],
      ['charge', 'org_1'],
      ['charge', 'org_1', 'erase', '--qty', 'tokens'],
      ['keys', 'create', 'org_1', 'k', '--role', 'owner'],
      ['keys', 'create', 'org_1', 'k'],
      ['grant', 'org_1', 'gift', '10'],
      ['grant', 'org_1', 'purchase', 'ten'],
      ['statement', 'org_1', 'March'],
      ['tx', 'org_1', '--type', 'bogus'],
      ['tx', 'org_1', '--limit', '5000'],
      ['features', 'set', 'x', '--name', 'X'],
      ['demo', '--months', '0'],
      ['--url', 'ftp://x', 'balance', 'org_1'],
    ]) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toMatch(/error/);
      expect(
        result.sent.filter((request) => request.method !== 'GET'),
        argv.join(' '),
      ).toHaveLength(0);
    }
  });

  it('answers 1 with the code and detail of a refusal', async () => {
    const result = await run(['charge', 'org_1', 'erase'], {
      status: 402,
      body: {
        type: 'urn:tally:problem:insufficient_credits',
        title: 'Insufficient credits',
        status: 402,
        code: 'insufficient_credits',
        detail: '7 credits needed, 3 available',
        available: '3',
        required: '7',
      },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: insufficient_credits: 7 credits needed, 3 available (available: 3, required: 7)\n',
    );
    expect(result.stdout).toBe('');
  });

  it('answers 2 when the server finds the request malformed', async () => {
    const result = await run(['charge', 'org_1', 'erase'], {
      status: 400,
      body: { code: 'invalid_request', detail: 'user: too long', field: 'user' },
    });
    expect(result.code).toBe(2);
  });

  it('answers 0 for help and version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: tally/);
    expect(help.stdout).toMatch(/demo/);
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
