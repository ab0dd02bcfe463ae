/** Keys, members and sessions in the same PostgreSQL database as the ledger. */
import type pg from 'pg';
import type { ApiKey, Member, Role, Suspension } from '../../access/model.js';
import type {
  AccessRowCounts,
  AccessStore,
  StoredKey,
  StoredMember,
  StoredSession,
} from '../../access/ports.js';
import { keyFromRow, memberFromRow, sessionFromRow, suspensionFromRow } from '../access-rows.js';

type Row = Record<string, unknown>;

export class PostgresAccessStore implements AccessStore {
  constructor(private readonly pool: pg.Pool) {}

  private async all(sql: string, ...params: unknown[]): Promise<Row[]> {
    return (await this.pool.query<Row>(sql, params)).rows;
  }

  private async run(sql: string, ...params: unknown[]): Promise<number> {
    return (await this.pool.query(sql, params)).rowCount ?? 0;
  }

  async insertKey(key: StoredKey): Promise<void> {
    await this.run(
      `INSERT INTO api_keys (id, org_id, name, role, prefix, secret_hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      key.id,
      key.orgId,
      key.name,
      key.role,
      key.prefix,
      key.secretHash,
      key.createdAt,
    );
  }

  async findKeyByHash(secretHash: string): Promise<StoredKey | undefined> {
    const [row] = await this.all('SELECT * FROM api_keys WHERE secret_hash = $1', secretHash);
    return row ? keyFromRow(row) : undefined;
  }

  async listKeys(orgId: string): Promise<ApiKey[]> {
    const rows = await this.all(
      'SELECT * FROM api_keys WHERE org_id = $1 ORDER BY created_at, id',
      orgId,
    );
    return rows.map((row) => {
      const { secretHash: _hash, ...key } = keyFromRow(row);
      return key;
    });
  }

  async revokeKey(orgId: string, keyId: string, at: number): Promise<boolean> {
    // Revoking twice keeps the first instant; an unknown or foreign key is not found.
    const [row] = await this.all(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE org_id = $1 AND id = $2
       RETURNING id`,
      orgId,
      keyId,
      at,
    );
    return row !== undefined;
  }

  async touchKey(keyId: string, at: number): Promise<void> {
    await this.run('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', keyId, at);
  }

  async insertMember(member: StoredMember): Promise<boolean> {
    const inserted = await this.run(
      `INSERT INTO members (id, org_id, email, name, role, password_hash, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, email) DO NOTHING`,
      member.id,
      member.orgId,
      member.email,
      member.name,
      member.role,
      member.passwordHash,
      member.createdAt,
    );
    return inserted > 0;
  }

  async findMembersByEmail(email: string): Promise<StoredMember[]> {
    const rows = await this.all(
      'SELECT * FROM members WHERE email = $1 ORDER BY created_at',
      email,
    );
    return rows.map(memberFromRow);
  }

  async getMember(orgId: string, memberId: string): Promise<StoredMember | undefined> {
    const [row] = await this.all(
      'SELECT * FROM members WHERE org_id = $1 AND id = $2',
      orgId,
      memberId,
    );
    return row ? memberFromRow(row) : undefined;
  }

  async listMembers(orgId: string): Promise<Member[]> {
    const rows = await this.all(
      'SELECT * FROM members WHERE org_id = $1 ORDER BY created_at, id',
      orgId,
    );
    return rows.map((row) => {
      const { passwordHash: _hash, ...member } = memberFromRow(row);
      return member;
    });
  }

  async updateMember(
    orgId: string,
    memberId: string,
    changes: { name?: string; role?: Role; passwordHash?: string },
  ): Promise<StoredMember | undefined> {
    // One statement: the member's new fields and, with a new password, the end of their
    // sessions everywhere.
    const [row] = await this.all(
      `WITH updated AS (
         UPDATE members SET name = COALESCE($3, name), role = COALESCE($4, role),
                            password_hash = COALESCE($5, password_hash)
         WHERE org_id = $1 AND id = $2 RETURNING *),
       signed_out AS (
         DELETE FROM sessions WHERE $5::text IS NOT NULL AND member_id IN (SELECT id FROM updated))
       SELECT * FROM updated`,
      orgId,
      memberId,
      changes.name ?? null,
      changes.role ?? null,
      changes.passwordHash ?? null,
    );
    return row ? memberFromRow(row) : undefined;
  }

  async deleteMember(orgId: string, memberId: string): Promise<boolean> {
    // Sessions go with the member (ON DELETE CASCADE).
    return (
      (await this.run('DELETE FROM members WHERE org_id = $1 AND id = $2', orgId, memberId)) > 0
    );
  }

  async insertSession(session: StoredSession): Promise<void> {
    await this.run(
      `INSERT INTO sessions (id, member_id, org_id, secret_hash, csrf_token, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      session.id,
      session.memberId,
      session.orgId,
      session.secretHash,
      session.csrfToken,
      session.createdAt,
      session.expiresAt,
    );
  }

  async findSessionByHash(secretHash: string): Promise<StoredSession | undefined> {
    const [row] = await this.all('SELECT * FROM sessions WHERE secret_hash = $1', secretHash);
    return row ? sessionFromRow(row) : undefined;
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.run('DELETE FROM sessions WHERE id = $1', sessionId);
  }

  async deleteExpiredSessions(before: number): Promise<number> {
    return this.run('DELETE FROM sessions WHERE expires_at <= $1', before);
  }

  async getSuspension(orgId: string): Promise<Suspension | undefined> {
    const [row] = await this.all('SELECT * FROM org_suspensions WHERE org_id = $1', orgId);
    return row ? suspensionFromRow(row) : undefined;
  }

  async listSuspensions(orgIds: readonly string[]): Promise<Suspension[]> {
    const rows = await this.all(
      'SELECT * FROM org_suspensions WHERE org_id = ANY($1) ORDER BY org_id',
      [...orgIds],
    );
    return rows.map(suspensionFromRow);
  }

  async suspend(suspension: Suspension): Promise<Suspension> {
    // One statement: the new suspension, or the one already in force.
    const [row] = await this.all(
      `WITH added AS (
         INSERT INTO org_suspensions (org_id, suspended_at, reason) VALUES ($1, $2, $3)
         ON CONFLICT (org_id) DO NOTHING RETURNING *)
       SELECT * FROM added UNION ALL SELECT * FROM org_suspensions WHERE org_id = $1`,
      suspension.orgId,
      suspension.suspendedAt,
      suspension.reason,
    );
    return row ? suspensionFromRow(row) : suspension;
  }

  async resume(orgId: string): Promise<boolean> {
    return (await this.run('DELETE FROM org_suspensions WHERE org_id = $1', orgId)) > 0;
  }

  async deleteOrg(orgId: string): Promise<AccessRowCounts> {
    // One statement, so one transaction: sessions, the suspension, keys and members together.
    const [row] = await this.all(
      `WITH sessions AS (DELETE FROM sessions WHERE org_id = $1 RETURNING 1),
            suspensions AS (DELETE FROM org_suspensions WHERE org_id = $1 RETURNING 1),
            keys AS (DELETE FROM api_keys WHERE org_id = $1 RETURNING 1),
            members AS (DELETE FROM members WHERE org_id = $1 RETURNING 1)
       SELECT (SELECT count(*) FROM keys) AS api_keys, (SELECT count(*) FROM members) AS members,
              (SELECT count(*) FROM sessions) AS sessions,
              (SELECT count(*) FROM suspensions) AS suspensions`,
      orgId,
    );
    return {
      apiKeys: Number(row?.api_keys ?? 0),
      members: Number(row?.members ?? 0),
      sessions: Number(row?.sessions ?? 0),
    };
  }
}
