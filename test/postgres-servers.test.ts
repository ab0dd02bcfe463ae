/**
 * Several Tally servers on one PostgreSQL database, as behind a load balancer, hammered over HTTP
 * on one org. The race: 4 servers, 100 clients, more charges than the org can pay, some sent twice
 * at once to two servers with the same idempotency key: no overspend, every acknowledged charge in
 * the log exactly once, the sums agree. The crash: servers killed with SIGKILL under load and
 * started again while clients retry what went unanswered on another server: every acknowledged
 * charge is there, and each key took effect once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase } from './support/postgres-cluster.js';
import { postgresAdminUrl } from './support/postgres.js';
import { httpClient } from './support/server.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const adminUrl = postgresAdminUrl();
const ROOT_KEY = 'tly_root_servers_test';
const SERVERS = 4;

interface Cluster {
  servers: (ServerProcess | undefined)[];
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function startServers(): Promise<Cluster> {
  const database = await createDatabase(adminUrl as string);
  const env = { DATABASE_URL: database.url, TALLY_ROOT_KEY: ROOT_KEY, TALLY_DB_POOL: '4' };
  // Started together: the migrations must be applied once, whoever comes first.
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => startServerProcess(env)));
  return { servers, env, drop: () => database.drop() };
}

async function stopServers(cluster: Cluster): Promise<void> {
  for (const server of cluster.servers) {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }
  await cluster.drop();
}

/** A priced feature, an org with `credits` to spend, and an operator key for it. */
async function setUpOrg(url: string, credits: string): Promise<{ org: string; key: string }> {
  const root = httpClient(url, ROOT_KEY);
  const feature = await root.request('PUT', '/v1/features/image', {
    body: {
      name: 'Image',
      prices: [{ unit: 'action', credits: 1 }],
      effectiveAt: '2020-01-01T00:00:00Z',
    },
  });
  expect(feature.status).toBe(200);
  const org = await root.post('/v1/orgs', { name: 'Busy booth' });
  expect(org.status).toBe(201);
  const grant = await root.post(`/v1/orgs/${org.body.id}/grants`, { kind: 'purchase', credits });
  expect(grant.status).toBe(201);
  const key = await root.post(`/v1/orgs/${org.body.id}/api-keys`, {
    name: 'load',
    role: 'operator',
  });
  expect(key.status).toBe(201);
  return { org: org.body.id as string, key: key.body.secret as string };
}

/** Every succeeded charge in the org's log, read page by page. */
async function loggedCharges(url: string, org: string): Promise<Map<string, string>> {
  const api = httpClient(url, ROOT_KEY);
  const charges = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await api.get(
      `/v1/orgs/${org}/transactions?type=usage&status=succeeded&limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    for (const row of page.body.data as { id: string; credits: string }[]) {
      expect(charges.has(row.id)).toBe(false);
      charges.set(row.id, row.credits);
    }
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return charges;
}

describe.skipIf(!adminUrl)('several servers on one PostgreSQL', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    if (cluster) await stopServers(cluster);
    cluster = undefined;
  });

  it('never overspends one org charged through 4 servers at once', async () => {
    cluster = await startServers();
    const urls = cluster.servers.map((server) => (server as ServerProcess).url);
    const BALANCE = 2000;
    const ATTEMPTS = 2600;
    const { org, key } = await setUpOrg(urls[0] as string, String(BALANCE));
    const clients = urls.map((url) => httpClient(url, key));

    const statuses = new Map<number, number>();
    const chargeOfKey = new Map<string, string>();
    const surprises: string[] = [];
    let next = 0;
    let duplicates = 0;
    const charge = async (server: number, user: string, idempotencyKey: string) => {
      const answer = await (clients[server % SERVERS] as ReturnType<typeof httpClient>).post(
        `/v1/orgs/${org}/charges`,
        { feature: 'image', user },
        { 'idempotency-key': idempotencyKey },
      );
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status === 201) {
        const known = chargeOfKey.get(idempotencyKey);
        if (known && known !== answer.body.id) surprises.push(`${idempotencyKey} charged twice`);
        chargeOfKey.set(idempotencyKey, answer.body.id as string);
      } else if (answer.status !== 402 || answer.body.code !== 'insufficient_credits') {
        surprises.push(`${answer.status} ${answer.text}`);
      }
    };
    // Assertions wait until every client is done: a failure must not leave load running.
    await Promise.all(
      Array.from({ length: 100 }, async (_, worker) => {
        const user = `u${worker % 7}`;
        while (next < ATTEMPTS) {
          const attempt = next++;
          const idempotencyKey = `race-${attempt}`;
          if (attempt % 10 === 0) {
            // The same request twice at once, through two servers: it takes effect once.
            duplicates += 1;
            await Promise.all([
              charge(worker, user, idempotencyKey),
              charge(worker + 1, user, idempotencyKey),
            ]);
          } else {
            await charge(worker + attempt, user, idempotencyKey);
          }
        }
      }),
    );

    expect(surprises).toEqual([]);
    expect([...statuses.keys()].sort()).toEqual([201, 402]);
    const acknowledged = new Set(chargeOfKey.values());
    expect(acknowledged.size).toBe(BALANCE);
    const balance = await httpClient(urls[3] as string, key).get(`/v1/orgs/${org}/balance`);
    expect(balance.body.available).toBe('0');
    const logged = await loggedCharges(urls[2] as string, org);
    expect(new Set(logged.keys())).toEqual(acknowledged);
    expect([...logged.values()].every((credits) => credits === '-1')).toBe(true);
    expect(duplicates).toBeGreaterThan(200);
  });

  it('loses no acknowledged charge when servers are killed under load', async () => {
    cluster = await startServers();
    const running = cluster;
    const urlOf = (index: number) =>
      `http://127.0.0.1:${(running.servers[index] ?? { port: 0 }).port}`;
    const ports = running.servers.map((server) => (server as ServerProcess).port);
    const START = 1_000_000;
    const { org, key } = await setUpOrg(urlOf(0), String(START));

    let stopping = false;
    let next = 0;
    let retries = 0;
    const surprises: string[] = [];
    const acknowledged = new Map<string, string>();
    const load = Promise.all(
      Array.from({ length: 40 }, async (_, worker) => {
        while (!stopping) {
          const idempotencyKey = `crash-${worker}-${next++}`;
          // A client (or a load balancer) sends again what went unanswered, to any server, until
          // it is answered.
          for (let attempt = 0; ; attempt += 1) {
            const server = (worker + attempt) % SERVERS;
            try {
              const answer = await httpClient(`http://127.0.0.1:${ports[server]}`, key).post(
                `/v1/orgs/${org}/charges`,
                { feature: 'image' },
                { 'idempotency-key': idempotencyKey },
              );
              if (answer.status === 201) {
                acknowledged.set(idempotencyKey, answer.body.id as string);
                break;
              }
              if (answer.status < 500) {
                surprises.push(`${answer.status} ${answer.text}`);
                break;
              }
            } catch {
              // connection refused or cut: that server is down
            }
            retries += 1;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      }),
    );

    const KILLS = 8;
    for (let kill = 0; kill < KILLS; kill += 1) {
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.random() * 600));
      const victim = Math.floor(Math.random() * SERVERS);
      const server = running.servers[victim] as ServerProcess;
      server.child.kill('SIGKILL');
      await server.exited;
      running.servers[victim] = undefined;
      running.servers[victim] = await startServerProcess(running.env, ports[victim]);
    }
    stopping = true;
    await load;

    expect(surprises).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(500);
    expect(retries).toBeGreaterThan(0);
    const logged = await loggedCharges(urlOf(1), org);
    // Each key took effect exactly once, and every acknowledged charge is there.
    expect(logged.size).toBe(acknowledged.size);
    for (const id of acknowledged.values()) expect(logged.has(id)).toBe(true);
    const balance = await httpClient(urlOf(2), key).get(`/v1/orgs/${org}/balance`);
    expect(balance.body.available).toBe(String(START - acknowledged.size));
  });
});
