/** First responses to idempotent HTTP writes, in the same SQLite file. */
import type Database from 'better-sqlite3';
import type { ResponseStore, StoredHttpResponse } from '../../api/idempotency.js';

export class SqliteResponseStore implements ResponseStore {
  constructor(private readonly db: Database.Database) {}

  async find(scope: string, key: string): Promise<StoredHttpResponse | undefined> {
    const row = this.db
      .prepare('SELECT request_hash, status, body FROM http_responses WHERE scope = ? AND key = ?')
      .get(scope, key) as { request_hash: string; status: bigint; body: string } | undefined;
    return row
      ? { requestHash: row.request_hash, status: Number(row.status), body: row.body }
      : undefined;
  }

  async save(scope: string, key: string, response: StoredHttpResponse, at: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO http_responses (scope, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, key) DO NOTHING`,
      )
      .run(scope, key, response.requestHash, response.status, response.body, at);
  }

  async purge(before: number): Promise<number> {
    return Number(
      this.db.prepare('DELETE FROM http_responses WHERE created_at < ?').run(before).changes,
    );
  }

  async deleteOrg(orgId: string): Promise<number> {
    // Compared as text, not with LIKE, where the `_` of org ids would match any character.
    return Number(
      this.db
        .prepare('DELETE FROM http_responses WHERE substr(scope, -length(@suffix)) = @suffix')
        .run({ suffix: `:${orgId}` }).changes,
    );
  }
}
