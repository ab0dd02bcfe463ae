/** Rows of keys, members and sessions to records; the same columns in every adapter. */
import type { Role, Suspension } from '../access/model.js';
import type { StoredKey, StoredMember, StoredSession } from '../access/ports.js';

type Row = Record<string, unknown>;

const optionalNumber = (value: unknown): number | null =>
  value === null ? null : Number(value as bigint);

export function keyFromRow(row: Row): StoredKey {
  return {
    id: row.id as string,
    orgId: row.org_id as string,
    name: row.name as string,
    role: row.role as Role,
    prefix: row.prefix as string,
    secretHash: row.secret_hash as string,
    createdAt: Number(row.created_at as bigint),
    lastUsedAt: optionalNumber(row.last_used_at),
    revokedAt: optionalNumber(row.revoked_at),
  };
}

export function memberFromRow(row: Row): StoredMember {
  return {
    id: row.id as string,
    orgId: row.org_id as string,
    email: row.email as string,
    name: row.name as string,
    role: row.role as Role,
    passwordHash: row.password_hash as string,
    createdAt: Number(row.created_at as bigint),
  };
}

export function sessionFromRow(row: Row): StoredSession {
  return {
    id: row.id as string,
    memberId: row.member_id as string,
    orgId: row.org_id as string,
    secretHash: row.secret_hash as string,
    csrfToken: row.csrf_token as string,
    createdAt: Number(row.created_at as bigint),
    expiresAt: Number(row.expires_at as bigint),
  };
}

export function suspensionFromRow(row: Row): Suspension {
  return {
    orgId: row.org_id as string,
    suspendedAt: Number(row.suspended_at as bigint),
    reason: row.reason as string | null,
  };
}
