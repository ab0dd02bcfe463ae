/**
 * The one table from refusal code to HTTP status, checked by the compiler for completeness, and
 * the one renderer of problem documents (RFC 9457, `application/problem+json`).
 */
import type { FastifyReply } from 'fastify';
import { formatCredits } from '../core/amount.js';
import type { Refusal, RefusalCode } from '../core/refusal.js';

export const HTTP_STATUS: Readonly<Record<RefusalCode, number>> = {
  invalid_request: 400,
  invalid_json: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  insufficient_credits: 402,
  forbidden: 403,
  csrf_token_invalid: 403,
  unknown_org: 404,
  unknown_grant: 404,
  unknown_hold: 404,
  unknown_charge: 404,
  unknown_key: 404,
  unknown_member: 404,
  not_found: 404,
  method_not_allowed: 405,
  org_exists: 409,
  member_exists: 409,
  at_before_latest_entry: 409,
  hold_not_pending: 409,
  refund_exceeds_charge: 409,
  idempotency_key_reused: 409,
  idempotency_key_in_use: 409,
  project_exists: 409,
  project_archived: 409,
  unknown_project: 404,
  unknown_allowance: 404,
  allowance_exceeded: 402,
  project_budget_exceeded: 402,
  grant_partly_spent: 409,
  unknown_plan: 404,
  plan_unavailable: 409,
  unknown_pack: 404,
  pack_unavailable: 409,
  unknown_purchase: 404,
  purchase_below_minimum: 422,
  purchase_above_maximum: 422,
  purchase_not_pending: 409,
  purchase_not_paid: 409,
  purchase_credits_used: 409,
  payment_provider_unavailable: 422,
  payment_provider_failed: 502,
  invoice_not_issued: 409,
  signature_missing: 400,
  signature_invalid: 400,
  signature_expired: 400,
  org_suspended: 409,
  confirmation_mismatch: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unknown_feature: 422,
  unknown_unit: 422,
  rate_limited: 429,
};

const TITLES: Readonly<Record<RefusalCode, string>> = {
  invalid_request: 'Invalid request',
  invalid_json: 'Malformed JSON',
  unauthenticated: 'Authentication required',
  invalid_credentials: 'Wrong email or password',
  insufficient_credits: 'Insufficient credits',
  forbidden: 'Not allowed for this role',
  csrf_token_invalid: 'Missing or wrong CSRF token',
  unknown_org: 'No such org',
  unknown_grant: 'No such grant',
  unknown_hold: 'No such hold',
  unknown_charge: 'No such charge',
  unknown_key: 'No such API key',
  unknown_member: 'No such member',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  org_exists: 'The org exists',
  member_exists: 'Already a member',
  at_before_latest_entry: 'Dated before the latest entry',
  hold_not_pending: 'The hold is not pending',
  refund_exceeds_charge: 'More than is left of the charge',
  idempotency_key_reused: 'Idempotency key used for another request',
  unknown_project: 'No such project',
  project_exists: 'The project exists',
  project_archived: 'The project is archived',
  project_budget_exceeded: "Over the project's budget",
  unknown_allowance: 'No such allowance',
  allowance_exceeded: "Over the user's allowance",
  grant_partly_spent: 'Part of the grant is used',
  unknown_plan: 'No such plan',
  plan_unavailable: 'The plan is archived',
  unknown_pack: 'No such credit pack',
  pack_unavailable: 'The credit pack is archived',
  unknown_purchase: 'No such purchase',
  purchase_below_minimum: 'Below the smallest purchase',
  purchase_above_maximum: 'Above the largest purchase',
  purchase_not_pending: 'The purchase is not pending',
  purchase_not_paid: 'The purchase is not paid',
  purchase_credits_used: "The purchase's credits are partly spent",
  payment_provider_unavailable: 'Payment provider not configured',
  payment_provider_failed: 'The payment provider failed',
  invoice_not_issued: 'No invoice yet',
  signature_missing: 'Webhook signature missing',
  signature_invalid: 'Webhook signature invalid',
  signature_expired: 'Webhook signature too old',
  org_suspended: 'The org is suspended',
  confirmation_mismatch: 'The confirmation does not match',
  idempotency_key_in_use: 'Idempotency key still in use',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported media type',
  unknown_feature: 'No such feature',
  unknown_unit: 'No such unit',
  rate_limited: 'Too many requests',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: RefusalCode;
  detail: string;
  [detail: string]: unknown;
}

/** Details speak the API's language: credits as decimal strings. */
function presentDetail(value: unknown): unknown {
  if (typeof value === 'bigint') return formatCredits(value);
  if (Array.isArray(value)) return value.map(presentDetail);
  return value;
}

export function problemOf(refusal: Refusal): Problem {
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(refusal.details)) details[key] = presentDetail(value);
  return {
    ...details,
    type: `urn:tally:problem:${refusal.code}`,
    title: TITLES[refusal.code],
    status: HTTP_STATUS[refusal.code],
    code: refusal.code,
    detail: refusal.message,
  };
}

export function sendProblem(reply: FastifyReply, refusal: Refusal): FastifyReply {
  const problem = problemOf(refusal);
  // RFC 9110: a 401 says how to authenticate.
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="tally"');
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** A refusal raised from hooks and handlers; the error handler renders it. */
export class RefusalError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

export function refusalError(
  code: RefusalCode,
  message: string,
  details: Record<string, unknown> = {},
): RefusalError {
  return new RefusalError({ code, message, details });
}
