import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describe, expect, it } from 'vitest';
import type { InvoiceDocument, InvoiceLine } from './invoice-document.js';
import {
  drawableText,
  findSystemFont,
  STANDARD_INVOICE_FONT,
  type InvoiceFont,
} from './invoice-font.js';
import { renderInvoicePdf } from './invoice-pdf.js';

interface PdfText {
  readonly str: string;
  readonly fontName: string;
}

/** The text runs of each page, read back by pdf.js, as a reader's copy-and-paste would get it. */
async function readPdfRuns(bytes: Buffer): Promise<PdfText[][]> {
  const pdf = await getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    verbosity: 0,
  }).promise;
  try {
    const pages: PdfText[][] = [];
    for (let number = 1; number <= pdf.numPages; number += 1) {
      const content = await (await pdf.getPage(number)).getTextContent();
      pages.push(content.items.flatMap((item) => ('str' in item ? [item] : [])));
    }
    return pages;
  } finally {
    await pdf.destroy();
  }
}

/** The text of each page. */
async function readPdf(bytes: Buffer): Promise<string[]> {
  const pages = await readPdfRuns(bytes);
  return pages.map((runs) => runs.map((run) => run.str).join(' '));
}

function invoiceWith(
  currency: string,
  lines: readonly InvoiceLine[],
  overrides: Partial<InvoiceDocument> = {},
): InvoiceDocument {
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0n);
  const tax = overrides.tax ?? 0n;
  return {
    number: 'TALLY-000042',
    issueDate: '2026-11-03',
    status: 'paid',
    seller: { name: 'Snapshot Cloud', addressLines: ['12 Rue de la Paix', '75002 Paris'] },
    buyer: { name: 'Photo Booth Ltd', email: 'billing@booth.example' },
    currency,
    lines,
    subtotal,
    tax,
    total: subtotal + tax,
    paidAt: '2026-11-03',
    paymentMethod: 'Stripe (card)',
    notes: 'Purchased credits never expire.',
    ...overrides,
  };
}

const USD_LINES: readonly InvoiceLine[] = [
  { description: 'Credit pack, 2,500 credits', quantity: '2500', unitPrice: 1n, amount: 2500n },
  { description: 'Custom top-up', quantity: '1234.5', unitPrice: 100n, amount: 123450n },
];

describe('renderInvoicePdf', () => {
  it('renders a valid one-page PDF whose text carries every figure exactly', async () => {
    const bytes = await renderInvoicePdf(invoiceWith('USD', USD_LINES, { tax: 250n }));
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.subarray(-6).toString('latin1')).toContain('%%EOF');

    const pages = await readPdf(bytes);
    expect(pages).toHaveLength(1);
    const text = pages.join('\n');
    expect(text).toContain('TALLY-000042');
    expect(text).toContain('Photo Booth Ltd');
    expect(text).toContain('Snapshot Cloud');
    expect(text).toContain('25.00'); // 2500 cents
    expect(text).toContain('1,234.50'); // 123450 cents
    expect(text).toContain('2,500'); // credits
    expect(text).toContain('1,234.5'); // credits
    expect(text).toContain('1,259.50'); // subtotal
    expect(text).toContain('2.50'); // tax
    expect(text).toContain('USD 1,262.00'); // total
    expect(text).toContain('PAID');
    expect(text).toContain('Paid on 2026-11-03 by Stripe (card).');
    expect(text).toContain('Page 1 of 1');
  });

  it('prints JPY without decimals', async () => {
    const lines: InvoiceLine[] = [
      { description: 'Credit pack', quantity: '2500', unitPrice: 1n, amount: 2500n },
      { description: 'Credit pack', quantity: '10000', unitPrice: 1n, amount: 10000n },
    ];
    const text = (await readPdf(await renderInvoicePdf(invoiceWith('JPY', lines)))).join('\n');
    expect(text).toContain('JPY 12,500');
    expect(text).toContain('10,000');
    expect(text).not.toMatch(/12,500\.\d/);
    expect(text).not.toMatch(/2,500\.\d/);
  });

  it('prints KWD with three decimals', async () => {
    const lines: InvoiceLine[] = [
      { description: 'Credit pack', quantity: '1000', unitPrice: 5n, amount: 5000n },
      { description: 'Custom top-up', quantity: '1234.5', unitPrice: 1000n, amount: 1234500n },
    ];
    const text = (await readPdf(await renderInvoicePdf(invoiceWith('KWD', lines)))).join('\n');
    expect(text).toContain('0.005'); // unit price
    expect(text).toContain('5.000');
    expect(text).toContain('1,234.500');
    expect(text).toContain('KWD 1,239.500');
  });

  it('continues a long table on further pages, header and footer on each', async () => {
    const lines: InvoiceLine[] = Array.from({ length: 60 }, (_, index) => ({
      description: `Top-up ${index + 1}`,
      quantity: String(100 + index),
      unitPrice: 1n,
      amount: BigInt(100 + index) * 1_000n + 1n,
    }));
    const bytes = await renderInvoicePdf(invoiceWith('USD', lines));
    const pages = await readPdf(bytes);
    expect(pages.length).toBeGreaterThan(1);
    // Rows after a page break are drawn in the same font as the first ones, not the header's bold.
    const rowFonts = new Set(
      (await readPdfRuns(bytes))
        .flat()
        .flatMap((run) => (run.str.startsWith('Top-up') ? [run.fontName] : [])),
    );
    expect(rowFonts.size).toBe(1);
    pages.forEach((page, index) => {
      expect(page).toContain(`Page ${index + 1} of ${pages.length}`);
      expect(page).toContain('AMOUNT (USD)');
    });
    const text = pages.join('\n');
    lines.forEach((_, index) => {
      // (100 + index) × 1,000 + 1 cents: "1,000.01", "1,010.01", ... "1,590.01".
      const dollars = (100 + index) * 10;
      expect(text).toContain(`${dollars.toLocaleString('en-US')}.01`);
    });
    // 60 × 100,000 cents + 1,770 × 1,000 + 60.
    expect(pages.at(-1)).toContain('USD 77,700.60');
  });

  it('does not throw on names its fonts cannot draw, and keeps those it can', async () => {
    const invoice = invoiceWith('EUR', USD_LINES, {
      buyer: { name: 'Café Zoë 東京 🎉', email: 'zoë@café.example' },
      seller: { name: 'Łódź Ćwiczenia', addressLines: ['Straße 1', 'Ελλάδα'] },
    });
    for (const font of [undefined, STANDARD_INVOICE_FONT]) {
      const options = font === undefined ? {} : { font };
      const text = (await readPdf(await renderInvoicePdf(invoice, options))).join('\n');
      expect(text).toContain('Café Zoë');
      expect(text).toContain('Straße 1');
      expect(text).toContain('EUR 1,259.50');
    }
    const standard = (
      await readPdf(await renderInvoicePdf(invoice, { font: STANDARD_INVOICE_FONT }))
    ).join('\n');
    expect(standard).toContain('Café Zoë ?? ?');
    expect(standard).toContain('?ód? ?wiczenia');
  });

  it('cuts overlong names and descriptions instead of spilling across pages', async () => {
    const line = {
      description: 'word '.repeat(2000),
      quantity: '1',
      unitPrice: 100n,
      amount: 100n,
    };
    const invoice = invoiceWith('USD', [line, { ...line, description: 'x'.repeat(3000) }], {
      seller: { name: 'S'.repeat(500), addressLines: ['A'.repeat(500)] },
      buyer: { name: 'B'.repeat(500), email: `${'e'.repeat(500)}@example.com` },
    });
    const pages = await readPdf(await renderInvoicePdf(invoice));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toContain('…');
    expect(pages[0]).toContain('USD 2.00');
  });

  it('renders the same invoice to the same bytes', async () => {
    const invoice = invoiceWith('USD', USD_LINES);
    expect((await renderInvoicePdf(invoice)).equals(await renderInvoicePdf(invoice))).toBe(true);
  });

  it('says what each status means', async () => {
    const pending = invoiceWith('USD', USD_LINES, { status: 'pending', paidAt: undefined });
    const pendingText = (await readPdf(await renderInvoicePdf(pending))).join('\n');
    expect(pendingText).toContain('PENDING');
    expect(pendingText).toContain('Awaiting payment by Stripe (card).');
    const refunded = invoiceWith('USD', USD_LINES, { status: 'refunded' });
    expect((await readPdf(await renderInvoicePdf(refunded))).join('\n')).toContain('REFUNDED');
  });

  it('refuses an invoice whose figures do not add up', async () => {
    const invoice = invoiceWith('USD', USD_LINES);
    await expect(renderInvoicePdf({ ...invoice, subtotal: invoice.subtotal + 1n })).rejects.toThrow(
      /lines sum to 125950/,
    );
    await expect(renderInvoicePdf({ ...invoice, total: invoice.total - 1n })).rejects.toThrow(
      /is not total/,
    );
    await expect(renderInvoicePdf({ ...invoice, issueDate: '2026-02-30' })).rejects.toThrow(
      /issue date/,
    );
    await expect(renderInvoicePdf({ ...invoice, currency: 'ZZZ' })).rejects.toThrow(RangeError);
    const badQuantity = { ...USD_LINES[0]!, quantity: '1e3' };
    await expect(renderInvoicePdf(invoiceWith('USD', [badQuantity]))).rejects.toThrow(
      /quantity 1e3/,
    );
    const badCredits = { ...USD_LINES[0]!, credits: '-5' };
    await expect(renderInvoicePdf(invoiceWith('USD', [badCredits]))).rejects.toThrow(/credits -5/);
  });
});

describe('drawableText', () => {
  const latinOnly: InvoiceFont = { ...STANDARD_INVOICE_FONT, source: 'test' };

  it('keeps Windows-1252 for the standard font and marks the rest with "?"', () => {
    expect(drawableText('Café Zoë – “quoted” €5', latinOnly)).toBe('Café Zoë – “quoted” €5');
    expect(drawableText('Łódź 東京', latinOnly)).toBe('?ód? ??');
    // One "?" per character, not per UTF-16 unit.
    expect(drawableText('Zoë 🎉', latinOnly)).toBe('Zoë ?');
  });

  it('composes accents and blanks control characters', () => {
    expect(drawableText('Zoe\u0308', latinOnly)).toBe('Zoë');
    expect(drawableText('a\tb\u0000c\nd', latinOnly)).toBe('a b c\nd');
  });

  const system = findSystemFont();
  it.runIf(system !== undefined)('keeps what an embedded font can draw', () => {
    const font = system!;
    expect(drawableText('Łódź Ελλάδα', font)).toBe('Łódź Ελλάδα');
    expect(font.canDraw('東'.codePointAt(0)!)).toBe(false); // DejaVu has no Han.
  });
});
