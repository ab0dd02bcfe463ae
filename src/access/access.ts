/**
 * Keys, members and sessions: who is calling and what they may do (rule 11 starts here: every
 * principal but root belongs to exactly one org).
 */
import { invalid, ok, refuse, type Result } from '../core/refusal.js';
import type { Clock, IdGenerator } from '../ledger/ports.js';
import {
  isRole,
  type ApiKey,
  type Member,
  type Principal,
  type Role,
  type Session,
  type Suspension,
} from './model.js';
import type { AccessRowCounts, AccessStore, StoredKey } from './ports.js';
import { hashPassword, hashSecret, newSecret, sameSecret, verifyPassword } from './secrets.js';

export const ROOT_KEY_PREFIX = 'tly_root_';
export const KEY_PREFIX = 'tly_';
export const SESSION_PREFIX = 'tls_';

export interface AccessOptions {
  store: AccessStore;
  /** The installation's root key, in clear: compared by hash. */
  rootKey: string;
  clock: Clock;
  ids: IdGenerator;
  /** How long a session lasts; default 12 hours. */
  sessionTtlMs?: number;
}

/** A key is looked up at most this often; revoking through this process takes effect at once. */
const KEY_CACHE_MS = 5_000;
/**
 * An org's suspension is looked up at most this often, as keys are: every write checks it. One
 * made or lifted through this process takes effect here at once, on other servers within this.
 */
const SUSPENSION_CACHE_MS = 5_000;
const MAX_REASON_LENGTH = 1000;
/** Last-used times are written at most this often per key, not on every request. */
const TOUCH_EVERY_MS = 60_000;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export class Access {
  private readonly store: AccessStore;
  private readonly rootHash: string;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly sessionTtlMs: number;
  private readonly keys = new Map<string, { key: StoredKey | undefined; until: number }>();
  private readonly touched = new Map<string, number>();
  private readonly suspensions = new Map<
    string,
    { suspension: Suspension | undefined; until: number }
  >();

  constructor(options: AccessOptions) {
    this.store = options.store;
    this.rootHash = hashSecret(options.rootKey);
    this.clock = options.clock;
    this.ids = options.ids;
    this.sessionTtlMs = options.sessionTtlMs ?? 12 * 3600 * 1000;
  }

  /** The principal of an `Authorization: Bearer` secret, or undefined for a wrong or revoked key. */
  async authenticateKey(secret: string): Promise<Principal | undefined> {
    const now = this.clock.now();
    // Cached by the secret itself, which the process holds anyway while serving the request:
    // hashing on every request would cost more than the rest of authentication.
    let cached = this.keys.get(secret);
    if (!cached || cached.until <= now) {
      const hash = hashSecret(secret);
      if (sameSecret(hash, this.rootHash)) return { kind: 'root' };
      const key = secret.startsWith(KEY_PREFIX) ? await this.store.findKeyByHash(hash) : undefined;
      cached = { key, until: now + KEY_CACHE_MS };
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(secret, cached);
    }
    const key = cached.key;
    if (!key || key.revokedAt !== null) return undefined;
    if ((this.touched.get(key.id) ?? 0) + TOUCH_EVERY_MS <= now) {
      this.touched.set(key.id, now);
      await this.store.touchKey(key.id, now);
    }
    return { kind: 'key', orgId: key.orgId, role: key.role, keyId: key.id };
  }

  async createKey(
    orgId: string,
    input: { name: string; role: Role },
  ): Promise<Result<{ key: ApiKey; secret: string }>> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200)
      return invalid('name', 'name must be 1 to 200 characters');
    if (!isRole(input.role)) return invalid('role', 'role must be admin, operator or viewer');
    const secret = newSecret(KEY_PREFIX);
    const key: StoredKey = {
      id: this.ids.next('key_'),
      orgId,
      name,
      role: input.role,
      prefix: secret.slice(0, KEY_PREFIX.length + 6),
      createdAt: this.clock.now(),
      lastUsedAt: null,
      revokedAt: null,
      secretHash: hashSecret(secret),
    };
    await this.store.insertKey(key);
    return ok({ key: publicKey(key), secret });
  }

  listKeys(orgId: string): Promise<ApiKey[]> {
    return this.store.listKeys(orgId);
  }

  async revokeKey(orgId: string, keyId: string): Promise<Result<void>> {
    const revoked = await this.store.revokeKey(orgId, keyId, this.clock.now());
    if (!revoked) return refuse('unknown_key', `no key ${keyId}`, { keyId });
    for (const [secret, cached] of this.keys)
      if (cached.key?.id === keyId) this.keys.delete(secret);
    return ok(undefined);
  }

  async createMember(
    orgId: string,
    input: { email: string; name: string; role: Role; password: string },
  ): Promise<Result<Member>> {
    const email = input.email.trim().toLowerCase();
    if (!EMAIL.test(email)) return invalid('email', 'email must be an email address');
    const checked = checkMemberFields(input);
    if (!checked.ok) return checked;
    const member = {
      id: this.ids.next('mem_'),
      orgId,
      email,
      name: input.name.trim(),
      role: input.role,
      createdAt: this.clock.now(),
      passwordHash: await hashPassword(input.password),
    };
    if (!(await this.store.insertMember(member))) {
      return refuse('member_exists', `${email} is already a member`, { email });
    }
    return ok(publicMember(member));
  }

  listMembers(orgId: string): Promise<Member[]> {
    return this.store.listMembers(orgId);
  }

  async getMember(orgId: string, memberId: string): Promise<Result<Member>> {
    const member = await this.store.getMember(orgId, memberId);
    return member
      ? ok(publicMember(member))
      : refuse('unknown_member', `no member ${memberId}`, { memberId });
  }

  async updateMember(
    orgId: string,
    memberId: string,
    input: { name?: string; role?: Role; password?: string },
  ): Promise<Result<Member>> {
    const checked = checkMemberFields(input);
    if (!checked.ok) return checked;
    const updated = await this.store.updateMember(orgId, memberId, {
      ...(input.name === undefined ? {} : { name: input.name.trim() }),
      ...(input.role === undefined ? {} : { role: input.role }),
      ...(input.password === undefined ? {} : { passwordHash: await hashPassword(input.password) }),
    });
    return updated
      ? ok(publicMember(updated))
      : refuse('unknown_member', `no member ${memberId}`, { memberId });
  }

  async removeMember(orgId: string, memberId: string): Promise<Result<void>> {
    const removed = await this.store.deleteMember(orgId, memberId);
    return removed
      ? ok(undefined)
      : refuse('unknown_member', `no member ${memberId}`, { memberId });
  }

  /**
   * Signs a member in with email and password. `org` picks the org when the email belongs to
   * members of several. The same refusal for a wrong email and a wrong password.
   */
  async login(input: {
    email: string;
    password: string;
    org?: string;
  }): Promise<Result<{ token: string; session: Session; member: Member }>> {
    const candidates = (
      await this.store.findMembersByEmail(input.email.trim().toLowerCase())
    ).filter((member) => input.org === undefined || member.orgId === input.org);
    const denied = refuse<never>('invalid_credentials', 'wrong email or password');
    if (candidates.length > 1) {
      return invalid('org', 'this email belongs to members of several orgs: say which org');
    }
    const member = candidates[0];
    // Hash even when no member matched, so that timing does not tell which emails exist.
    const valid = await verifyPassword(input.password, member?.passwordHash ?? DUMMY_HASH);
    if (!member || !valid) return denied;
    const token = newSecret(SESSION_PREFIX);
    const now = this.clock.now();
    const session = {
      id: this.ids.next('ses_'),
      memberId: member.id,
      orgId: member.orgId,
      csrfToken: newSecret(''),
      createdAt: now,
      expiresAt: now + this.sessionTtlMs,
      secretHash: hashSecret(token),
    };
    await this.store.insertSession(session);
    await this.store.deleteExpiredSessions(now);
    const { secretHash: _hash, ...visible } = session;
    return ok({ token, session: visible, member: publicMember(member) });
  }

  /** The member behind a session cookie, with the session's CSRF token. */
  async authenticateSession(token: string): Promise<Principal | undefined> {
    if (!token.startsWith(SESSION_PREFIX)) return undefined;
    const session = await this.store.findSessionByHash(hashSecret(token));
    if (!session || session.expiresAt <= this.clock.now()) return undefined;
    const member = await this.store.getMember(session.orgId, session.memberId);
    if (!member) return undefined;
    const { secretHash: _hash, ...visible } = session;
    return {
      kind: 'member',
      orgId: member.orgId,
      role: member.role,
      memberId: member.id,
      session: visible,
    };
  }

  logout(session: Session): Promise<void> {
    return this.store.deleteSession(session.id);
  }

  /** The org's suspension as stored now, or undefined when it is not suspended. */
  async suspensionOf(orgId: string): Promise<Suspension | undefined> {
    const suspension = await this.store.getSuspension(orgId);
    this.remember(orgId, suspension);
    return suspension;
  }

  /** The suspensions of several orgs in one read (a page of the org list), by org id. */
  async suspensionsOf(orgIds: readonly string[]): Promise<Map<string, Suspension>> {
    const found = new Map(
      (await this.store.listSuspensions(orgIds)).map((suspension) => [
        suspension.orgId,
        suspension,
      ]),
    );
    for (const orgId of orgIds) this.remember(orgId, found.get(orgId));
    return found;
  }

  /** Refuses writes to a suspended org (`org_suspended`); cheap enough for every write. */
  async checkWritable(orgId: string): Promise<Result<void>> {
    const cached = this.suspensions.get(orgId);
    const suspension =
      cached && cached.until > this.clock.now()
        ? cached.suspension
        : await this.suspensionOf(orgId);
    if (!suspension) return ok(undefined);
    return refuse('org_suspended', `org ${orgId} is suspended: resume it to write again`, {
      org: orgId,
      suspendedAt: new Date(suspension.suspendedAt).toISOString(),
      reason: suspension.reason,
    });
  }

  /**
   * Suspends the org (which the caller has checked exists): its writes are refused until it is
   * resumed. Suspending a suspended org keeps the first suspension.
   */
  async suspendOrg(orgId: string, reason?: string | null): Promise<Result<Suspension>> {
    const text = reason?.trim() || null;
    if (text !== null && text.length > MAX_REASON_LENGTH) {
      return invalid('reason', `reason may be at most ${MAX_REASON_LENGTH} characters`);
    }
    const suspension = await this.store.suspend({
      orgId,
      suspendedAt: this.clock.now(),
      reason: text,
    });
    this.remember(orgId, suspension);
    return ok(suspension);
  }

  /** Lifts the org's suspension, if it has one. */
  async resumeOrg(orgId: string): Promise<void> {
    await this.store.resume(orgId);
    this.remember(orgId, undefined);
  }

  /**
   * Removes the org's keys, members, sessions and suspension. Its keys stop working in this
   * process at once (and on other servers within the key cache's few seconds, where the org
   * itself is gone by then).
   */
  async deleteOrg(orgId: string): Promise<AccessRowCounts> {
    const removed = await this.store.deleteOrg(orgId);
    for (const [secret, cached] of this.keys)
      if (cached.key?.orgId === orgId) this.keys.delete(secret);
    this.suspensions.delete(orgId);
    return removed;
  }

  private remember(orgId: string, suspension: Suspension | undefined): void {
    if (this.suspensions.size > 10_000) this.suspensions.clear();
    this.suspensions.set(orgId, { suspension, until: this.clock.now() + SUSPENSION_CACHE_MS });
  }
}

const DUMMY_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

function checkMemberFields(input: { name?: string; role?: Role; password?: string }): Result<void> {
  if (input.name !== undefined && (input.name.trim().length === 0 || input.name.length > 200)) {
    return invalid('name', 'name must be 1 to 200 characters');
  }
  if (input.role !== undefined && !isRole(input.role)) {
    return invalid('role', 'role must be admin, operator or viewer');
  }
  if (input.password !== undefined && (input.password.length < 8 || input.password.length > 200)) {
    return invalid('password', 'a password has 8 to 200 characters');
  }
  return ok(undefined);
}

function publicKey(key: StoredKey): ApiKey {
  const { secretHash: _hash, ...visible } = key;
  return visible;
}

function publicMember<T extends Member & { passwordHash?: string }>(member: T): Member {
  return {
    id: member.id,
    orgId: member.orgId,
    email: member.email,
    name: member.name,
    role: member.role,
    createdAt: member.createdAt,
  };
}
