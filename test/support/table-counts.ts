/**
 * Rows per table of a test server's database, read beside the server (SQLite file or PostgreSQL
 * database), so tests can check that a refused request wrote nothing anywhere.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import type { TestServer } from './server.js';

export interface TableCounter {
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function openTableCounter(server: TestServer): Promise<TableCounter> {
  if (server.databaseUrl) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    return {
      async counts() {
        const tables = await client.query<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
        );
        const counted: [string, number][] = [];
        for (const { name } of tables.rows) {
          const result = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${name}"`,
          );
          counted.push([name, result.rows[0]?.n ?? 0]);
        }
        return Object.fromEntries(counted);
      },
      close: () => client.end(),
    };
  }
  const db = new Database(join(server.dataDir, 'tally.db'), {
    readonly: true,
    fileMustExist: true,
  });
  return {
    async counts() {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as { name: string }[];
      return Object.fromEntries(
        tables.map(({ name }) => [
          name,
          (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
        ]),
      );
    },
    close: async () => {
      db.close();
    },
  };
}
