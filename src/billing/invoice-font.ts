/**
 * The font invoices are drawn with, and the rule for characters it cannot draw.
 *
 * PDF's 14 standard fonts need no embedding but only cover Windows-1252: "Café Zoë" prints,
 * "Łódź" and "東京" do not (pdfkit would write wrong bytes, not fail). So we embed a TrueType
 * font found on the machine, preferring DejaVu Sans (Latin, Greek, Cyrillic and more; pdfkit
 * subsets it, so a PDF grows by tens of kilobytes, not the whole file). Where none is installed
 * (a slim container) we fall back to Helvetica. Either way a character the chosen font has no
 * glyph for is printed as "?": a visible, searchable mark that something was lost, where the
 * font's .notdef box would look like a rendering bug. No CJK font is looked for on purpose: the
 * usual ones are 15 to 20 MB collections that pdfkit subsets slowly, and names in Han script
 * remain readable in the API and the UI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as fontkit from 'fontkit';

export interface InvoiceFont {
  /** What pdfkit draws with: the name of a standard font or the bytes of a TrueType file. */
  readonly regular: string | Buffer;
  readonly bold: string | Buffer;
  /** Where the font came from, for logs and tests. */
  readonly source: string;
  canDraw(codePoint: number): boolean;
}

/** Code points outside Latin-1 that Windows-1252 (and so pdfkit's standard fonts) can draw. */
const WIN_ANSI_EXTRAS = new Set([
  0x0152, 0x0153, 0x0160, 0x0161, 0x0178, 0x017d, 0x017e, 0x0192, 0x02c6, 0x02dc, 0x2013, 0x2014,
  0x2018, 0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039,
  0x203a, 0x20ac, 0x2122,
]);

/** Helvetica, built into every PDF reader; draws Windows-1252 only. */
export const STANDARD_INVOICE_FONT: InvoiceFont = {
  regular: 'Helvetica',
  bold: 'Helvetica-Bold',
  source: 'Helvetica (standard PDF font)',
  canDraw: (codePoint) =>
    (codePoint >= 0x20 && codePoint <= 0x7e) ||
    (codePoint >= 0xa0 && codePoint <= 0xff) ||
    WIN_ANSI_EXTRAS.has(codePoint),
};

/** Regular and bold files, best first; all TrueType, which pdfkit embeds and subsets well. */
const CANDIDATES: readonly (readonly [regular: string, bold: string])[] = [
  ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'],
  ['NotoSans-Regular.ttf', 'NotoSans-Bold.ttf'],
  ['LiberationSans-Regular.ttf', 'LiberationSans-Bold.ttf'],
];

const FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts'];

/** The first candidate font found under `dirs`, or undefined. Reads the disk; call once. */
export function findSystemFont(dirs: readonly string[] = FONT_DIRS): InvoiceFont | undefined {
  const files = new Map<string, string>();
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
    } catch {
      continue; // A missing or unreadable directory just holds no fonts.
    }
    for (const entry of entries) {
      const name = basename(entry);
      if (!files.has(name)) files.set(name, join(dir, entry));
    }
  }
  for (const [regularName, boldName] of CANDIDATES) {
    const regularPath = files.get(regularName);
    if (regularPath === undefined) continue;
    try {
      const regular = readFileSync(regularPath);
      const boldPath = files.get(boldName);
      const bold = boldPath === undefined ? regular : readFileSync(boldPath);
      const parsed = fontkit.create(regular);
      // A TrueType collection would need a PostScript name; our candidates are single fonts.
      if (!('hasGlyphForCodePoint' in parsed)) continue;
      return {
        regular,
        bold,
        source: regularPath,
        canDraw: (codePoint) => parsed.hasGlyphForCodePoint(codePoint),
      };
    } catch {
      continue; // A truncated or unreadable file: try the next candidate.
    }
  }
  return undefined;
}

let defaultFont: InvoiceFont | undefined;

/** The font invoices use unless told otherwise: a system font if any, else Helvetica. */
export function defaultInvoiceFont(): InvoiceFont {
  defaultFont ??= findSystemFont() ?? STANDARD_INVOICE_FONT;
  return defaultFont;
}

/**
 * Text as `font` can draw it: composed to NFC first (so "e" + combining acute becomes "é", which
 * the font has), control characters as spaces (newlines kept), anything else missing as "?".
 */
export function drawableText(text: string, font: InvoiceFont): string {
  let out = '';
  for (const char of text.normalize('NFC')) {
    const codePoint = char.codePointAt(0) ?? 0x3f;
    if (char === '\n') out += char;
    else if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0)) out += ' ';
    else out += font.canDraw(codePoint) ? char : '?';
  }
  return out;
}
