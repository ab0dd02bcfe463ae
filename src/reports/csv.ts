/**
 * A small RFC 4180 writer: cells are quoted only when they must be, lines end with CRLF, and free
 * text typed by users is kept from running as a spreadsheet formula when the file is opened.
 *
 * Exports write millions of cells, so the checks are native scans (indexOf) and character codes
 * rather than regexes.
 */

const CR = 0x0d;
const TAB = 0x09;
const EQUALS = 0x3d;
const PLUS = 0x2b;
const MINUS = 0x2d;
const AT = 0x40;

export type CellValue = string | number | null | undefined;

/**
 * One cell, as it goes between the commas: quoted when it holds a comma, a quote, CR or LF, with
 * its quotes doubled (RFC 4180 section 2, rules 6 and 7). `null` and `undefined` are empty cells.
 */
export function csvCell(value: CellValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  // indexOf is a native scan: faster per cell than a loop over the characters or a regex.
  if (text.indexOf('"') !== -1) return `"${text.replaceAll('"', '""')}"`;
  if (text.indexOf(',') !== -1 || text.indexOf('\n') !== -1 || text.indexOf('\r') !== -1) {
    return `"${text}"`;
  }
  return text;
}

/**
 * Whether a spreadsheet (Excel, LibreOffice, Google Sheets) would read the text as a formula:
 * it starts with =, +, - or @, or with a TAB or CR that some of them skip before looking.
 */
export function startsLikeFormula(text: string): boolean {
  const first = text.charCodeAt(0);
  return (
    first === EQUALS ||
    first === PLUS ||
    first === MINUS ||
    first === AT ||
    first === TAB ||
    first === CR
  );
}

/**
 * A cell of free text that came from a user (a note, a user or project name, metadata): like
 * `csvCell`, but text that would start a formula gets a leading apostrophe, which spreadsheets
 * show as text and never evaluate (OWASP's advice against CSV injection). Only for text: amounts
 * such as "-2.5" must stay numbers, so they go through `csvCell`.
 */
export function csvTextCell(value: CellValue): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return csvCell(text.length > 0 && startsLikeFormula(text) ? `'${text}` : text);
}

/** One record: cells already made by `csvCell` or `csvTextCell`, joined by commas, ended by CRLF. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.join(',')}\r\n`;
}
