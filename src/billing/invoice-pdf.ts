/**
 * An invoice as an A4 PDF: header, seller and buyer, the table of lines (continued on further
 * pages with its header repeated), totals, payment status, notes, and a footer with the page
 * number on every page.
 *
 * Amounts print as plain decimals with the currency's own number of decimals, "," between
 * thousands and "." before the fraction ("1,234.50", "2,500" for JPY, "1,234.500" for KWD), and
 * the ISO code beside them ("USD 1,234.50"): one fixed format whatever the reader's locale, so the
 * PDF shows the same strings as the API and CSV exports. See format-money.ts.
 */
import { HEADER_FILL, INK, MARGIN, MUTED, renderA4Document, RULE } from './document-style.js';
import { formatMinorUnits, groupDecimal } from './format-money.js';
import { defaultInvoiceFont, drawableText, type InvoiceFont } from './invoice-font.js';
import type { InvoiceDocument, InvoiceStatus } from './invoice-document.js';

export interface RenderInvoicePdfOptions {
  /** Defaults to a TrueType font found on the machine, else Helvetica (see invoice-font.ts). */
  readonly font?: InvoiceFont;
}

const STATUS_LABELS: Record<InvoiceStatus, { readonly text: string; readonly color: string }> = {
  pending: { text: 'PENDING', color: '#9a6700' },
  paid: { text: 'PAID', color: '#1a7f37' },
  refunded: { text: 'REFUNDED', color: '#59636e' },
  void: { text: 'VOID', color: '#cf222e' },
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const QUANTITY = /^\d+(?:\.\d+)?$/;

/**
 * Renders `invoice` as PDF bytes. Throws (a bug upstream, never a customer's input) when the
 * figures do not add up, a date is not YYYY-MM-DD, a quantity is not a decimal string or the
 * currency is unknown: an invoice that contradicts itself must never be issued.
 */
export async function renderInvoicePdf(
  invoice: InvoiceDocument,
  options: RenderInvoicePdfOptions = {},
): Promise<Buffer> {
  checkInvoice(invoice);
  const font = options.font ?? defaultInvoiceFont();
  return renderA4Document(
    {
      Title: `Invoice ${invoice.number}`,
      Author: invoice.seller.name,
      // The issue date rather than now, so the same invoice always renders to the same bytes.
      CreationDate: new Date(`${invoice.issueDate}T00:00:00Z`),
    },
    font,
    (doc) => new InvoiceLayout(doc, invoice, font).draw(),
  );
}

function checkInvoice(invoice: InvoiceDocument): void {
  const problems: string[] = [];
  formatMinorUnits(0n, invoice.currency); // Throws on an unknown currency.
  if (invoice.number.trim() === '') problems.push('the number is empty');
  if (!isIsoDate(invoice.issueDate)) problems.push(`issue date ${invoice.issueDate}`);
  if (invoice.paidAt !== undefined && !isIsoDate(invoice.paidAt)) {
    problems.push(`paid-at date ${invoice.paidAt}`);
  }
  let sum = 0n;
  invoice.lines.forEach((line, index) => {
    if (!QUANTITY.test(line.quantity)) problems.push(`line ${index + 1} quantity ${line.quantity}`);
    if (line.credits !== undefined && !QUANTITY.test(line.credits)) {
      problems.push(`line ${index + 1} credits ${line.credits}`);
    }
    sum += line.amount;
  });
  if (sum !== invoice.subtotal)
    problems.push(`lines sum to ${sum}, subtotal is ${invoice.subtotal}`);
  if (invoice.subtotal + invoice.tax !== invoice.total) {
    problems.push(
      `subtotal ${invoice.subtotal} + tax ${invoice.tax} is not total ${invoice.total}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`invoice ${invoice.number} cannot be rendered: ${problems.join('; ')}`);
  }
}

function isIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  // Date rolls 2026-02-30 over to March; a real date reads back as itself.
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** "2500" as "2,500 credits", "1" as "1 credit". */
function creditsLabel(credits: string): string {
  return `${groupDecimal(credits)} ${credits === '1' ? 'credit' : 'credits'}`;
}

interface TextBox {
  readonly width: number;
  readonly lines: number;
  readonly align?: 'left' | 'right';
}

/** Lines a description may take in the table before it is cut. */
const DESCRIPTION_LINES = 6;

interface Column {
  readonly x: number;
  readonly width: number;
  readonly align: 'left' | 'right';
}

/** Drawing state for one document: where the next block goes, and the page it is on. */
class InvoiceLayout {
  private readonly left: number;
  private readonly width: number;
  private readonly columns: readonly [Column, Column, Column, Column];

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly invoice: InvoiceDocument,
    private readonly font: InvoiceFont,
  ) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
    const gap = 8;
    const amountWidth = 95;
    const priceWidth = 90;
    const quantityWidth = 75;
    const descriptionWidth = this.width - amountWidth - priceWidth - quantityWidth - 3 * gap;
    const at = (offset: number) => this.left + offset;
    this.columns = [
      { x: at(0), width: descriptionWidth, align: 'left' },
      { x: at(descriptionWidth + gap), width: quantityWidth, align: 'right' },
      { x: at(descriptionWidth + quantityWidth + 2 * gap), width: priceWidth, align: 'right' },
      { x: at(this.width - amountWidth), width: amountWidth, align: 'right' },
    ];
  }

  draw(): void {
    this.drawHeader();
    this.drawParties();
    this.drawLines();
    this.drawTotals();
    this.drawPayment();
    this.drawNotes();
    this.drawFooters();
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  private text(content: string): string {
    return drawableText(content, this.font);
  }

  /**
   * Draws text the customer chose (names, descriptions) in at most `lines` lines, cut with an
   * ellipsis beyond: a 2,000-character name must not push the table off the page, and a cell
   * taller than a page would make pdfkit break it across pages, away from its row.
   */
  private clipped(content: string, x: number, y: number, box: TextBox): void {
    const { doc } = this;
    const height = box.lines * doc.currentLineHeight(true);
    doc.text(this.text(content), x, y, {
      width: box.width,
      height,
      ellipsis: true,
      align: box.align ?? 'left',
    });
  }

  /** The height `content` takes in `box`, after clipping. */
  private clippedHeight(content: string, box: TextBox): number {
    const { doc } = this;
    const full = doc.heightOfString(this.text(content), { width: box.width });
    return Math.min(full, box.lines * doc.currentLineHeight(true));
  }

  private money(minor: bigint): string {
    return formatMinorUnits(minor, this.invoice.currency);
  }

  /** Starts a new page when fewer than `height` points are left on this one. */
  private ensureRoom(height: number): void {
    if (this.doc.y + height > this.bottom) {
      this.doc.addPage();
      this.doc.y = this.doc.page.margins.top;
    }
  }

  private drawHeader(): void {
    const { doc, invoice, left, width } = this;
    const top = doc.page.margins.top;
    const rightWidth = 200;
    const rightX = left + width - rightWidth;
    const sellerWidth = width - rightWidth - 20;

    doc.font('bold').fontSize(16).fillColor(INK);
    this.clipped(invoice.seller.name, left, top, { width: sellerWidth, lines: 2 });
    doc.font('regular').fontSize(9).fillColor(MUTED);
    for (const line of invoice.seller.addressLines) {
      this.clipped(line, left, doc.y, { width: sellerWidth, lines: 1 });
    }
    const sellerBottom = doc.y;

    doc.font('bold').fontSize(22).fillColor(INK);
    doc.text('INVOICE', rightX, top, { width: rightWidth, align: 'right' });
    doc.font('bold').fontSize(10);
    this.clipped(invoice.number, rightX, doc.y + 2, {
      width: rightWidth,
      lines: 1,
      align: 'right',
    });
    doc.font('regular').fontSize(9).fillColor(MUTED);
    doc.text(`Issued ${invoice.issueDate}`, rightX, doc.y + 2, {
      width: rightWidth,
      align: 'right',
    });
    const status = STATUS_LABELS[invoice.status];
    doc.font('bold').fontSize(11).fillColor(status.color);
    doc.text(status.text, rightX, doc.y + 4, { width: rightWidth, align: 'right' });

    doc.y = Math.max(sellerBottom, doc.y) + 24;
    doc
      .moveTo(left, doc.y)
      .lineTo(left + width, doc.y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    doc.y += 14;
  }

  private drawParties(): void {
    const { doc, invoice, left, width } = this;
    const top = doc.y;
    const half = (width - 20) / 2;
    const rightX = left + half + 20;

    this.label('BILL TO', left, top, half);
    doc.font('bold').fontSize(11).fillColor(INK);
    this.clipped(invoice.buyer.name, left, doc.y + 2, { width: half, lines: 2 });
    if (invoice.buyer.email !== undefined) {
      doc.font('regular').fontSize(9).fillColor(MUTED);
      this.clipped(invoice.buyer.email, left, doc.y + 1, { width: half, lines: 1 });
    }
    const buyerBottom = doc.y;

    this.label('CURRENCY', rightX, top, half);
    doc.font('bold').fontSize(11).fillColor(INK);
    doc.text(invoice.currency, rightX, doc.y + 2, { width: half });

    doc.y = Math.max(buyerBottom, doc.y) + 22;
  }

  private label(content: string, x: number, y: number, width: number): void {
    this.doc.font('bold').fontSize(8).fillColor(MUTED);
    this.doc.text(content, x, y, { width, characterSpacing: 0.5 });
  }

  private drawLines(): void {
    const { doc, invoice } = this;
    const [description, ...figures] = this.columns;
    const descriptionBox = { width: description.width, lines: DESCRIPTION_LINES };
    this.drawTableHeader();
    for (const line of invoice.lines) {
      const values = [
        groupDecimal(line.quantity),
        this.money(line.unitPrice),
        this.money(line.amount),
      ];
      doc.font('regular').fontSize(9);
      const credits = line.credits === undefined ? undefined : creditsLabel(line.credits);
      const detailHeight = credits === undefined ? 0 : doc.fontSize(8).currentLineHeight(true) + 1;
      doc.fontSize(9);
      const height = this.clippedHeight(line.description, descriptionBox) + detailHeight + 10;
      if (doc.y + height > this.bottom) {
        doc.addPage();
        doc.y = doc.page.margins.top;
        this.drawTableHeader();
        doc.font('regular').fontSize(9);
      }
      const top = doc.y;
      doc.fillColor(INK);
      this.clipped(line.description, description.x, top + 5, descriptionBox);
      if (credits !== undefined) {
        doc.fontSize(8).fillColor(MUTED);
        doc.text(credits, description.x, doc.y + 1, { width: description.width });
        doc.fontSize(9).fillColor(INK);
      }
      figures.forEach((column, index) => {
        doc.text(values[index] ?? '', column.x, top + 5, {
          width: column.width,
          align: column.align,
        });
      });
      doc.y = top + height;
      this.rule(doc.y);
    }
  }

  private drawTableHeader(): void {
    const { doc, invoice, left, width } = this;
    const top = doc.y;
    const height = 20;
    doc.rect(left, top, width, height).fill(HEADER_FILL);
    doc.font('bold').fontSize(8).fillColor(MUTED);
    const { currency } = invoice;
    const titles = ['DESCRIPTION', 'QUANTITY', `UNIT PRICE (${currency})`, `AMOUNT (${currency})`];
    this.columns.forEach((column, index) => {
      doc.text(titles[index] ?? '', column.x, top + 6, {
        width: column.width,
        align: column.align,
      });
    });
    doc.y = top + height;
  }

  private rule(y: number): void {
    const { doc, left, width } = this;
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
  }

  private drawTotals(): void {
    const { doc, invoice, left, width } = this;
    const rows: readonly (readonly [string, string, boolean])[] = [
      ['Subtotal', this.money(invoice.subtotal), false],
      ['Tax', this.money(invoice.tax), false],
      ['Total', `${invoice.currency} ${this.money(invoice.total)}`, true],
    ];
    this.ensureRoom(12 + rows.length * 18);
    doc.y += 12;
    const valueWidth = 140;
    const valueX = left + width - valueWidth;
    const labelWidth = 120;
    const labelX = valueX - labelWidth - 10;
    for (const [label, value, strong] of rows) {
      const top = doc.y;
      doc.font(strong ? 'bold' : 'regular').fontSize(strong ? 12 : 10);
      doc.fillColor(strong ? INK : MUTED);
      doc.text(label, labelX, top, { width: labelWidth, align: 'right' });
      doc.fillColor(INK).text(value, valueX, top, { width: valueWidth, align: 'right' });
      doc.y = top + 18;
    }
  }

  private drawPayment(): void {
    const { doc, invoice, left, width } = this;
    const method = invoice.paymentMethod === undefined ? '' : ` by ${invoice.paymentMethod}`;
    const paid = invoice.paidAt === undefined ? '' : ` on ${invoice.paidAt}`;
    const sentence: Record<InvoiceStatus, string> = {
      pending: `Awaiting payment${method}.`,
      paid: `Paid${paid}${method}.`,
      refunded: `Paid${paid}${method}; refunded.`,
      void: 'This invoice is void and not payable.',
    };
    const content = this.text(sentence[invoice.status]);
    doc.font('regular').fontSize(10);
    const height = doc.heightOfString(content, { width });
    this.ensureRoom(20 + 14 + height);
    doc.y += 20;
    this.label('PAYMENT', left, doc.y, width);
    doc.font('regular').fontSize(10).fillColor(INK);
    doc.text(content, left, doc.y + 2, { width });
  }

  private drawNotes(): void {
    const { doc, invoice, left, width } = this;
    if (invoice.notes === undefined || invoice.notes.trim() === '') return;
    this.ensureRoom(16 + 14 + 24);
    doc.y += 16;
    this.label('NOTES', left, doc.y, width);
    doc.font('regular').fontSize(9).fillColor(INK);
    // Long notes flow onto further pages by themselves, above the footer's margin.
    doc.text(this.text(invoice.notes), left, doc.y + 2, { width });
  }

  private drawFooters(): void {
    const { doc, invoice, left, width } = this;
    const range = doc.bufferedPageRange();
    for (let index = range.start; index < range.start + range.count; index += 1) {
      doc.switchToPage(index);
      // pdfkit starts a new page when text goes below the bottom margin; the footer lives there.
      const margins = doc.page.margins;
      const savedBottom = margins.bottom;
      margins.bottom = 0;
      const y = doc.page.height - MARGIN - 8;
      doc
        .moveTo(left, y - 6)
        .lineTo(left + width, y - 6)
        .lineWidth(0.5)
        .strokeColor(RULE)
        .stroke();
      doc.font('regular').fontSize(8).fillColor(MUTED);
      const seller = `${invoice.seller.name} · Invoice ${invoice.number}`;
      this.clipped(seller, left, y, { width: width - 110, lines: 1 });
      doc.text(`Page ${index - range.start + 1} of ${range.count}`, left + width - 100, y, {
        width: 100,
        align: 'right',
        lineBreak: false,
      });
      margins.bottom = savedBottom;
    }
  }
}
