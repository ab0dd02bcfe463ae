/**
 * Exact decimals for amounts and quantities: a value is `units / 10^scale`. JSON numbers are read
 * through their shortest round-trip text, so 0.1 is exactly one tenth and 1e-7 is refused where
 * a caller limits the scale, never silently rounded.
 */
import { ok, invalid, type Result } from './refusal.js';

export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const MAX_DIGITS = 40;

export function parseDecimal(input: unknown): Result<Decimal> {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return invalid('value', 'not a finite number');
    text = String(input);
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    return invalid('value', 'not a number');
  }
  const match = DECIMAL_TEXT.exec(text);
  if (!match || text.length > MAX_DIGITS) return invalid('value', 'not a decimal number');
  const [, minus, whole = '', fraction = '', exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > MAX_DIGITS) return invalid('value', 'exponent out of range');
  let units = BigInt(whole + fraction);
  let scale = fraction.length - exponent;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  // Trailing zeros carry no precision: "1.50" is as exact as "1.5".
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return ok({ units: minus ? -units : units, scale });
}

/** Rounds `numerator / denominator` half-up (away from zero at exactly one half); both may be any sign. */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const quotient = (2n * n + d) / (2n * d);
  return negative ? -quotient : quotient;
}
