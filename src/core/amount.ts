/**
 * Credits are integers of micro-credits (rule 1): 1 credit = 1,000,000 micros, held in `bigint`
 * everywhere inside Tally and converted to and from decimal strings only at the edges.
 */
import { parseDecimal } from './decimal.js';
import { invalid, ok, type Result } from './refusal.js';

export type Micros = bigint;

export const MICROS_PER_CREDIT = 1_000_000n;
export const CREDIT_DECIMALS = 6;

/** The largest amount Tally accepts in one request: far above any real pool, far below 2^63. */
export const MAX_MICROS = 1_000_000_000_000n * MICROS_PER_CREDIT;

/** Whole credits to micros, for code and tests that speak in credits. */
export function credits(whole: number | bigint): Micros {
  return BigInt(whole) * MICROS_PER_CREDIT;
}

/** "1500", "0.0015", "-7": at most six fractional digits, no exponent, no trailing zeros. */
export function formatCredits(micros: Micros): string {
  const sign = micros < 0n ? '-' : '';
  const magnitude = micros < 0n ? -micros : micros;
  const whole = magnitude / MICROS_PER_CREDIT;
  const fraction = magnitude % MICROS_PER_CREDIT;
  if (fraction === 0n) return `${sign}${whole}`;
  const digits = fraction.toString().padStart(CREDIT_DECIMALS, '0').replace(/0+$/, '');
  return `${sign}${whole}.${digits}`;
}

export interface ParseCreditsOptions {
  /** Name of the field, for the refusal. */
  field: string;
  allowZero?: boolean;
  allowNegative?: boolean;
}

/**
 * Reads a credit amount from a JSON number or a decimal string. Anything that is not exactly
 * representable in micro-credits is refused rather than rounded: a client that sends 0.0000001
 * has a bug we should tell it about.
 */
export function parseCredits(input: unknown, options: ParseCreditsOptions): Result<Micros> {
  const { field } = options;
  const decimal = parseDecimal(input);
  if (!decimal.ok) return invalid(field, `${field} must be a decimal number of credits`);
  const { units, scale } = decimal.value;
  if (scale > CREDIT_DECIMALS) {
    return invalid(field, `${field} has more than ${CREDIT_DECIMALS} decimal places`);
  }
  const micros = units * 10n ** BigInt(CREDIT_DECIMALS - scale);
  if (micros < 0n && !options.allowNegative) return invalid(field, `${field} must not be negative`);
  if (micros === 0n && !options.allowZero) return invalid(field, `${field} must not be zero`);
  if (micros > MAX_MICROS || micros < -MAX_MICROS) {
    return invalid(field, `${field} is larger than ${formatCredits(MAX_MICROS)} credits`);
  }
  return ok(micros);
}
