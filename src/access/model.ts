/** Who may do what: roles, API keys, members and their sessions. */

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Roles nest: an admin may do all an operator may, an operator all a viewer may. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export interface ApiKey {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly role: Role;
  /** The first characters of the secret, to tell keys apart in lists. */
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export interface Member {
  readonly id: string;
  readonly orgId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
}

export interface Session {
  readonly id: string;
  readonly memberId: string;
  readonly orgId: string;
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** An org whose writes are refused until it is resumed; its credits and history are kept. */
export interface Suspension {
  readonly orgId: string;
  readonly suspendedAt: number;
  readonly reason: string | null;
}

/** Who is calling: the installation's root, an org's API key, or a member signed in. */
export type Principal =
  | { readonly kind: 'root' }
  | { readonly kind: 'key'; readonly orgId: string; readonly role: Role; readonly keyId: string }
  | {
      readonly kind: 'member';
      readonly orgId: string;
      readonly role: Role;
      readonly memberId: string;
      readonly session: Session;
    };
