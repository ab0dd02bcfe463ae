import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import { credits } from '../core/amount.js';
import type { InvoiceSeller } from './invoice-document.js';
import { invoiceDocumentOf } from './invoice-of-purchase.js';
import { renderInvoicePdf } from './invoice-pdf.js';
import type { Purchase } from './model.js';

const SELLER: InvoiceSeller = { name: 'Snapshot Cloud', addressLines: ['12 Rue de la Paix'] };
const BUYER = { name: 'Photo Booth Ltd', email: 'billing@booth.example' };
// 2026-11-02T23:30:00Z: still the 2nd in UTC, already the 3rd in Paris.
const LATE_EVENING_UTC = Date.UTC(2026, 10, 2, 23, 30);
const NEXT_DAY = Date.UTC(2026, 10, 3, 9, 0);

const PACK_PURCHASE: Purchase = {
  id: 'pur_1',
  orgId: 'org_1',
  packId: 'starter',
  description: 'Starter pack',
  credits: credits(2500),
  unitPrice: null,
  amount: 2500n,
  currency: 'USD',
  provider: 'stripe',
  providerRef: 'cs_test_1',
  paymentUrl: 'https://checkout.example/cs_test_1',
  status: 'paid',
  buyer: 'ada@booth.example',
  createdAt: LATE_EVENING_UTC - 60_000,
  paidAt: LATE_EVENING_UTC,
  failedAt: null,
  refundedAt: null,
  failureReason: null,
  grantId: 'grant_1',
  invoiceNumber: 'TALLY-000042',
  invoicedAt: LATE_EVENING_UTC,
};

const CUSTOM_PURCHASE: Purchase = {
  ...PACK_PURCHASE,
  id: 'pur_2',
  packId: null,
  description: '1,234.5 credits',
  credits: 1_234_500_000n,
  unitPrice: 2n,
  amount: 2469n,
  provider: 'manual',
  providerRef: null,
  paymentUrl: null,
  status: 'pending',
  paidAt: null,
  grantId: null,
  invoiceNumber: 'TALLY-000043',
};

describe('invoiceDocumentOf', () => {
  it('prints a pack as one line of quantity 1 with its credits beside it', () => {
    expect(invoiceDocumentOf(PACK_PURCHASE, BUYER, SELLER, 'UTC')).toEqual({
      number: 'TALLY-000042',
      issueDate: '2026-11-02',
      status: 'paid',
      seller: SELLER,
      buyer: BUYER,
      currency: 'USD',
      lines: [
        {
          description: 'Starter pack',
          quantity: '1',
          unitPrice: 2500n,
          amount: 2500n,
          credits: '2500',
        },
      ],
      subtotal: 2500n,
      tax: 0n,
      total: 2500n,
      paidAt: '2026-11-02',
      paymentMethod: 'Stripe (card)',
    });
  });

  it('prints a custom amount as credits at the price per credit, as charged', () => {
    const invoice = invoiceDocumentOf(CUSTOM_PURCHASE, { name: 'Photo Booth Ltd' }, SELLER, 'UTC');
    expect(invoice.lines).toEqual([
      { description: '1,234.5 credits', quantity: '1234.5', unitPrice: 2n, amount: 2469n },
    ]);
    expect(invoice.buyer).toEqual({ name: 'Photo Booth Ltd' });
    expect(invoice.status).toBe('pending');
    expect(invoice.paidAt).toBeUndefined();
    expect(invoice.paymentMethod).toBe('Manual invoice (bank transfer)');
    expect([invoice.subtotal, invoice.tax, invoice.total]).toEqual([2469n, 0n, 2469n]);
  });

  it('dates the invoice in the installation time zone', () => {
    const paris = invoiceDocumentOf(PACK_PURCHASE, BUYER, SELLER, 'Europe/Paris');
    expect(paris.issueDate).toBe('2026-11-03');
    expect(paris.paidAt).toBe('2026-11-03');
    const purchase = { ...PACK_PURCHASE, invoicedAt: NEXT_DAY };
    expect(invoiceDocumentOf(purchase, BUYER, SELLER, 'America/Los_Angeles')).toMatchObject({
      issueDate: '2026-11-03',
      paidAt: '2026-11-02',
    });
  });

  it('takes its status from the purchase, a failed one being void', () => {
    const statusOf = (purchase: Purchase) =>
      invoiceDocumentOf(purchase, BUYER, SELLER, 'UTC').status;
    expect(statusOf({ ...PACK_PURCHASE, status: 'refunded', refundedAt: NEXT_DAY })).toBe(
      'refunded',
    );
    expect(statusOf({ ...PACK_PURCHASE, status: 'failed', paidAt: null })).toBe('void');
    const refunded = invoiceDocumentOf(
      { ...PACK_PURCHASE, status: 'refunded', refundedAt: NEXT_DAY },
      BUYER,
      SELLER,
      'UTC',
    );
    expect(refunded.paidAt).toBe('2026-11-02');
  });

  it('throws for a purchase without an invoice, a bug in its caller', () => {
    const noInvoice = { ...PACK_PURCHASE, invoiceNumber: null, invoicedAt: null };
    expect(() => invoiceDocumentOf(noInvoice, BUYER, SELLER, 'UTC')).toThrow(/no invoice yet/);
    const noUnitPrice = { ...CUSTOM_PURCHASE, unitPrice: null };
    expect(() => invoiceDocumentOf(noUnitPrice, BUYER, SELLER, 'UTC')).toThrow(/unit price/);
  });
});

/** The text of every page, joined, as pdf.js reads it back. */
async function pdfText(bytes: Buffer): Promise<string> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    verbosity: 0,
  }).promise;
  try {
    const pages: string[] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const content = await (await pdf.getPage(number)).getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
    }
    return pages.join('\n');
  } finally {
    await pdf.destroy();
  }
}

describe('a purchase rendered to PDF', () => {
  it('shows the invoice number, the total and the credits of a pack', async () => {
    const invoice = invoiceDocumentOf(PACK_PURCHASE, BUYER, SELLER, 'Europe/Paris');
    const text = await pdfText(await renderInvoicePdf(invoice));
    expect(text).toContain('TALLY-000042');
    expect(text).toContain('USD 25.00');
    expect(text).toContain('2,500 credits');
    expect(text).toContain('Starter pack');
    expect(text).toContain('Paid on 2026-11-03 by Stripe (card).');
  });

  it('shows the credits of a custom amount as its quantity', async () => {
    const invoice = invoiceDocumentOf(CUSTOM_PURCHASE, BUYER, SELLER, 'UTC');
    const text = await pdfText(await renderInvoicePdf(invoice));
    expect(text).toContain('TALLY-000043');
    expect(text).toContain('USD 24.69');
    expect(text).toContain('1,234.5');
    expect(text).toContain('0.02'); // the price per credit
    expect(text).toContain('Awaiting payment by Manual invoice (bank transfer).');
  });
});
