/**
 * Expected refusals are values, not exceptions: each has a stable snake_case code that clients
 * may rely on, a human message, and typed details. Only bugs and infrastructure failures throw.
 */

export type RefusalCode =
  | 'invalid_request'
  | 'insufficient_credits'
  | 'unknown_feature'
  | 'unknown_unit'
  | 'unknown_org'
  | 'unknown_grant'
  | 'unknown_hold'
  | 'unknown_charge'
  | 'org_exists'
  | 'at_before_latest_entry'
  | 'hold_not_pending'
  | 'refund_exceeds_charge'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_use'
  | 'unknown_project'
  | 'project_exists'
  | 'project_archived'
  | 'project_budget_exceeded'
  | 'unknown_allowance'
  | 'allowance_exceeded'
  // Access and the HTTP edge.
  | 'invalid_json'
  | 'unauthenticated'
  | 'forbidden'
  | 'csrf_token_invalid'
  | 'invalid_credentials'
  | 'unknown_key'
  | 'unknown_member'
  | 'member_exists'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited';

export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function refuse<T = never>(
  code: RefusalCode,
  message: string,
  details: Record<string, unknown> = {},
): Result<T> {
  return { ok: false, refusal: { code, message, details } };
}

/** A refusal of bad input, naming the field at fault so that clients can point at it. */
export function invalid<T = never>(field: string, message: string): Result<T> {
  return refuse('invalid_request', message, { field });
}
