/**
 * A pool of connections to PostgreSQL that reads every `bigint` (and every exact sum) as a
 * JavaScript `bigint`, with the schema migrated on open.
 */
import pg from 'pg';
import type { Migration } from '../migration.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

export interface PostgresOptions {
  /** Connections in the pool: `TALLY_DB_POOL`, default 10. */
  poolSize?: number;
}

const INT8 = 20;
const NUMERIC = 1700;
/** Any fixed number: the key of the advisory lock that serialises migrations across servers. */
const MIGRATION_LOCK = 7_342_001;

const exactTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    // Sums of bigints are numeric; ours are whole numbers of micro-credits.
    if (oid === INT8 || oid === NUMERIC) return (value: string) => BigInt(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: exactTypes,
    application_name: 'tally',
  });
  // An idle connection that breaks (a restarted server) is dropped from the pool, not fatal.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, POSTGRES_MIGRATIONS);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return pool;
}

async function migrate(pool: pg.Pool, migrations: readonly Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Servers starting together wait here, one at a time; the later ones find nothing to do.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = await client.query<{ version: number }>(
      'SELECT version FROM schema_migrations',
    );
    const done = new Set(applied.rows.map((row) => row.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
