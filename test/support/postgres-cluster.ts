/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` into a temp folder with the
 * machine's PostgreSQL binaries, run as the `postgres` user when we are root (PostgreSQL refuses
 * to run as root), on a free port, removed when stopped.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface PostgresCluster {
  /** A superuser URL of the cluster's `postgres` database. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /**
   * Flush the WAL at every commit, as a production server does. Off by default in tests, where
   * what is killed is Tally's process and never PostgreSQL's; benchmarks turn it on.
   */
  durable?: boolean;
}

/** The folder of `initdb` and `postgres`: `PG_BINDIR`, `pg_config --bindir`, or Debian's layout. */
export function findPostgresBinaries(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // no pg_config on the PATH
  }
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  return candidates.find(
    (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')),
  );
}

/**
 * The user to run PostgreSQL's binaries as: the `postgres` user when we are root. The process is
 * started with that uid directly (not through `runuser`, which would swallow the signals that
 * stop the server).
 */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  };
}

async function waitUntilAccepting(
  url: string,
  server: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited at start:\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not start: ${String(error)}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export async function startPostgresCluster(options: ClusterOptions = {}): Promise<PostgresCluster> {
  const binaries = findPostgresBinaries();
  if (!binaries)
    throw new Error('PostgreSQL binaries not found (set PG_BINDIR or install postgresql)');
  const folder = mkdtempSync(join(tmpdir(), 'tally-pg-'));
  const data = join(folder, 'data');
  const user = postgresUser();
  if (user) chownSync(folder, user.uid, user.gid);
  execFileSync(
    join(binaries, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    { stdio: 'pipe', cwd: folder, ...user },
  );

  const port = await freePort();
  const durable = options.durable ?? false;
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    folder,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=400',
    '-c',
    'shared_buffers=128MB',
    '-c',
    `fsync=${durable ? 'on' : 'off'}`,
    '-c',
    `synchronous_commit=${durable ? 'on' : 'off'}`,
    '-c',
    `full_page_writes=${durable ? 'on' : 'off'}`,
  ];
  const server = spawn(join(binaries, 'postgres'), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: folder,
    ...user,
  });
  let log = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilAccepting(url, server, () => log);
  } catch (error) {
    server.kill('SIGKILL');
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT'); // fast shutdown: disconnect clients, then stop
        const stubborn = setTimeout(() => server.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(stubborn);
      }
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A new empty database on the server of `adminUrl`, and a way to drop it. */
export async function createDatabase(
  adminUrl: string,
  prefix = 'tally_test',
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
