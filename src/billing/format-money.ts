/**
 * Money on invoices: an integer of minor units (cents, yen, fils) and an ISO 4217 code, printed
 * with exactly the currency's number of decimals. The digits are cut with bigint arithmetic, so
 * no amount ever passes through a float.
 */

const CURRENCY_CODE = /^[A-Z]{3}$/;

/**
 * Currencies whose minor unit is not a hundredth, as Stripe counts them (docs.stripe.com/currencies):
 * Tally hands `amount` to Stripe unchanged, so its minor units must be Stripe's, or an invoice
 * would print a hundred times what the card was charged. Stripe follows ISO 4217 except for MGA
 * (ISO 2 decimals, Stripe 0) and ISK (ISO 0, Stripe 2 "for backwards compatibility"); IQD and LYD,
 * which Stripe does not take, keep ISO's 3 for manual invoices. Intl is not used for this: ICU
 * prints HUF, IDR, COP, PKR and a dozen more with 0 decimals where ISO 4217 and Stripe use 2.
 */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

let knownCurrencies: ReadonlySet<string> | undefined;

/**
 * Decimals of a currency's minor unit: USD, EUR and HUF 2, JPY 0, KWD 3. Whoever stores or sends
 * amounts in minor units must use this same function.
 */
export function currencyExponent(currency: string): number {
  knownCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
  // Intl knows every ISO 4217 code; an invoice in a currency nobody knows is a bug upstream,
  // better caught here than printed.
  if (!CURRENCY_CODE.test(currency) || !knownCurrencies.has(currency)) {
    throw new RangeError(`unknown ISO 4217 currency code: ${JSON.stringify(currency)}`);
  }
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

/** "1234567" as "1,234,567": grouping is fixed, not the reader's locale, so every copy agrees. */
export function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A decimal string with its whole part grouped: "1234.5" as "1,234.5". */
export function groupDecimal(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  return fraction === undefined ? groupThousands(whole) : `${groupThousands(whole)}.${fraction}`;
}

/**
 * Minor units as a plain decimal without symbol: 123450n USD is "1,234.50", 2500n JPY "2,500",
 * 1234500n KWD "1,234.500", -2500n USD "-25.00". The currency code is printed beside the amount
 * by the caller; the format does not follow the reader's locale, so a figure on the PDF is the
 * same string as in the API, the CSV and the tests.
 */
export function formatMinorUnits(minor: bigint, currency: string): string {
  const exponent = currencyExponent(currency);
  const sign = minor < 0n ? '-' : '';
  const magnitude = minor < 0n ? -minor : minor;
  const scale = 10n ** BigInt(exponent);
  const whole = groupThousands((magnitude / scale).toString());
  if (exponent === 0) return `${sign}${whole}`;
  const fraction = (magnitude % scale).toString().padStart(exponent, '0');
  return `${sign}${whole}.${fraction}`;
}
