/**
 * An org's rows in every table of a test server's database that has an `org_id` column (found
 * from the schema, so tables added later are counted too), plus the HTTP idempotency responses
 * kept under the org's scopes. Tests use it to check that deleting an org leaves nothing of it.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import type { TestServer } from './server.js';

export interface OrgRows {
  /** Rows of the org, by table; tables without any are included with 0. */
  of(orgId: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const RESPONSES = 'http_responses (by scope)';

export async function openOrgRows(server: TestServer): Promise<OrgRows> {
  if (server.databaseUrl) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    return {
      async of(orgId) {
        const tables = await client.query<{ name: string }>(
          `SELECT table_name AS name FROM information_schema.columns
           WHERE table_schema = 'public' AND column_name = 'org_id'`,
        );
        const counted: Record<string, number> = {};
        for (const { name } of tables.rows) {
          const result = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${name}" WHERE org_id = $1`,
            [orgId],
          );
          counted[name] = result.rows[0]?.n ?? 0;
        }
        counted.orgs = (
          await client.query<{ n: number }>('SELECT count(*)::int AS n FROM orgs WHERE id = $1', [
            orgId,
          ])
        ).rows[0]?.n as number;
        counted[RESPONSES] = (
          await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM http_responses WHERE right(scope, length($1)) = $1',
            [`:${orgId}`],
          )
        ).rows[0]?.n as number;
        return counted;
      },
      close: () => client.end(),
    };
  }
  const db = new Database(join(server.dataDir, 'tally.db'), {
    readonly: true,
    fileMustExist: true,
  });
  const count = (sql: string, ...params: unknown[]) =>
    Number((db.prepare(sql).get(...params) as { n: number | bigint }).n);
  return {
    async of(orgId) {
      const tables = db
        .prepare(
          `SELECT m.name AS name FROM sqlite_master AS m, pragma_table_info(m.name) AS c
           WHERE m.type = 'table' AND c.name = 'org_id'`,
        )
        .all() as { name: string }[];
      const counted: Record<string, number> = {};
      for (const { name } of tables)
        counted[name] = count(`SELECT count(*) AS n FROM "${name}" WHERE org_id = ?`, orgId);
      counted.orgs = count('SELECT count(*) AS n FROM orgs WHERE id = ?', orgId);
      counted[RESPONSES] = count(
        'SELECT count(*) AS n FROM http_responses WHERE substr(scope, -length(@suffix)) = @suffix',
        { suffix: `:${orgId}` },
      );
      return counted;
    },
    close: async () => {
      db.close();
    },
  };
}

/** The tables of `rows` that still hold something. */
export function nonEmpty(rows: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(rows).filter(([, count]) => count > 0));
}
