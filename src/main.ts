/**
 * The composition root: the only place that picks concrete adapters. Library users open a ledger
 * here; `npm start` and `tally serve` start the HTTP server here.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Access, ROOT_KEY_PREFIX } from './access/access.js';
import { newSecret } from './access/secrets.js';
import { buildServer } from './api/server.js';
import { Reports } from './reports/reports.js';
import type { ReportStore } from './reports/ports.js';
import { createLedger, type Ledger } from './ledger/ledger.js';
import { randomIds, systemClock } from './ledger/system.js';
import type { AccessStore } from './access/ports.js';
import type { ResponseStore } from './api/idempotency.js';
import type { LedgerStore } from './ledger/ports.js';
import { PostgresAccessStore } from './store/postgres/postgres-access-store.js';
import { openPostgres } from './store/postgres/postgres-database.js';
import { PostgresResponseStore } from './store/postgres/postgres-response-store.js';
import { PostgresStore } from './store/postgres/postgres-store.js';
import { SqliteAccessStore } from './store/sqlite/sqlite-access-store.js';
import { openSqliteDatabase } from './store/sqlite/sqlite-database.js';
import { SqliteResponseStore } from './store/sqlite/sqlite-response-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import { SqliteBillingStore } from './store/sqlite/sqlite-billing-store.js';
import { PostgresBillingStore } from './store/postgres/postgres-billing-store.js';
import { Billing, type WebhookReader } from './billing/billing.js';
import type { PaymentProviderName } from './billing/model.js';
import type { BillingStore, PaymentProvider } from './billing/ports.js';
import { ManualProvider } from './billing/providers/manual-provider.js';
import { StripeProvider } from './billing/providers/stripe-provider.js';
import { readStripeEvent } from './billing/providers/stripe-events.js';
import { credits as toMicros } from './core/amount.js';
import type { Clock } from './ledger/ports.js';
import type { Ledger as LedgerPort } from './ledger/ledger.js';

export { credits, formatCredits, parseCredits, MICROS_PER_CREDIT } from './core/amount.js';
export type { Micros } from './core/amount.js';
export type { Refusal, RefusalCode, Result } from './core/refusal.js';
export type { Ledger, Statement, WriteResult } from './ledger/ledger.js';

export interface OpenLedgerOptions {
  /** Where the embedded database lives; default `TALLY_DATA_DIR` or `./data`. */
  dataDir?: string;
  /** A `postgres://` URL: use PostgreSQL instead of the embedded database. */
  databaseUrl?: string;
  /** Connections to PostgreSQL; default `TALLY_DB_POOL` or 10. */
  poolSize?: number;
}

export interface OpenedLedger {
  ledger: Ledger;
  /** Waits for pending writes to commit, then closes the database. */
  close(): Promise<void>;
}

const databasePath = (dataDir: string) => join(dataDir, 'tally.db');

/** Every store Tally needs, on one database, and the way to close it. */
interface Stores {
  ledger: LedgerStore & ReportStore;
  access: AccessStore;
  billing: BillingStore;
  responses: ResponseStore;
  /** Where the data lives, for the start-up banner. */
  where: string;
  /** True while the database answers. */
  ready(): Promise<boolean>;
  /** Waits for pending writes to commit, then closes the database. */
  close(): Promise<void>;
}

function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

async function openStores(options: OpenLedgerOptions): Promise<Stores> {
  const url = options.databaseUrl;
  if (url !== undefined && url !== '') {
    if (!isPostgresUrl(url)) {
      throw new Error('DATABASE_URL must be a postgres:// URL (or unset, for the embedded SQLite)');
    }
    const pool = await openPostgres(url, { poolSize: options.poolSize ?? 10 });
    const ledger = new PostgresStore(pool);
    return {
      ledger,
      where: `PostgreSQL at ${new URL(url).host} (pool of ${options.poolSize ?? 10})`,
      access: new PostgresAccessStore(pool),
      billing: new PostgresBillingStore(pool),
      responses: new PostgresResponseStore(pool),
      ready: async () => (await pool.query('SELECT 1')).rowCount === 1,
      async close() {
        await ledger.close();
        await pool.end();
      },
    };
  }
  const path = databasePath(options.dataDir ?? './data');
  const database = openSqliteDatabase(path);
  const ledger = new SqliteStore({ database });
  return {
    ledger,
    where: `SQLite at ${path}`,
    access: new SqliteAccessStore(database),
    billing: new SqliteBillingStore(database),
    responses: new SqliteResponseStore(database),
    ready: async () => database.open && database.prepare('SELECT 1').get() !== undefined,
    async close() {
      await ledger.close();
      database.close();
    },
  };
}

function poolSizeFrom(env: NodeJS.ProcessEnv): number | undefined {
  if (env.TALLY_DB_POOL === undefined) return undefined;
  const size = Number(env.TALLY_DB_POOL);
  if (!Number.isInteger(size) || size < 1)
    throw new Error('TALLY_DB_POOL must be a whole number above 0');
  return size;
}

export async function openLedger(options: OpenLedgerOptions = {}): Promise<OpenedLedger> {
  const stores = await openStores({
    dataDir: options.dataDir ?? process.env.TALLY_DATA_DIR ?? './data',
    databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL,
    poolSize: options.poolSize ?? poolSizeFrom(process.env),
  });
  const ledger = createLedger({ store: stores.ledger, clock: systemClock, ids: randomIds });
  return { ledger, close: () => stores.close() };
}

export interface StartedServer {
  url: string;
  /** Stops taking requests, lets those in flight finish and commit, then closes the database. */
  close(): Promise<void>;
}

/** The root key from `TALLY_ROOT_KEY`, or the one in the data folder, or a new one saved there. */
function rootKeyFor(
  dataDir: string,
  env: NodeJS.ProcessEnv,
): { key: string; created: boolean; path: string } {
  const path = join(dataDir, 'root-key');
  if (env.TALLY_ROOT_KEY) return { key: env.TALLY_ROOT_KEY, created: false, path };
  if (existsSync(path)) return { key: readFileSync(path, 'utf8').trim(), created: false, path };
  const key = newSecret(ROOT_KEY_PREFIX);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { key, created: true, path };
}

export async function startServer(env: NodeJS.ProcessEnv = process.env): Promise<StartedServer> {
  const host = env.HOST ?? '127.0.0.1';
  const port = Number(env.PORT ?? 4000);
  const dataDir = env.TALLY_DATA_DIR ?? './data';
  const stores = await openStores({
    dataDir,
    databaseUrl: env.DATABASE_URL,
    poolSize: poolSizeFrom(env),
  });
  const clock = systemClock;
  const ledger = createLedger({ store: stores.ledger, clock, ids: randomIds });
  const reports = new Reports(ledger, stores.ledger, clock);
  // An installation upgraded from before rollups builds them from its history, once.
  await reports.buildPending((orgId, index, count) =>
    console.log(`Building rollups from the history of org ${orgId} (${index + 1} of ${count})`),
  );
  const root = rootKeyFor(dataDir, env);
  const access = new Access({
    store: stores.access,
    rootKey: root.key,
    clock,
    ids: randomIds,
  });
  const { responses } = stores;
  const billing = billingFrom(env, { store: stores.billing, ledger, clock, host, port });
  const app = await buildServer({
    ledger,
    reports,
    billing,
    billingStore: stores.billing,
    access,
    responses,
    clock,
    ready: () => stores.ready().catch(() => false),
    logger: { level: env.LOG_LEVEL ?? 'info' },
    rateLimitPerSecond: Number(env.TALLY_RATE_LIMIT ?? 1000),
    secureCookies: env.TALLY_SECURE_COOKIES === 'true',
  });
  // Expiries, lapsed holds and new periods are written to the log soon after they fall due (reads
  // compute them anyway); idempotency keys are kept 30 days (rule 7), then forgotten.
  const advancing = setInterval(
    () =>
      void ledger
        .advanceDue()
        .catch((error: unknown) => app.log.error({ err: error }, 'advance failed')),
    60_000,
  );
  const housekeeping = setInterval(() => {
    void ledger.purgeIdempotencyKeys();
    void responses.purge(clock.now() - 30 * 24 * 3600 * 1000);
  }, 3600_000);
  advancing.unref();
  housekeeping.unref();

  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host}:${boundPort}`;
  if (root.created) {
    console.log(`Root key (shown once; kept in ${root.path}): ${root.key}`);
  } else if (!env.TALLY_ROOT_KEY) {
    console.log(`Root key: in ${root.path}`);
  }
  if (!env.TALLY_ROOT_KEY && env.DATABASE_URL) {
    // Each server would otherwise answer to a root key of its own folder.
    console.log('Several servers on this database? Give each the same TALLY_ROOT_KEY.');
  }
  console.log(`Data: ${stores.where}`);
  console.log(`Tally listening on ${url}`);
  return {
    url,
    async close() {
      clearInterval(housekeeping);
      clearInterval(advancing);
      await app.close();
      await stores.close();
    },
  };
}

function wholeCreditsFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): bigint {
  const text = env[name];
  if (text === undefined || text === '') return toMicros(fallback);
  if (!/^\d{1,12}$/.test(text)) throw new Error(`${name} must be a whole number of credits`);
  return toMicros(BigInt(text));
}

/**
 * Billing as the environment configures it: `manual` payments always, Stripe when
 * STRIPE_SECRET_KEY is set (its webhook needs STRIPE_WEBHOOK_SECRET), the smallest and largest
 * custom purchase, and the seller printed on invoices.
 */
function billingFrom(
  env: NodeJS.ProcessEnv,
  parts: { store: BillingStore; ledger: LedgerPort; clock: Clock; host: string; port: number },
): Billing {
  const providers = new Map<PaymentProviderName, PaymentProvider>([
    ['manual', new ManualProvider()],
  ]);
  const webhookReaders = new Map<PaymentProviderName, WebhookReader>();
  const publicUrl = env.TALLY_PUBLIC_URL ?? `http://${parts.host}:${parts.port}`;
  if (env.STRIPE_SECRET_KEY) {
    providers.set(
      'stripe',
      new StripeProvider({
        secretKey: env.STRIPE_SECRET_KEY,
        ...(env.STRIPE_API_BASE ? { apiBase: env.STRIPE_API_BASE } : {}),
        defaultReturnUrl: `${publicUrl}/`,
        now: () => parts.clock.now(),
      }),
    );
    const secret = env.STRIPE_WEBHOOK_SECRET;
    if (secret) {
      webhookReaders.set('stripe', (raw, signature) =>
        readStripeEvent(raw, signature, secret, parts.clock.now()),
      );
    } else {
      console.log('STRIPE_WEBHOOK_SECRET is unset: payments are confirmed only by re-checking.');
    }
  }
  const provider = env.TALLY_PAYMENT_PROVIDER ?? (providers.has('stripe') ? 'stripe' : 'manual');
  if (provider !== 'manual' && provider !== 'stripe') {
    throw new Error('TALLY_PAYMENT_PROVIDER must be manual or stripe');
  }
  if (!providers.has(provider)) throw new Error(`${provider} payments need STRIPE_SECRET_KEY`);
  const address = env.TALLY_INVOICE_ADDRESS ?? '';
  return new Billing({
    store: parts.store,
    ledger: parts.ledger,
    providers,
    defaultProvider: provider,
    limits: {
      customMinimum: wholeCreditsFrom(env, 'TALLY_PURCHASE_MIN_CREDITS', 1000),
      customMaximum: wholeCreditsFrom(env, 'TALLY_PURCHASE_MAX_CREDITS', 10_000_000),
    },
    seller: {
      name: env.TALLY_INVOICE_SELLER ?? 'Tally',
      addressLines: address
        .split('|')
        .map((line) => line.trim())
        .filter(Boolean),
    },
    webhookReaders,
    clock: parts.clock,
    ids: randomIds,
  });
}

/** Runs the server until SIGTERM or SIGINT, then stops cleanly. */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const server = await startServer(env);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`Tally stopping (${signal}): finishing requests in flight`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) await serve();
