/**
 * Money as people read it in the CLI: the API's integer minor units (2500 USD cents) as
 * "25.00 USD", cut with the same bigint arithmetic and currency exponents as the invoices, so a
 * figure in the terminal is the figure on the PDF. Never floating point.
 */
import { formatMinorUnits } from '../billing/format-money.js';

/** "25.00 USD", "2,500 JPY"; with `sign`, "+87.00 USD" (zero unsigned); null as "". */
export function formatMoney(
  minor: number | null | undefined,
  currency: string,
  options: { sign?: boolean } = {},
): string {
  if (minor == null) return '';
  if (!Number.isSafeInteger(minor)) return `${String(minor)} ${currency}`;
  let digits: string;
  try {
    digits = formatMinorUnits(BigInt(minor), currency);
  } catch {
    // A currency this build does not know: the minor units as they came, still exact.
    digits = String(minor);
  }
  const sign = options.sign === true && minor > 0 ? '+' : '';
  return `${sign}${digits} ${currency}`;
}

/** The API's formatted copy with its currency: "0.02" and "USD" as "0.02 USD". */
export function withCurrency(formatted: string, currency: string): string {
  return `${formatted} ${currency}`;
}
