/** Keys, members and sessions in the same SQLite file as the ledger. */
import type Database from 'better-sqlite3';
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

export class SqliteAccessStore implements AccessStore {
  constructor(private readonly db: Database.Database) {}

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  private run(sql: string, ...params: unknown[]): number {
    return Number(this.db.prepare(sql).run(...params).changes);
  }

  async insertKey(key: StoredKey): Promise<void> {
    this.run(
      `INSERT INTO api_keys (id, org_id, name, role, prefix, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
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
    const row = this.get('SELECT * FROM api_keys WHERE secret_hash = ?', secretHash);
    return row ? keyFromRow(row) : undefined;
  }

  async listKeys(orgId: string): Promise<ApiKey[]> {
    return this.all('SELECT * FROM api_keys WHERE org_id = ? ORDER BY created_at, id', orgId).map(
      (row) => {
        const { secretHash: _hash, ...key } = keyFromRow(row);
        return key;
      },
    );
  }

  async revokeKey(orgId: string, keyId: string, at: number): Promise<boolean> {
    const found = this.get(
      'SELECT revoked_at FROM api_keys WHERE org_id = ? AND id = ?',
      orgId,
      keyId,
    );
    if (!found) return false;
    this.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', at, keyId);
    return true;
  }

  async touchKey(keyId: string, at: number): Promise<void> {
    this.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', at, keyId);
  }

  async insertMember(member: StoredMember): Promise<boolean> {
    return (
      this.run(
        `INSERT INTO members (id, org_id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id, email) DO NOTHING`,
        member.id,
        member.orgId,
        member.email,
        member.name,
        member.role,
        member.passwordHash,
        member.createdAt,
      ) > 0
    );
  }

  async findMembersByEmail(email: string): Promise<StoredMember[]> {
    return this.all('SELECT * FROM members WHERE email = ? ORDER BY created_at', email).map(
      memberFromRow,
    );
  }

  async getMember(orgId: string, memberId: string): Promise<StoredMember | undefined> {
    const row = this.get('SELECT * FROM members WHERE org_id = ? AND id = ?', orgId, memberId);
    return row ? memberFromRow(row) : undefined;
  }

  async listMembers(orgId: string): Promise<Member[]> {
    return this.all('SELECT * FROM members WHERE org_id = ? ORDER BY created_at, id', orgId).map(
      (row) => {
        const { passwordHash: _hash, ...member } = memberFromRow(row);
        return member;
      },
    );
  }

  async updateMember(
    orgId: string,
    memberId: string,
    changes: { name?: string; role?: Role; passwordHash?: string },
  ): Promise<StoredMember | undefined> {
    const update = this.db.transaction(() => {
      if (changes.name !== undefined)
        this.run(
          'UPDATE members SET name = ? WHERE org_id = ? AND id = ?',
          changes.name,
          orgId,
          memberId,
        );
      if (changes.role !== undefined)
        this.run(
          'UPDATE members SET role = ? WHERE org_id = ? AND id = ?',
          changes.role,
          orgId,
          memberId,
        );
      if (changes.passwordHash !== undefined) {
        this.run(
          'UPDATE members SET password_hash = ? WHERE org_id = ? AND id = ?',
          changes.passwordHash,
          orgId,
          memberId,
        );
        // A new password signs the member out everywhere.
        this.run('DELETE FROM sessions WHERE member_id = ?', memberId);
      }
    });
    update.immediate();
    return this.getMember(orgId, memberId);
  }

  async deleteMember(orgId: string, memberId: string): Promise<boolean> {
    const remove = this.db.transaction(() => {
      this.run('DELETE FROM sessions WHERE member_id = ? AND org_id = ?', memberId, orgId);
      return this.run('DELETE FROM members WHERE org_id = ? AND id = ?', orgId, memberId) > 0;
    });
    return remove.immediate();
  }

  async insertSession(session: StoredSession): Promise<void> {
    this.run(
      `INSERT INTO sessions (id, member_id, org_id, secret_hash, csrf_token, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
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
    const row = this.get('SELECT * FROM sessions WHERE secret_hash = ?', secretHash);
    return row ? sessionFromRow(row) : undefined;
  }

  async deleteSession(sessionId: string): Promise<void> {
    this.run('DELETE FROM sessions WHERE id = ?', sessionId);
  }

  async deleteExpiredSessions(before: number): Promise<number> {
    return this.run('DELETE FROM sessions WHERE expires_at <= ?', before);
  }

  async getSuspension(orgId: string): Promise<Suspension | undefined> {
    const row = this.get('SELECT * FROM org_suspensions WHERE org_id = ?', orgId);
    return row ? suspensionFromRow(row) : undefined;
  }

  async listSuspensions(orgIds: readonly string[]): Promise<Suspension[]> {
    // The ids as one JSON parameter: a page of a thousand orgs stays one statement.
    return this.all(
      'SELECT * FROM org_suspensions WHERE org_id IN (SELECT value FROM json_each(?)) ORDER BY org_id',
      JSON.stringify(orgIds),
    ).map(suspensionFromRow);
  }

  async suspend(suspension: Suspension): Promise<Suspension> {
    this.run(
      `INSERT INTO org_suspensions (org_id, suspended_at, reason) VALUES (?, ?, ?)
       ON CONFLICT (org_id) DO NOTHING`,
      suspension.orgId,
      suspension.suspendedAt,
      suspension.reason,
    );
    return (await this.getSuspension(suspension.orgId)) ?? suspension;
  }

  async resume(orgId: string): Promise<boolean> {
    return this.run('DELETE FROM org_suspensions WHERE org_id = ?', orgId) > 0;
  }

  async deleteOrg(orgId: string): Promise<AccessRowCounts> {
    const remove = this.db.transaction(() => {
      const sessions = this.run('DELETE FROM sessions WHERE org_id = ?', orgId);
      this.run('DELETE FROM org_suspensions WHERE org_id = ?', orgId);
      return {
        apiKeys: this.run('DELETE FROM api_keys WHERE org_id = ?', orgId),
        members: this.run('DELETE FROM members WHERE org_id = ?', orgId),
        sessions,
      };
    });
    return remove.immediate();
  }
}
