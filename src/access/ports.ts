import type { ApiKey, Member, Role, Session, Suspension } from './model.js';

export interface StoredKey extends ApiKey {
  readonly secretHash: string;
}

export interface StoredMember extends Member {
  readonly passwordHash: string;
}

export interface StoredSession extends Session {
  readonly secretHash: string;
}

/** Storage of keys, members and sessions. Secrets are only ever stored as hashes. */
export interface AccessStore {
  insertKey(key: StoredKey): Promise<void>;
  findKeyByHash(secretHash: string): Promise<StoredKey | undefined>;
  listKeys(orgId: string): Promise<ApiKey[]>;
  /** Revokes the org's key; false when it has no such key. */
  revokeKey(orgId: string, keyId: string, at: number): Promise<boolean>;
  touchKey(keyId: string, at: number): Promise<void>;

  /** False when the org already has a member with this email. */
  insertMember(member: StoredMember): Promise<boolean>;
  findMembersByEmail(email: string): Promise<StoredMember[]>;
  getMember(orgId: string, memberId: string): Promise<StoredMember | undefined>;
  listMembers(orgId: string): Promise<Member[]>;
  updateMember(
    orgId: string,
    memberId: string,
    changes: { name?: string; role?: Role; passwordHash?: string },
  ): Promise<StoredMember | undefined>;
  /** Removes the member and their sessions; false when the org has no such member. */
  deleteMember(orgId: string, memberId: string): Promise<boolean>;

  insertSession(session: StoredSession): Promise<void>;
  findSessionByHash(secretHash: string): Promise<StoredSession | undefined>;
  deleteSession(sessionId: string): Promise<void>;
  deleteExpiredSessions(before: number): Promise<number>;

  getSuspension(orgId: string): Promise<Suspension | undefined>;
  /** The suspensions of those of `orgIds` that are suspended, in one read. */
  listSuspensions(orgIds: readonly string[]): Promise<Suspension[]>;
  /** Suspends the org unless it is already: answers the suspension in force, the first one. */
  suspend(suspension: Suspension): Promise<Suspension>;
  /** Lifts the org's suspension; false when it had none. */
  resume(orgId: string): Promise<boolean>;
  /** Removes every key, member, session and suspension of the org, in one transaction. */
  deleteOrg(orgId: string): Promise<AccessRowCounts>;
}

/** What an org had in the access store. */
export interface AccessRowCounts {
  readonly apiKeys: number;
  readonly members: number;
  readonly sessions: number;
}
