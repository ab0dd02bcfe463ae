/**
 * A real Tally server on a free port with its own data folder, and a small HTTP client for tests.
 * `startServer` is the same composition root `npm start` runs.
 */
import { rmSync } from 'node:fs';
import { startServer } from '../../src/main.js';
import { tempDir } from './harness.js';
import { createDatabase } from './postgres-cluster.js';
import { postgresAdminUrl } from './postgres.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read whatever JSON came back
  text: string;
}

export interface Client {
  request(
    method: string,
    path: string,
    options?: { body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  get(path: string): Promise<HttpAnswer>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
}

export interface TestServer {
  url: string;
  rootKey: string;
  dataDir: string;
  /** The PostgreSQL database it runs on, when `TALLY_TEST_DATABASE=postgres`. */
  databaseUrl: string | undefined;
  /** A client sending `key` as its Bearer key (none when undefined). */
  client(key?: string): Client;
  close(): Promise<void>;
}

/**
 * A database of its own on the run's PostgreSQL when `TALLY_TEST_DATABASE=postgres`, so that the
 * HTTP suites can run on PostgreSQL as well as on the default SQLite file.
 */
async function testDatabase(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (process.env.TALLY_TEST_DATABASE !== 'postgres') return { env: {}, drop: async () => {} };
  const adminUrl = postgresAdminUrl();
  if (!adminUrl) throw new Error('TALLY_TEST_DATABASE=postgres needs PostgreSQL');
  const database = await createDatabase(adminUrl, 'tally_http');
  return { env: { DATABASE_URL: database.url }, drop: () => database.drop() };
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = tempDir('tally-server-');
  const database = await testDatabase();
  const rootKey = `tly_root_test_${Math.random().toString(36).slice(2)}`;
  const log = console.log;
  console.log = () => undefined; // the readiness lines
  const server = await startServer({
    TALLY_DATA_DIR: dataDir,
    TALLY_ROOT_KEY: rootKey,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    // Suites send thousands of requests with one key as fast as the machine goes; the per-key
    // limit is tested on servers that set it (security.test.ts).
    TALLY_RATE_LIMIT: '1000000',
    ...database.env,
    ...env,
  }).finally(() => {
    console.log = log;
  });
  return {
    url: server.url,
    rootKey,
    dataDir,
    databaseUrl: database.env.DATABASE_URL,
    client: (key) => httpClient(server.url, key),
    async close() {
      await server.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function httpClient(
  url: string,
  key?: string,
  defaults: Record<string, string> = {},
): Client {
  const request: Client['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...defaults, ...options.headers };
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (
      body !== undefined &&
      !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
    ) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body, headers) =>
      request('POST', path, { body: body ?? {}, ...(headers ? { headers } : {}) }),
  };
}
