/** First responses to idempotent HTTP writes, in the same PostgreSQL database. */
import type pg from 'pg';
import type { ResponseStore, StoredHttpResponse } from '../../api/idempotency.js';

export class PostgresResponseStore implements ResponseStore {
  constructor(private readonly pool: pg.Pool) {}

  async find(scope: string, key: string): Promise<StoredHttpResponse | undefined> {
    const result = await this.pool.query<{ request_hash: string; status: number; body: string }>(
      'SELECT request_hash, status, body FROM http_responses WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    const row = result.rows[0];
    return row ? { requestHash: row.request_hash, status: row.status, body: row.body } : undefined;
  }

  async save(scope: string, key: string, response: StoredHttpResponse, at: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO http_responses (scope, key, request_hash, status, body, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key) DO NOTHING`,
      [scope, key, response.requestHash, response.status, response.body, at],
    );
  }

  async purge(before: number): Promise<number> {
    const result = await this.pool.query('DELETE FROM http_responses WHERE created_at < $1', [
      before,
    ]);
    return result.rowCount ?? 0;
  }

  async deleteOrg(orgId: string): Promise<number> {
    // Compared as text, not with LIKE, where the `_` of org ids would match any character.
    const result = await this.pool.query(
      'DELETE FROM http_responses WHERE right(scope, length($1)) = $1',
      [`:${orgId}`],
    );
    return result.rowCount ?? 0;
  }
}
