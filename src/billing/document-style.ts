/**
 * The look of Tally's PDF documents (invoices, statements): page margin, room for the footer and
 * the palette, in one place so that every document looks like it comes from the same product.
 */
import PDFDocument from 'pdfkit';
import type { InvoiceFont } from './invoice-font.js';

export const MARGIN = 50;
/** Room kept below the flowing content for the footer. */
export const FOOTER_HEIGHT = 30;
export const INK = '#1f2328';
export const MUTED = '#59636e';
export const RULE = '#d1d9e0';
export const HEADER_FILL = '#f0f3f6';

/**
 * An A4 document in that look, drawn by `draw` with the fonts registered as `regular` and
 * `bold`, as bytes. Pages stay in memory until the end so that footers can count them; `info`
 * carries a fixed creation date so that the same document always renders to the same bytes.
 */
export function renderA4Document(
  info: PDFKit.DocumentInfo,
  font: InvoiceFont,
  draw: (doc: PDFKit.PDFDocument) => void,
): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: MARGIN + FOOTER_HEIGHT },
    bufferPages: true,
    info: { Creator: 'Tally', ...info },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', font.regular);
  doc.registerFont('bold', font.bold);
  draw(doc);
  doc.end();
  return done;
}
