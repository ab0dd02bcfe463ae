/**
 * The look of Tally's PDF documents (invoices, statements): page margin, room for the footer and
 * the palette, in one place so that every document looks like it comes from the same product.
 */
export const MARGIN = 50;
/** Room kept below the flowing content for the footer. */
export const FOOTER_HEIGHT = 30;
export const INK = '#1f2328';
export const MUTED = '#59636e';
export const RULE = '#d1d9e0';
export const HEADER_FILL = '#f0f3f6';
