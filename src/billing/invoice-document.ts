/**
 * Everything printed on an invoice, already decided: the renderer computes no prices and rounds
 * nothing, it only checks that the figures add up. Money is `bigint` minor units of `currency`
 * (cents for USD, yen for JPY, fils for KWD); credits are decimal strings as everywhere at Tally's
 * edges.
 */

export type InvoiceStatus = 'pending' | 'paid' | 'refunded' | 'void';

export interface InvoiceSeller {
  /** The installation's name, as its operator wants it on invoices. */
  readonly name: string;
  readonly addressLines: readonly string[];
}

export interface InvoiceBuyer {
  /** The org's name. */
  readonly name: string;
  readonly email?: string;
}

export interface InvoiceLine {
  readonly description: string;
  /**
   * How many units, a decimal string: the credits for a custom amount ("2500", "1234.5"), "1"
   * for a pack.
   */
  readonly quantity: string;
  /** Price of one unit (a credit, or the pack) in minor units of the invoice's currency. */
  readonly unitPrice: bigint;
  /**
   * Credits the line grants, a decimal string, when the quantity does not say it (a pack is
   * quantity 1): printed under the description as "2,500 credits".
   */
  readonly credits?: string;
  /** The line's amount in minor units, as charged; not recomputed from quantity × unit price. */
  readonly amount: bigint;
}

export interface InvoiceDocument {
  /** "TALLY-000042". */
  readonly number: string;
  /** A calendar date, YYYY-MM-DD, in the installation's time zone. */
  readonly issueDate: string;
  readonly status: InvoiceStatus;
  readonly seller: InvoiceSeller;
  readonly buyer: InvoiceBuyer;
  /** ISO 4217 code, upper case: "USD", "JPY", "KWD". */
  readonly currency: string;
  readonly lines: readonly InvoiceLine[];
  /** The sum of the lines' amounts. */
  readonly subtotal: bigint;
  /** May be 0n. */
  readonly tax: bigint;
  /** subtotal + tax. */
  readonly total: bigint;
  /** A calendar date, YYYY-MM-DD, when the payment was received. */
  readonly paidAt?: string;
  /** How it was or will be paid: "Stripe (card)", "Bank transfer". */
  readonly paymentMethod?: string;
  readonly notes?: string;
}
