import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Migration } from '../migration.js';
import { MIGRATIONS } from './migrations.js';

export interface SqliteDatabaseOptions {
  /** How long to wait for another process holding the write lock. */
  busyTimeoutMs?: number;
}

/**
 * Opens the file (creating it and its folder), sets the durability pragmas (WAL with
 * `synchronous=FULL`: a commit is on disk before it returns, rule 9) and applies the migrations
 * it lacks. Every integer is read as a `bigint`.
 */
export function openSqliteDatabase(
  path: string,
  options: SqliteDatabaseOptions = {},
): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.defaultSafeIntegers(true);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 10_000}`);
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const apply = db.transaction((migration: Migration) => {
    // Another process may have applied it while we waited for the lock.
    const done = db
      .prepare('SELECT 1 FROM schema_migrations WHERE version = ?')
      .get(migration.version);
    if (done) return;
    db.exec(migration.sql);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      migration.version,
      migration.name,
      new Date().toISOString(),
    );
  });
  for (const migration of MIGRATIONS) apply.immediate(migration);
}
