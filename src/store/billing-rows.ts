/**
 * Rows of plans, packs, plan history and purchases to records; the same columns in every adapter.
 * Integers arrive as `bigint`: instants become numbers of milliseconds, money and credits stay
 * `bigint`.
 */
import type {
  Pack,
  PaymentProviderName,
  Plan,
  PlanChange,
  Purchase,
  PurchaseStatus,
} from '../billing/model.js';

type Row = Record<string, unknown>;

const instant = (value: unknown): number => Number(value as bigint);
const optionalInstant = (value: unknown): number | null => (value === null ? null : instant(value));
const money = (value: unknown): bigint => value as bigint;
const optionalMoney = (value: unknown): bigint | null => (value === null ? null : money(value));
const text = (value: unknown): string => value as string;
const optionalText = (value: unknown): string | null => (value === null ? null : (value as string));
/** SQLite keeps a flag as 0 or 1, PostgreSQL as a boolean. */
const flag = (value: unknown): boolean => value === true || value === 1n || value === 1;

/** "TALLY-000042": six digits at least, more once the installation passes 999,999 invoices. */
export function formatInvoiceNumber(sequence: bigint): string {
  return `TALLY-${sequence.toString().padStart(6, '0')}`;
}

export function planFromRow(row: Row): Plan {
  return {
    id: text(row.id),
    name: text(row.name),
    description: text(row.description),
    currency: text(row.currency),
    pricePerCredit: money(row.price_per_credit),
    monthlyFee: money(row.monthly_fee),
    monthlyAllowance: money(row.monthly_allowance),
    expires: flag(row.expires),
    createdAt: instant(row.created_at),
    updatedAt: instant(row.updated_at),
    archivedAt: optionalInstant(row.archived_at),
  };
}

export function packFromRow(row: Row): Pack {
  return {
    id: text(row.id),
    name: text(row.name),
    credits: money(row.credits),
    price: money(row.price),
    currency: text(row.currency),
    createdAt: instant(row.created_at),
    updatedAt: instant(row.updated_at),
    archivedAt: optionalInstant(row.archived_at),
  };
}

export function planChangeFromRow(row: Row): PlanChange {
  return {
    orgId: text(row.org_id),
    planId: text(row.plan_id),
    startsAt: instant(row.starts_at),
    decidedAt: instant(row.decided_at),
    by: optionalText(row.decided_by),
  };
}

export function purchaseFromRow(row: Row): Purchase {
  return {
    id: text(row.id),
    orgId: text(row.org_id),
    packId: optionalText(row.pack_id),
    description: text(row.description),
    credits: money(row.credits),
    unitPrice: optionalMoney(row.unit_price),
    amount: money(row.amount),
    currency: text(row.currency),
    provider: text(row.provider) as PaymentProviderName,
    providerRef: optionalText(row.provider_ref),
    paymentUrl: optionalText(row.payment_url),
    status: text(row.status) as PurchaseStatus,
    buyer: text(row.buyer),
    createdAt: instant(row.created_at),
    paidAt: optionalInstant(row.paid_at),
    failedAt: optionalInstant(row.failed_at),
    refundedAt: optionalInstant(row.refunded_at),
    failureReason: optionalText(row.failure_reason),
    grantId: optionalText(row.grant_id),
    invoiceNumber: optionalText(row.invoice_number),
    invoicedAt: optionalInstant(row.invoiced_at),
  };
}

/** The columns of `purchases`, in the order of `purchaseValues`. */
export const PURCHASE_COLUMNS = [
  'id',
  'org_id',
  'pack_id',
  'description',
  'credits',
  'unit_price',
  'amount',
  'currency',
  'provider',
  'provider_ref',
  'payment_url',
  'status',
  'buyer',
  'created_at',
  'paid_at',
  'failed_at',
  'refunded_at',
  'failure_reason',
  'grant_id',
  'invoice_number',
  'invoiced_at',
] as const;

export function purchaseValues(purchase: Purchase): unknown[] {
  return [
    purchase.id,
    purchase.orgId,
    purchase.packId,
    purchase.description,
    purchase.credits,
    purchase.unitPrice,
    purchase.amount,
    purchase.currency,
    purchase.provider,
    purchase.providerRef,
    purchase.paymentUrl,
    purchase.status,
    purchase.buyer,
    purchase.createdAt,
    purchase.paidAt,
    purchase.failedAt,
    purchase.refundedAt,
    purchase.failureReason,
    purchase.grantId,
    purchase.invoiceNumber,
    purchase.invoicedAt,
  ];
}
