/**
 * The real thing: `npm start` in a child process on a free port, driven over HTTP. Covers the
 * readiness line, idempotent retries after the client's connection is cut mid-request, and a
 * clean stop on SIGTERM that keeps every acknowledged write.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/free-port.js';
import { tempDir } from './support/harness.js';
import { httpClient, type Client } from './support/server.js';

const ROOT_KEY = 'tly_root_e2e_secret';

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function npmStart(dataDir: string, port: number): Promise<Running> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      TALLY_DATA_DIR: dataDir,
      TALLY_ROOT_KEY: ROOT_KEY,
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!output.includes(`Tally listening on ${url}`)) {
    if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not get ready: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url, output: () => output };
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM to npm, which passes it to the server; then the exit code npm reports for it. */
function stop(running: Running): Promise<number | null> {
  return new Promise((resolve) => {
    if (exited(running.child)) return resolve(running.child.exitCode);
    running.child.once('exit', (code) => resolve(code));
    running.child.kill('SIGTERM');
  });
}

/** Sends raw bytes of an HTTP request and closes the connection without reading the answer. */
function sendAndCut(url: string, request: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(request, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.once('error', reject);
  });
}

function rawCharge(path: string, key: string, body: string, sendBytes = body.length): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: localhost',
    `Authorization: Bearer ${ROOT_KEY}`,
    'Content-Type: application/json',
    `Idempotency-Key: ${key}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body.slice(0, sendBytes),
  ].join('\r\n');
}

describe('npm start, end to end', () => {
  const dataDir = tempDir('tally-e2e-');
  let running: Running;
  let api: Client;
  let org: string;

  beforeAll(async () => {
    running = await npmStart(dataDir, await freePort());
    api = httpClient(running.url, ROOT_KEY);
    await api.request('PUT', '/v1/features/text-to-image', {
      body: {
        name: 'Text to image',
        prices: [{ unit: 'action', credits: 8 }],
        effectiveAt: '2020-01-01T00:00:00Z',
      },
    });
    const created = await api.post('/v1/orgs', { name: 'E2E', allowance: { credits: 1500 } });
    org = created.body.id;
  }, 120_000);

  afterAll(async () => {
    if (!exited(running.child)) await stop(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the readiness line and answers health checks', async () => {
    expect(running.output()).toContain(`Tally listening on ${running.url}`);
    expect((await api.get('/healthz')).status).toBe(200);
    expect((await api.get('/readyz')).status).toBe(200);
  });

  it('charges once when the client is cut off after sending, whatever the retry finds', async () => {
    const path = `/v1/orgs/${org}/charges`;
    const body = JSON.stringify({ feature: 'text-to-image', user: 'cut' });
    await sendAndCut(running.url, rawCharge(path, 'cut-after-send', body));
    let retry = await api.post(path, JSON.parse(body), { 'idempotency-key': 'cut-after-send' });
    for (let attempt = 0; retry.status === 409 && attempt < 50; attempt += 1) {
      expect(retry.body.code).toBe('idempotency_key_in_use');
      await new Promise((resolve) => setTimeout(resolve, 20));
      retry = await api.post(path, JSON.parse(body), { 'idempotency-key': 'cut-after-send' });
    }
    // Whether the server got to the first request before the cut or not, the charge is made once:
    // the retry either replays it or is the first to make it.
    expect(retry.status).toBe(201);
    const log = await api.get(`/v1/orgs/${org}/transactions?user=cut`);
    expect(log.body.data).toHaveLength(1);
  });

  it('writes nothing when the body is cut halfway, and charges once on the full retry', async () => {
    const path = `/v1/orgs/${org}/charges`;
    const body = JSON.stringify({ feature: 'text-to-image', user: 'half' });
    await sendAndCut(running.url, rawCharge(path, 'cut-mid-body', body, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await api.get(`/v1/orgs/${org}/transactions?user=half`)).body.data).toHaveLength(0);
    const retry = await api.post(path, JSON.parse(body), { 'idempotency-key': 'cut-mid-body' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotency-replayed')).toBeNull();
    expect((await api.get(`/v1/orgs/${org}/transactions?user=half`)).body.data).toHaveLength(1);
  });

  it('stops cleanly on SIGTERM and keeps every acknowledged charge', async () => {
    const acknowledged: string[] = [];
    const answers: number[] = [];
    let signalled: Promise<number | null> | undefined;
    const inFlight = Array.from({ length: 150 }, (_, index) =>
      api
        .post(
          `/v1/orgs/${org}/charges`,
          { feature: 'text-to-image', user: 'sigterm' },
          { 'idempotency-key': `term-${index}` },
        )
        .then((answer) => {
          answers.push(answer.status);
          if (answer.status === 201) acknowledged.push(answer.body.id);
          // Stop while the rest are in flight.
          if (acknowledged.length === 20) signalled = stop(running);
        })
        .catch(() => undefined),
    );
    await Promise.all(inFlight);
    const code = await signalled;
    expect(code).toBe(0);
    expect(acknowledged.length).toBeGreaterThanOrEqual(20);
    // Requests after the stop began are turned away whole (503), never half-done.
    expect(answers.filter((status) => status !== 201 && status !== 503)).toEqual([]);

    running = await npmStart(dataDir, await freePort());
    api = httpClient(running.url, ROOT_KEY);
    const log = await api.get(`/v1/orgs/${org}/transactions?user=sigterm&limit=1000`);
    const stored = new Set(log.body.data.map((row: { id: string }) => row.id));
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    const balance = await api.get(`/v1/orgs/${org}/balance`);
    expect(Number(balance.body.available)).toBe(1500 - 8 * (2 + stored.size));
  }, 120_000);
});
