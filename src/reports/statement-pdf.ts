/**
 * A statement as an A4 PDF, in the invoice's style (src/billing/invoice-pdf.ts): the month as the
 * title, whether it is final or still running, the org and the period on its wall clock, the
 * reconciliation by credit kind (opening + added − consumed − expired = closing) with a total
 * row, what is carried forward and how many usage transactions there were, and a footer stating
 * the rule every row keeps.
 *
 * Credits print as the API's exact decimals with "," between thousands ("12,500.125"): a fixed
 * format whatever the reader's locale, so the PDF shows the same figures as the JSON and the CSV.
 */
import {
  HEADER_FILL,
  INK,
  MARGIN,
  MUTED,
  renderA4Document,
  RULE,
} from '../billing/document-style.js';
import { groupDecimal, groupThousands } from '../billing/format-money.js';
import { defaultInvoiceFont, drawableText, type InvoiceFont } from '../billing/invoice-font.js';
import { formatCredits, type Micros } from '../core/amount.js';
import { GRANT_KINDS, type GrantKind } from '../core/grant.js';
import type { KindFlows } from '../core/statement.js';
import type { Statement } from '../ledger/ledger.js';
import { isoInZone, type StatementOrg } from './statement-csv.js';

export interface RenderStatementPdfOptions {
  /** Defaults to the invoices' font: a TrueType font found on the machine, else Helvetica. */
  readonly font?: InvoiceFont;
}

const FINAL_COLOR = '#1a7f37';
const RUNNING_COLOR = '#9a6700';

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const KIND_LABELS: Record<GrantKind, string> = {
  allowance: 'Allowance',
  purchase: 'Purchase',
  trial: 'Trial',
  promo: 'Promo',
  admin_grant: 'Admin grant',
  refund: 'Refund',
};

const FLOW_FIELDS = ['opening', 'added', 'consumed', 'expired', 'closing'] as const;

/** "2026-03" as "March 2026"; English on purpose, like every other word of the document. */
export function monthTitle(month: string): string {
  const [year = '', number = ''] = month.split('-');
  return `${MONTH_NAMES[Number(number) - 1] ?? number} ${year}`;
}

/**
 * Renders `statement` as PDF bytes. Throws (a bug upstream, never a customer's input) when the
 * statement does not reconcile: a document whose footer says every row adds up must be true.
 */
export async function renderStatementPdf(
  statement: Statement,
  org: StatementOrg,
  options: RenderStatementPdfOptions = {},
): Promise<Buffer> {
  checkStatement(statement);
  const font = options.font ?? defaultInvoiceFont();
  return renderA4Document(
    {
      Title: drawableText(`Statement ${monthTitle(statement.month)}, ${org.name}`, font),
      Author: 'Tally',
      // The instant the figures are as of rather than now: the same statement, the same bytes.
      CreationDate: new Date(statement.asOf),
    },
    font,
    (doc) => new StatementLayout(doc, statement, org, font).draw(),
  );
}

function reconciles(flows: KindFlows): boolean {
  return flows.opening + flows.added - flows.consumed - flows.expired === flows.closing;
}

function checkStatement(statement: Statement): void {
  const problems: string[] = [];
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(statement.month)) problems.push('the month is not YYYY-MM');
  for (const kind of GRANT_KINDS) {
    if (!reconciles(statement.byKind[kind])) problems.push(`${kind} does not reconcile`);
  }
  if (!reconciles(statement)) problems.push('the total does not reconcile');
  for (const field of FLOW_FIELDS) {
    const sum = GRANT_KINDS.reduce((total, kind) => total + statement.byKind[kind][field], 0n);
    if (sum !== statement[field])
      problems.push(`${field}: kinds sum to ${sum}, total is ${statement[field]}`);
  }
  if (problems.length > 0) {
    throw new Error(`statement ${statement.month} cannot be rendered: ${problems.join('; ')}`);
  }
}

interface Column {
  readonly x: number;
  readonly width: number;
  readonly align: 'left' | 'right';
}

interface WallClock {
  /** "2026-03-01 00:00:00" */
  readonly time: string;
  /** "UTC+01:00", or "UTC" */
  readonly offset: string;
}

/** Drawing state for one document. */
class StatementLayout {
  private readonly left: number;
  private readonly width: number;
  private readonly columns: readonly Column[];
  private readonly minus: string;

  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly statement: Statement,
    private readonly org: StatementOrg,
    private readonly font: InvoiceFont,
  ) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
    const gap = 8;
    const kindWidth = 90;
    const figureWidth = (this.width - kindWidth - FLOW_FIELDS.length * gap) / FLOW_FIELDS.length;
    this.columns = [
      { x: this.left, width: kindWidth, align: 'left' },
      ...FLOW_FIELDS.map((_, index) => ({
        x: this.left + kindWidth + gap + index * (figureWidth + gap),
        width: figureWidth,
        align: 'right' as const,
      })),
    ];
    // Helvetica (the fallback font) has no U+2212; a hyphen says the same.
    this.minus = font.canDraw(0x2212) ? '\u2212' : '-';
  }

  draw(): void {
    this.drawHeader();
    this.drawParties();
    this.drawTable();
    this.drawSummary();
    this.drawFooters();
  }

  private text(content: string): string {
    return drawableText(content, this.font);
  }

  private wallClock(instant: number): WallClock {
    const iso = isoInZone(instant, this.org.timeZone);
    const offset = iso.slice(23);
    return {
      time: `${iso.slice(0, 10)} ${iso.slice(11, 19)}`,
      offset: offset === 'Z' ? 'UTC' : `UTC${offset}`,
    };
  }

  private credits(micros: Micros): string {
    return groupDecimal(formatCredits(micros));
  }

  private label(content: string, x: number, y: number, width: number): void {
    this.doc.font('bold').fontSize(8).fillColor(MUTED);
    this.doc.text(content, x, y, { width, characterSpacing: 0.5 });
  }

  private rule(y: number, color = RULE, lineWidth = 0.5): void {
    const { doc, left, width } = this;
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .lineWidth(lineWidth)
      .strokeColor(color)
      .stroke();
  }

  /** Text the customer chose (the org's name, its id), cut with an ellipsis beyond `lines`. */
  private clipped(content: string, x: number, y: number, width: number, lines: number): void {
    const { doc } = this;
    doc.text(this.text(content), x, y, {
      width,
      height: lines * doc.currentLineHeight(true),
      ellipsis: true,
    });
  }

  private drawHeader(): void {
    const { doc, statement, left, width } = this;
    const top = doc.page.margins.top;
    const statusWidth = 120;
    doc.font('bold').fontSize(20).fillColor(INK);
    doc.text(`Statement ${monthTitle(statement.month)}`, left, top, {
      width: width - statusWidth - 10,
    });
    const titleBottom = doc.y;
    doc.font('bold').fontSize(11);
    doc.fillColor(statement.final ? FINAL_COLOR : RUNNING_COLOR);
    doc.text(statement.final ? 'FINAL' : 'RUNNING', left + width - statusWidth, top + 6, {
      width: statusWidth,
      align: 'right',
    });
    doc.y = Math.max(titleBottom, doc.y) + 18;
    this.rule(doc.y);
    doc.y += 14;
  }

  private drawParties(): void {
    const { doc, statement, org, left, width } = this;
    const top = doc.y;
    const half = (width - 20) / 2;
    const rightX = left + half + 20;

    this.label('ORGANISATION', left, top, half);
    doc.font('bold').fontSize(11).fillColor(INK);
    this.clipped(org.name, left, doc.y + 2, half, 2);
    doc.font('regular').fontSize(9).fillColor(MUTED);
    this.clipped(org.id, left, doc.y + 1, half, 1);
    const orgBottom = doc.y;

    const start = this.wallClock(statement.start);
    const end = this.wallClock(statement.end);
    const offsets = start.offset === end.offset ? start.offset : `${start.offset} to ${end.offset}`;
    this.label('PERIOD', rightX, top, half);
    doc.font('regular').fontSize(10).fillColor(INK);
    // Periods start at midnight (or when a DST gap ends): minutes say it; seconds are noise.
    const minutes = (clock: WallClock) => clock.time.slice(0, 16);
    doc.text(`${minutes(start)} to ${minutes(end)}`, rightX, doc.y + 2, { width: half });
    doc.fontSize(9).fillColor(MUTED);
    this.clipped(`${org.timeZone} (${offsets})`, rightX, doc.y + 1, half, 1);
    doc.fontSize(9).fillColor(INK);
    if (statement.final) {
      doc.text('Final: the month has ended.', rightX, doc.y + 4, { width: half });
    } else {
      const asOf = this.wallClock(statement.asOf);
      doc.text(
        `Running, as of ${asOf.time} (${asOf.offset}): figures change until the month ends.`,
        rightX,
        doc.y + 4,
        { width: half },
      );
    }
    doc.y = Math.max(orgBottom, doc.y) + 24;
  }

  /**
   * The largest size, from 9 points down, at which every figure fits its column on one line: a
   * pool of a billion credits with six decimals must not wrap its digits.
   */
  private figureSize(rows: readonly (readonly string[])[]): number {
    const { doc } = this;
    const widest = Math.min(...this.columns.slice(1).map((column) => column.width));
    doc.font('bold');
    let size = 9;
    while (size > 5) {
      doc.fontSize(size);
      if (rows.every((row) => row.every((figure) => doc.widthOfString(figure) <= widest))) break;
      size -= 0.5;
    }
    return size;
  }

  private drawTable(): void {
    const { doc, statement, left, width } = this;
    const row = (flows: KindFlows) => FLOW_FIELDS.map((field) => this.credits(flows[field]));
    const kindRows = GRANT_KINDS.map((kind) => [KIND_LABELS[kind], ...row(statement.byKind[kind])]);
    const totalRow = ['Total', ...row(statement)];
    const size = this.figureSize([...kindRows, totalRow].map((cells) => cells.slice(1)));

    this.label('CREDITS BY KIND', left, doc.y, width);
    doc.y += 6;
    const headerTop = doc.y;
    const headerHeight = 20;
    doc.rect(left, headerTop, width, headerHeight).fill(HEADER_FILL);
    doc.font('bold').fontSize(8).fillColor(MUTED);
    const titles = [
      'KIND',
      'OPENING',
      '+ ADDED',
      `${this.minus} CONSUMED`,
      `${this.minus} EXPIRED`,
      '= CLOSING',
    ];
    this.columns.forEach((column, index) => {
      doc.text(titles[index] ?? '', column.x, headerTop + 6, {
        width: column.width,
        align: column.align,
      });
    });
    doc.y = headerTop + headerHeight;

    const rowHeight = Math.max(20, size + 11);
    const drawRow = (cells: readonly string[], strong: boolean) => {
      const top = doc.y;
      doc.font(strong ? 'bold' : 'regular').fillColor(INK);
      this.columns.forEach((column, index) => {
        // Labels keep the table's size; figures may be smaller to stay on one line.
        doc.fontSize(index === 0 ? 9 : size);
        doc.text(cells[index] ?? '', column.x, top + (rowHeight - doc.currentLineHeight()) / 2, {
          width: column.width,
          align: column.align,
          lineBreak: false,
        });
      });
      doc.y = top + rowHeight;
    };
    kindRows.forEach((cells, index) => {
      drawRow(cells, false);
      if (index < kindRows.length - 1) this.rule(doc.y);
    });
    this.rule(doc.y, INK, 0.75);
    drawRow(totalRow, true);
    this.rule(doc.y);
  }

  private drawSummary(): void {
    const { doc, statement, left, width } = this;
    const rows: readonly (readonly [string, string])[] = [
      ['Carried forward', `${this.credits(statement.carriedForward)} credits`],
      ['Usage transactions', groupThousands(String(statement.usageCount))],
    ];
    doc.y += 14;
    const valueWidth = 180;
    const valueX = left + width - valueWidth;
    const labelWidth = 140;
    const labelX = valueX - labelWidth - 10;
    for (const [label, value] of rows) {
      const top = doc.y;
      doc.font('regular').fontSize(10).fillColor(MUTED);
      doc.text(label, labelX, top, { width: labelWidth, align: 'right' });
      doc.font('bold').fillColor(INK).text(value, valueX, top, {
        width: valueWidth,
        align: 'right',
      });
      doc.y = top + 18;
    }
    doc.y += 12;
    doc.font('regular').fontSize(9).fillColor(MUTED);
    doc.text(
      'Amounts are credits. Carried forward is the part of the closing balance still usable ' +
        'after the month; allowances never carry forward.',
      left,
      doc.y,
      { width },
    );
  }

  private drawFooters(): void {
    const { doc, left, width, minus } = this;
    const range = doc.bufferedPageRange();
    for (let index = range.start; index < range.start + range.count; index += 1) {
      doc.switchToPage(index);
      // pdfkit starts a new page when text goes below the bottom margin; the footer lives there.
      const margins = doc.page.margins;
      const savedBottom = margins.bottom;
      margins.bottom = 0;
      const y = doc.page.height - MARGIN - 8;
      this.rule(y - 6);
      doc.font('regular').fontSize(8).fillColor(MUTED);
      doc.text(
        `For every kind: opening + added ${minus} consumed ${minus} expired = closing, to the micro-credit.`,
        left,
        y,
        { width: width - 110, lineBreak: false },
      );
      doc.text(`Page ${index - range.start + 1} of ${range.count}`, left + width - 100, y, {
        width: 100,
        align: 'right',
        lineBreak: false,
      });
      margins.bottom = savedBottom;
    }
  }
}
