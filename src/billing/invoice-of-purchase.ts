/**
 * A purchase as the invoice printed for it: every figure comes from the purchase as charged and
 * none is recomputed, so the PDF, the API and the provider's receipt agree to the minor unit.
 */
import { formatCredits } from '../core/amount.js';
import { localDate, type Instant } from '../core/period.js';
import type {
  InvoiceBuyer,
  InvoiceDocument,
  InvoiceLine,
  InvoiceSeller,
  InvoiceStatus,
} from './invoice-document.js';
import type { PaymentProviderName, Purchase, PurchaseStatus } from './model.js';

/** A failed purchase keeps its invoice number (numbers are gapless) but is not payable. */
const INVOICE_STATUS: Record<PurchaseStatus, InvoiceStatus> = {
  pending: 'pending',
  paid: 'paid',
  refunded: 'refunded',
  failed: 'void',
};

const PAYMENT_METHOD: Record<PaymentProviderName, string> = {
  stripe: 'Stripe (card)',
  manual: 'Manual invoice (bank transfer)',
};

/**
 * The invoice of `purchase`, dated in `timeZone` (the installation's). Throws when the purchase
 * has no invoice yet: callers answer `invoice_not_issued` before asking for a document.
 */
export function invoiceDocumentOf(
  purchase: Purchase,
  buyer: InvoiceBuyer,
  seller: InvoiceSeller,
  timeZone: string,
): InvoiceDocument {
  const { invoiceNumber, invoicedAt } = purchase;
  // issueInvoice sets both in one transaction; one without the other is a bug in a store.
  if (invoiceNumber === null || invoicedAt === null) {
    throw new Error(`purchase ${purchase.id} has no invoice yet`);
  }
  const line: InvoiceLine =
    purchase.packId === null
      ? {
          description: purchase.description,
          quantity: formatCredits(purchase.credits),
          // A custom amount always has its price per credit; a missing one is a bug upstream.
          unitPrice: requireUnitPrice(purchase),
          amount: purchase.amount,
        }
      : {
          description: purchase.description,
          quantity: '1',
          unitPrice: purchase.amount,
          amount: purchase.amount,
          credits: formatCredits(purchase.credits),
        };
  const status = INVOICE_STATUS[purchase.status];
  // A refunded purchase was paid first; its invoice still says when.
  const paidAt = status === 'paid' || status === 'refunded' ? purchase.paidAt : null;
  return {
    number: invoiceNumber,
    issueDate: isoDate(invoicedAt, timeZone),
    status,
    seller,
    buyer:
      buyer.email === undefined ? { name: buyer.name } : { name: buyer.name, email: buyer.email },
    currency: purchase.currency,
    lines: [line],
    subtotal: purchase.amount,
    // Tally does not compute taxes: prices are what the buyer pays.
    tax: 0n,
    total: purchase.amount,
    ...(paidAt === null ? {} : { paidAt: isoDate(paidAt, timeZone) }),
    paymentMethod: PAYMENT_METHOD[purchase.provider],
  };
}

function requireUnitPrice(purchase: Purchase): bigint {
  if (purchase.unitPrice === null) {
    throw new Error(`purchase ${purchase.id} is a custom amount without a unit price`);
  }
  return purchase.unitPrice;
}

/** "2026-11-03": the calendar date at `instant` in `timeZone`. */
function isoDate(instant: Instant, timeZone: string): string {
  const { year, month, day } = localDate(instant, timeZone);
  const pad = (value: number, width: number) => String(value).padStart(width, '0');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}
