/**
 * Schemas of plans, packs, purchases and purchase history (see schemas.ts for the rules). Money
 * travels as integers of minor units of its currency (2500 is 25.00 USD, 2500 JPY is ¥2,500), as
 * payment providers speak it, with a formatted copy in responses for people.
 */
import { z } from 'zod';
import { PAYMENT_PROVIDERS, PURCHASE_STATUSES } from '../billing/model.js';
import { amount, amountInput, instant, listOf, name, orgParams } from './schemas.js';

const MAX_MINOR = 1_000_000_000_000;
const minorInput = z
  .number()
  .int()
  .min(0)
  .max(MAX_MINOR)
  .describe('Money in integer minor units of the currency (cents for USD)');
const minor = z.number().int().describe('Money in integer minor units of the currency');
const formatted = z.string().describe('The same money for people, e.g. "25.00"');
const currency = z.string().length(3).describe('ISO 4217 code, upper case');

export const planParams = z.object({ plan: z.string().min(1).max(64) });
export const packParams = z.object({ pack: z.string().min(1).max(64) });
export const purchaseParams = orgParams.extend({ id: z.string().min(1).max(64) });

export const putPlanBody = z.object({
  name,
  description: z.string().max(2000).optional(),
  currency,
  pricePerCredit: minorInput.describe('What one credit costs on this plan, in minor units'),
  monthlyFee: minorInput.optional().describe('Subscription fee per month; 0 or absent: none'),
  monthlyAllowance: amountInput.optional().describe('Free credits each month; default 0'),
  expires: z
    .boolean()
    .optional()
    .describe('A subscription that renews monthly (default: when it has a fee)'),
  archived: z.boolean().optional().describe('Archived plans keep their orgs but cannot be chosen'),
});

export const planResponse = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  currency,
  pricePerCredit: minor,
  pricePerCreditFormatted: formatted,
  monthlyFee: minor,
  monthlyFeeFormatted: formatted,
  monthlyAllowance: amount,
  expires: z.boolean(),
  archivedAt: instant.nullable(),
  updatedAt: instant,
});
export const planListResponse = z.object({ data: z.array(planResponse) });

export const putPackBody = z.object({
  name,
  credits: amountInput,
  price: minorInput,
  currency,
  archived: z.boolean().optional(),
});

export const packResponse = z.object({
  id: z.string(),
  name: z.string(),
  credits: amount,
  price: minor,
  priceFormatted: formatted,
  currency,
  archivedAt: instant.nullable(),
  updatedAt: instant,
});
export const packListResponse = z.object({ data: z.array(packResponse) });

const planChangeLine = z.object({
  plan: z.string(),
  startsAt: instant,
  decidedAt: instant,
  by: z.string().nullable(),
});

export const orgPlanResponse = z.object({
  plan: planResponse,
  since: instant.nullable(),
  renewsAt: instant.nullable().describe('A subscription that carries on: its next renewal'),
  expiresAt: instant.nullable().describe('A subscription ending with the period: when'),
  noExpiry: z.boolean().describe('True for plans that never expire, like pay-as-you-go'),
  next: z.object({ plan: planResponse, startsAt: instant }).nullable(),
  history: z.array(planChangeLine),
  change: z
    .object({
      kind: z.enum(['upgrade', 'downgrade', 'unchanged']),
      startsAt: instant,
      toppedUp: amount.describe('Free credits added now for the rest of the period'),
    })
    .optional(),
});

export const changePlanBody = z.object({ plan: z.string().min(1).max(64) });

export const planComparisonResponse = z.object({
  months: z.array(z.string()),
  plans: z.array(
    z.object({
      plan: planResponse,
      current: z.boolean(),
      total: minor,
      totalFormatted: formatted,
      difference: minor
        .describe('total less the current plan total (same currency only)')
        .nullable(),
      months: z.array(
        z.object({
          month: z.string(),
          used: amount,
          free: amount,
          bought: amount,
          cost: minor,
        }),
      ),
    }),
  ),
});

export const createPurchaseBody = z.object({
  pack: z.string().min(1).max(64).optional().describe('A pack id'),
  credits: amountInput.optional().describe("Or a custom amount, at the plan's price per credit"),
  provider: z.enum(PAYMENT_PROVIDERS).optional(),
  returnUrl: z
    .string()
    .url()
    .max(2000)
    .optional()
    .describe('Where the payment page sends the buyer back'),
});

export const purchaseResponse = z.object({
  id: z.string(),
  status: z.enum(PURCHASE_STATUSES),
  pack: z.string().nullable(),
  description: z.string(),
  credits: amount,
  unitPrice: minor.nullable(),
  amount: minor,
  amountFormatted: formatted,
  currency,
  provider: z.enum(PAYMENT_PROVIDERS),
  paymentUrl: z.string().nullable().describe('Where to pay (card payments)'),
  buyer: z.string(),
  createdAt: instant,
  paidAt: instant.nullable(),
  failedAt: instant.nullable(),
  refundedAt: instant.nullable(),
  failureReason: z.string().nullable(),
  grantId: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  invoiceUrl: z.string().nullable(),
});
export const purchaseListResponse = listOf(purchaseResponse);

export const purchaseListQuery = z.object({
  status: z.enum(PURCHASE_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(500).optional(),
});

export const historyQuery = purchaseListQuery.omit({ status: true });

export const historyResponse = listOf(
  z.object({
    type: z.enum(['purchase', 'free_credits', 'admin_grant', 'refund']),
    id: z.string(),
    at: instant,
    credits: amount,
    money: z
      .object({ amount: minor, currency, formatted })
      .nullable()
      .describe('What was paid, for purchases'),
    status: z.enum([...PURCHASE_STATUSES, 'added']),
    kind: z.string().nullable(),
    description: z.string(),
    invoiceNumber: z.string().nullable(),
    expiresAt: instant.nullable(),
  }),
);

export const webhookResponse = z.object({
  received: z.boolean(),
  purchase: z.string().nullable(),
  status: z.enum(PURCHASE_STATUSES).nullable(),
});

/** The invoice as PDF bytes (application/pdf). */
export const invoicePdfResponse = z
  .custom<Buffer>((value) => Buffer.isBuffer(value))
  .describe('The invoice, application/pdf');
