import { describe, expect, it } from 'vitest';
import { ApiClient, ApiProblem, ConnectionError } from './api-client.js';

type Call = { url: string; init: RequestInit };

/** A fetch that answers from a script: an Error is thrown (a network failure), else a response. */
function scripted(
  steps: (Error | { status: number; body: unknown; headers?: Record<string, string> })[],
) {
  const calls: Call[] = [];
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const step = steps.shift();
    if (!step) throw new Error('no more steps');
    if (step instanceof Error) throw step;
    return new Response(JSON.stringify(step.body), {
      status: step.status,
      headers: { 'content-type': 'application/json', ...step.headers },
    });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const noSleep = async () => undefined;
const header = (call: Call | undefined, name: string) =>
  (call?.init.headers as Record<string, string> | undefined)?.[name];

describe('ApiClient', () => {
  it('sends the key, JSON and an idempotency key on writes', async () => {
    const { fetch, calls } = scripted([{ status: 201, body: { id: 'chg_1' } }]);
    const client = new ApiClient({ url: 'http://host:1/', key: 'tly_x', fetch, sleep: noSleep });
    const answer = await client.post('/v1/orgs/o/charges', { feature: 'erase' });
    expect(answer.body).toEqual({ id: 'chg_1' });
    expect(calls[0]?.url).toBe('http://host:1/v1/orgs/o/charges');
    expect(header(calls[0], 'authorization')).toBe('Bearer tly_x');
    expect(header(calls[0], 'idempotency-key')).toMatch(/^cli-/);
    expect(calls[0]?.init.body).toBe('{"feature":"erase"}');
  });

  it('retries a write after a network error with the same idempotency key', async () => {
    const { fetch, calls } = scripted([
      new TypeError('fetch failed'),
      { status: 201, body: { id: 'chg_1' }, headers: { 'idempotency-replayed': 'true' } },
    ]);
    const client = new ApiClient({ url: 'http://host:1', key: 'k', fetch, sleep: noSleep });
    const answer = await client.post('/v1/x', {}, 'key-1');
    expect(answer).toMatchObject({ replayed: true, attempts: 2 });
    expect(calls.map((call) => header(call, 'idempotency-key'))).toEqual(['key-1', 'key-1']);
  });

  it('waits out 429 and a retry that finds its first attempt still running', async () => {
    const slept: number[] = [];
    const { fetch, calls } = scripted([
      new TypeError('fetch failed'),
      { status: 409, body: { code: 'idempotency_key_in_use', detail: 'running' } },
      {
        status: 429,
        body: { code: 'rate_limited', detail: 'slow down' },
        headers: { 'retry-after': '2' },
      },
      { status: 201, body: {} },
    ]);
    const client = new ApiClient({
      url: 'http://host:1',
      key: 'k',
      fetch,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    await client.post('/v1/x', {}, 'key-1');
    expect(calls).toHaveLength(4);
    expect(slept).toContain(2_000);
  });

  it('turns problem documents into ApiProblem', async () => {
    const { fetch } = scripted([
      {
        status: 402,
        body: { code: 'insufficient_credits', detail: 'too poor', available: '3', required: '8' },
      },
    ]);
    const client = new ApiClient({ url: 'http://host:1', key: 'k', fetch, sleep: noSleep });
    const error = await client.post('/v1/x', {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiProblem);
    expect(error).toMatchObject({ status: 402, code: 'insufficient_credits', detail: 'too poor' });
    expect((error as ApiProblem).document.available).toBe('3');
  });

  it('does not retry a write without an idempotency key, and says when it cannot connect', async () => {
    const { fetch, calls } = scripted([new TypeError('fetch failed'), { status: 201, body: {} }]);
    const client = new ApiClient({ url: 'http://host:1', key: 'k', fetch, sleep: noSleep });
    await expect(client.request('POST', '/v1/x', { body: {} })).rejects.toBeInstanceOf(
      ConnectionError,
    );
    expect(calls).toHaveLength(1);
    const down = scripted(Array.from({ length: 3 }, () => new TypeError('fetch failed')));
    const reads = new ApiClient({
      url: 'http://host:1',
      key: 'k',
      fetch: down.fetch,
      sleep: noSleep,
      attempts: 3,
    });
    await expect(reads.get('/v1/features')).rejects.toThrow(
      /cannot reach Tally at http:\/\/host:1/,
    );
    expect(down.calls).toHaveLength(3);
  });

  it('encodes query parameters and leaves out the undefined ones', async () => {
    const { fetch, calls } = scripted([{ status: 200, body: { data: [] } }]);
    const client = new ApiClient({ url: 'http://host:1', key: undefined, fetch, sleep: noSleep });
    await client.get('/v1/orgs/o/transactions', { type: 'usage,grant', user: undefined, limit: 5 });
    expect(calls[0]?.url).toBe('http://host:1/v1/orgs/o/transactions?type=usage%2Cgrant&limit=5');
    expect(header(calls[0], 'authorization')).toBeUndefined();
  });

  it('reads a file as bytes, and its problems still as ApiProblem', async () => {
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x00, 0xff]);
    const calls: Call[] = [];
    const answers = [
      new Response(pdf, { status: 200, headers: { 'content-type': 'application/pdf' } }),
      new Response(JSON.stringify({ code: 'invoice_not_issued', detail: 'not yet' }), {
        status: 409,
        headers: { 'content-type': 'application/problem+json' },
      }),
    ];
    const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(url), init: init ?? {} });
      const answer = answers.shift();
      if (!answer) throw new Error('no more answers');
      return answer;
    }) as typeof globalThis.fetch;
    const client = new ApiClient({ url: 'http://host:1', key: 'k', fetch, sleep: noSleep });
    const file = await client.getBytes('/v1/orgs/o/purchases/p/invoice.pdf');
    expect(file.body).toEqual(pdf);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(header(calls[0], 'idempotency-key')).toBeUndefined();
    await expect(client.getBytes('/v1/orgs/o/purchases/q/invoice.pdf')).rejects.toMatchObject({
      status: 409,
      code: 'invoice_not_issued',
    });
  });
});
