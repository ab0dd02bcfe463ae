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
  // Plans, packs, purchases and the org's life.
  | 'grant_partly_spent'
  | 'unknown_plan'
  | 'plan_unavailable'
  | 'unknown_pack'
  | 'pack_unavailable'
  | 'unknown_purchase'
  | 'purchase_below_minimum'
  | 'purchase_above_maximum'
  | 'purchase_not_pending'
  | 'purchase_not_paid'
  | 'purchase_credits_used'
  | 'payment_provider_unavailable'
  | 'payment_provider_failed'
  | 'invoice_not_issued'
  | 'signature_missing'
  | 'signature_invalid'
  | 'signature_expired'
  | 'org_suspended'
  | 'confirmation_mismatch'
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
