/**
 * The one set of schemas: they validate requests and produce the OpenAPI document, so the two
 * cannot drift. Amounts travel as decimal strings (numbers are accepted in requests and checked
 * for exactness by the handlers, which name the field at fault).
 */
import { z } from 'zod';
import { GRANT_KINDS } from '../core/grant.js';
import { ROLES } from '../access/model.js';
import { TRANSACTION_STATUSES, TRANSACTION_TYPES } from '../ledger/model.js';

export const amountInput = z
  .union([z.string().max(40), z.number()])
  .describe('Credits as a decimal string ("1500", "0.0015") or a JSON number; at most 6 decimals');
export const amount = z.string().describe('Credits as a decimal string with at most 6 decimals');
export const instantInput = z
  .string()
  .max(40)
  .describe('ISO 8601 timestamp with offset, e.g. 2026-03-01T09:30:00+01:00');
export const instant = z.string().describe('ISO 8601 timestamp (UTC)');
const text = (max: number) => z.string().max(max);
export const name = z.string().min(1).max(200);
const metadata = z.record(z.string(), z.unknown()).describe('Free-form JSON object, at most 8 KiB');
const quantities = z
  .record(z.string(), z.union([z.number(), z.string().max(40)]))
  .describe('Units consumed, e.g. {"input_tokens": 1200, "output_tokens": 350}');

export const orgParams = z.object({ org: z.string().min(1).max(64) });
export const holdParams = orgParams.extend({ id: z.string().min(1).max(64) });
export const idParams = holdParams;
export const featureParams = z.object({ feature: z.string().min(1).max(64) });

export const createOrgBody = z.object({
  name,
  timezone: z.string().max(64).optional(),
  plan: z.string().max(64).nullable().optional(),
  allowance: z.object({ credits: amountInput }).optional(),
  at: instantInput.optional(),
});

export const orgResponse = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  plan: z.string().nullable(),
  createdAt: instant,
  suspendedAt: instant.nullable().describe('Since when its writes are refused; null when active'),
  suspendReason: z.string().nullable(),
});

const priceLine = z.object({
  unit: z.string().max(64),
  credits: amountInput,
  per: z
    .union([z.number(), z.string().max(40)])
    .optional()
    .describe('Units the credits pay for; default 1'),
});

export const putFeatureBody = z.object({
  name,
  prices: z.array(priceLine).min(1).max(20),
  effectiveAt: instantInput.optional(),
});

export const featureResponse = z.object({
  id: z.string(),
  name: z.string(),
  prices: z.array(z.object({ unit: z.string(), credits: amount, per: z.string() })),
  effectiveAt: instant,
});
export const featureListResponse = z.object({ data: z.array(featureResponse) });

export const grantBody = z.object({
  kind: z.enum(GRANT_KINDS),
  credits: amountInput,
  effectiveAt: instantInput.optional(),
  expiresAt: instantInput.nullable().optional(),
  priority: z.number().int().min(0).max(100).optional(),
  recurrence: z.enum(['monthly']).nullable().optional(),
  note: text(1000).nullable().optional(),
  at: instantInput.optional(),
});

export const grantResponse = z.object({
  id: z.string(),
  kind: z.enum(GRANT_KINDS),
  credits: amount,
  remaining: amount,
  held: amount,
  effectiveAt: instant,
  expiresAt: instant.nullable(),
  priority: z.number(),
  note: z.string().nullable(),
  recurrence: z.enum(['monthly']).nullable(),
});

export const grantsQuery = z.object({
  active: z.enum(['true', 'false']).optional(),
  at: instantInput.optional(),
});

const attribution = {
  user: text(200).nullable().optional(),
  project: text(200).nullable().optional(),
  model: text(200).nullable().optional(),
  note: text(1000).nullable().optional(),
  metadata: metadata.nullable().optional(),
};

export const chargeBody = z.object({
  feature: z.string().min(1).max(64),
  quantities: quantities.optional(),
  status: z.enum(['succeeded', 'failed']).optional(),
  at: instantInput.optional(),
  ...attribution,
});

const draw = z.object({ grantId: z.string(), kind: z.enum(GRANT_KINDS), credits: amount });

export const chargeResponse = z.object({
  id: z.string(),
  feature: z.string(),
  credits: amount.describe('Credits spent'),
  status: z.enum(['succeeded', 'failed']),
  balanceAfter: amount,
  draws: z.array(draw),
  at: instant,
  quantities: z.record(z.string(), z.string()).nullable(),
  user: z.string().nullable(),
  project: z.string().nullable(),
  model: z.string().nullable(),
  note: z.string().nullable(),
  metadata: metadata.nullable(),
  holdId: z.string().nullable(),
});

export const holdBody = z.object({
  feature: z.string().min(1).max(64),
  quantities: quantities.optional(),
  credits: amountInput.optional(),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .optional(),
  at: instantInput.optional(),
  ...attribution,
});

export const holdResponse = z.object({
  id: z.string(),
  feature: z.string(),
  credits: amount,
  status: z.enum(['pending', 'captured', 'voided']),
  expiresAt: instant,
  createdAt: instant,
  resolvedAt: instant.nullable(),
  chargeId: z.string().nullable(),
  quantities: z.record(z.string(), z.string()).nullable(),
  user: z.string().nullable(),
  project: z.string().nullable(),
  model: z.string().nullable(),
  note: z.string().nullable(),
});

export const captureBody = z
  .object({
    quantities: quantities.optional(),
    credits: amountInput.optional(),
    at: instantInput.optional(),
  })
  .nullish()
  .describe('Optional: an empty request captures the held amount');
export const voidBody = z
  .object({ reason: text(1000).nullable().optional(), at: instantInput.optional() })
  .nullish()
  .describe('Optional');
export const refundBody = z
  .object({
    credits: amountInput.optional(),
    note: text(1000).nullable().optional(),
    at: instantInput.optional(),
  })
  .nullish()
  .describe('Optional: an empty request refunds what is left');

export const transactionResponse = z.object({
  id: z.string(),
  type: z.enum(TRANSACTION_TYPES),
  feature: z.string().nullable(),
  credits: amount.describe('Signed: usage and expiry negative, grants and refunds positive'),
  held: amount.describe('Credits a hold reserved (positive) or released (negative)'),
  status: z.enum(TRANSACTION_STATUSES),
  balanceAfter: amount,
  user: z.string().nullable(),
  project: z.string().nullable(),
  model: z.string().nullable(),
  quantities: z.record(z.string(), z.string()).nullable(),
  draws: z.array(draw),
  note: z.string().nullable(),
  metadata: metadata.nullable(),
  holdId: z.string().nullable(),
  chargeId: z.string().nullable(),
  reason: z.string().nullable(),
  at: instant,
});

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const orgListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).optional().describe('Orgs a page; default 100'),
  cursor: z.string().max(200).optional().describe("The previous page's nextCursor"),
});
export const orgListResponse = listOf(orgResponse);

export const projectParams = orgParams.extend({ project: z.string().min(1).max(64) });
export const allowanceParams = orgParams.extend({ user: z.string().min(1).max(200) });

const budgetInput = z.object({
  credits: amountInput,
  period: z
    .enum(['month', 'total'])
    .describe('Per calendar month in the org time zone, or in total'),
});
export const createProjectBody = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .describe('Chosen by you and named by charges: lowercase letters, digits, . _ -'),
  name,
  budget: budgetInput.nullable().optional(),
});
export const updateProjectBody = z.object({
  name: name.optional(),
  budget: budgetInput.nullable().optional().describe('null removes the budget'),
  archived: z.boolean().optional().describe('Archived projects take no new charges'),
});

/** Where a limit stands now. */
const limitStatus = {
  credits: amount.describe('The limit per period'),
  period: z.enum(['day', 'week', 'month', 'total']),
  used: amount.describe('Counted in the current period'),
  left: amount,
  periodStart: instant.nullable().describe('Start of the current period; null for total'),
  resetsAt: instant.nullable().describe('When the count starts again from zero; null for total'),
};
export const projectResponse = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: instant,
  archivedAt: instant.nullable(),
  budget: z.object(limitStatus).nullable(),
});
export const projectListResponse = listOf(projectResponse);

export const putAllowanceBody = z.object({
  credits: amountInput.describe('At most this much per period; 0 stops the user spending'),
  period: z.enum(['day', 'week', 'month', 'total']),
});
export const allowanceResponse = z.object({
  user: z.string(),
  ...limitStatus,
  createdAt: instant,
});
export const allowanceListResponse = listOf(allowanceResponse);

export const transactionListResponse = listOf(transactionResponse);
export const grantListResponse = listOf(grantResponse);

const csv = (values: readonly string[]) =>
  z
    .string()
    .max(500)
    .describe(`One or more of ${values.join(', ')}, comma-separated`);

export const transactionsQuery = z.object({
  type: csv(TRANSACTION_TYPES).optional(),
  status: csv(TRANSACTION_STATUSES).optional(),
  feature: z.string().max(64).optional(),
  user: z.string().max(200).optional(),
  project: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  from: instantInput.optional(),
  to: instantInput.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(200).optional(),
});

export const balanceQuery = z.object({ at: instantInput.optional() });
export const balanceResponse = z.object({
  available: amount,
  held: amount,
  byKind: z.record(z.enum(GRANT_KINDS), amount),
  nextExpiry: z.object({ credits: amount, at: instant }).nullable(),
  at: instant,
});

export const statementQuery = z.object({
  month: z.string().regex(/^\d{4}-\d{2}$/, 'month must be YYYY-MM'),
});
const flows = z.object({
  opening: amount,
  added: amount,
  consumed: amount,
  expired: amount,
  closing: amount,
});
export const statementResponse = flows.extend({
  month: z.string(),
  start: instant,
  end: instant,
  final: z.boolean().describe('False while the month is running: figures as of now'),
  carriedForward: amount,
  byKind: z.record(z.enum(GRANT_KINDS), flows),
  usageCount: z.number(),
});

export const createKeyBody = z.object({ name, role: z.enum(ROLES) });
export const keyResponse = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string(),
  createdAt: instant,
  lastUsedAt: instant.nullable(),
  revokedAt: instant.nullable(),
});
export const createdKeyResponse = keyResponse.extend({ secret: z.string().describe('Shown once') });
export const keyListResponse = listOf(keyResponse);

export const createMemberBody = z.object({
  email: z.string().min(3).max(320),
  name,
  role: z.enum(ROLES),
  password: z.string().min(8).max(200),
});
export const updateMemberBody = z.object({
  name: name.optional(),
  role: z.enum(ROLES).optional(),
  password: z.string().min(8).max(200).optional(),
});
export const memberResponse = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: instant,
});
export const memberListResponse = listOf(memberResponse);

export const loginBody = z.object({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(200),
  org: z.string().max(64).optional(),
});
export const sessionResponse = z.object({
  member: memberResponse,
  org: z.string(),
  csrfToken: z
    .string()
    .describe('Send back as X-CSRF-Token on every write made with the session cookie'),
  expiresAt: instant,
});

/** What deleting an org removes, by kind of record. */
const orgRecordCounts = z.object({
  grants: z.number().int(),
  transactions: z.number().int(),
  holds: z.number().int(),
  projects: z.number().int(),
  allowances: z.number().int(),
  members: z.number().int(),
  apiKeys: z.number().int(),
  purchases: z.number().int(),
});
export const orgDeletionResponse = z.object({
  org: z.object({ id: z.string(), name: z.string() }),
  confirmWith: z.string().describe("Send as `confirm` to DELETE the org: the org's name"),
  credits: z.object({ available: amount, held: amount }).describe('Lost with the org'),
  counts: orgRecordCounts,
  permanent: z.literal(true),
  alternative: z.string().describe('Suspending keeps the credits and the history'),
});
export const deleteOrgBody = z.object({
  confirm: z.string().max(200).describe("The org's name exactly (or its id)"),
});
export const orgDeletedResponse = z.object({
  deleted: z.literal(true),
  org: z.string(),
  removed: orgRecordCounts,
});
export const suspendOrgBody = z
  .object({ reason: text(1000).nullable().optional() })
  .nullish()
  .describe('Optional');

export const problemResponse = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    code: z.string(),
    detail: z.string(),
  })
  .catchall(z.unknown())
  .describe('application/problem+json');
