/**
 * Durable charges over HTTP: the real server (`node dist/src/main.js`, embedded SQLite) in one
 * process, autocannon in another, 50 connections on loopback, each request with its own
 * Idempotency-Key. In the same run, the same framework's hello-world under the same load, for the
 * ratio. Writes bench/results/http.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine } from './machine.js';
import { writeResults } from './results.js';
import { median, round } from './stats.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const ROOT_KEY = 'tly_root_bench';
const CHARGE_BODY = JSON.stringify({ feature: 'text-to-image', user: 'bench', project: 'load' });
const distDir = join(import.meta.dirname, '..');

interface LoadResult {
  requestsPerSec: number;
  total: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startProcess(
  script: string,
  env: Record<string, string>,
  ready: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(distDir, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve();
    });
    child.once('exit', () => reject(new Error(`${script} exited: ${output}`)));
  });
  return child;
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Peak resident memory of a process, from Linux's /proc. */
function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

function load(options: Record<string, unknown>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(distDir, 'bench', 'load.js'), JSON.stringify(options)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(output) as LoadResult) : reject(new Error(output)),
    );
  });
}

async function api(
  url: string,
  method: string,
  path: string,
  body: unknown,
  key = ROOT_KEY,
): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; secret: string };
}

async function chargesRun(): Promise<{ load: LoadResult; rssMiB: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-http-'));
  const port = await freePort();
  const server = await startProcess(
    join('src', 'main.js'),
    {
      TALLY_DATA_DIR: dataDir,
      TALLY_ROOT_KEY: ROOT_KEY,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      TALLY_RATE_LIMIT: '1000000',
    },
    'Tally listening',
  );
  const url = `http://127.0.0.1:${port}`;
  await api(url, 'PUT', '/v1/features/text-to-image', {
    name: 'Text to image',
    prices: [{ unit: 'action', credits: 8 }],
    effectiveAt: '2020-01-01T00:00:00Z',
  });
  const org = await api(url, 'POST', '/v1/orgs', { name: 'Bench', allowance: { credits: 1500 } });
  await api(url, 'POST', `/v1/orgs/${org.id}/grants`, { kind: 'purchase', credits: '1000000000' });
  const key = await api(url, 'POST', `/v1/orgs/${org.id}/api-keys`, {
    name: 'bench',
    role: 'operator',
  });
  const result = await load({
    url: `${url}/v1/orgs/${org.id}/charges`,
    method: 'POST',
    headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
    body: CHARGE_BODY,
    connections: CONNECTIONS,
    seconds: SECONDS,
    uniqueKeys: true,
  });
  const rssMiB = peakRssMiB(server.pid as number);
  await stopProcess(server);
  rmSync(dataDir, { recursive: true, force: true });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`charges failed under load: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { load: result, rssMiB };
}

async function helloRun(): Promise<LoadResult> {
  const port = await freePort();
  const server = await startProcess(
    join('bench', 'hello-server.js'),
    { PORT: String(port) },
    'hello listening',
  );
  const result = await load({
    url: `http://127.0.0.1:${port}/`,
    method: 'POST',
    headers: { authorization: 'Bearer hello', 'content-type': 'application/json' },
    body: CHARGE_BODY,
    connections: CONNECTIONS,
    seconds: SECONDS,
    uniqueKeys: true,
  });
  await stopProcess(server);
  return result;
}

export async function benchHttp(): Promise<Record<string, unknown>> {
  const charges: { load: LoadResult; rssMiB: number }[] = [];
  const hello: LoadResult[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    charges.push(await chargesRun());
    hello.push(await helloRun());
  }
  const result = {
    machine: describeMachine(),
    runs: RUNS,
    secondsPerRun: SECONDS,
    connections: CONNECTIONS,
    chargesPerSec: round(median(charges.map((run) => run.load.requestsPerSec)), 0),
    p50Ms: round(median(charges.map((run) => run.load.p50Ms)), 2),
    p99Ms: round(median(charges.map((run) => run.load.p99Ms)), 2),
    helloPerSec: round(median(hello.map((run) => run.requestsPerSec)), 0),
    rssMiB: round(Math.max(...charges.map((run) => run.rssMiB)), 1),
  };
  console.log(
    `\nHTTP (fastify, SQLite, durable) on ${result.machine.cpu}, ${result.machine.cores} cores, Node ${result.machine.node}`,
  );
  console.table({
    'charges over HTTP': {
      'req/s': result.chargesPerSec,
      'p50 ms': result.p50Ms,
      'p99 ms': result.p99Ms,
      target: '≥ 6,000/s, p99 ≤ 15 ms',
    },
    'hello-world': {
      'req/s': result.helloPerSec,
      'charges ÷ hello': round(result.chargesPerSec / result.helloPerSec, 2),
      target: 'ratio ≥ 0.5',
    },
    'server memory': { 'peak RSS MiB': result.rssMiB, target: '≤ 300 MiB' },
  });
  writeResults('http', result);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchHttp();
