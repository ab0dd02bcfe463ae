/**
 * Prices: a feature costs the sum over its quantities of `quantity × credits / per`, computed as
 * an exact fraction and rounded once, half-up, to the micro-credit. A feature whose only unit is
 * `action` needs no quantities: one action.
 */
import { MAX_MICROS, type Micros } from './amount.js';
import { divideRoundHalfUp, parseDecimal, type Decimal } from './decimal.js';
import { invalid, ok, refuse, type Result } from './refusal.js';

export const ACTION_UNIT = 'action';

export interface PriceLine {
  readonly unit: string;
  /** Credits for every `per` units. */
  readonly credits: Micros;
  readonly per: Decimal;
}

/** Quantities as the client sent them: unit → number (or decimal string). */
export type Quantities = Readonly<Record<string, unknown>>;

/** Validated quantities: unit → exact decimal. */
export type ExactQuantities = ReadonlyMap<string, Decimal>;

const MAX_QUANTITY_DIGITS = 24;

export function priceCharge(
  featureId: string,
  lines: readonly PriceLine[],
  quantities: Quantities | undefined,
): Result<{ credits: Micros; quantities: ExactQuantities }> {
  const exact = readQuantities(featureId, lines, quantities);
  if (!exact.ok) return exact;
  let numerator = 0n;
  let denominator = 1n;
  for (const line of lines) {
    const quantity = exact.value.get(line.unit);
    if (quantity === undefined) continue;
    // quantity × credits / per  =  (qUnits × credits × 10^perScale) / (10^qScale × perUnits)
    const termNumerator = quantity.units * line.credits * 10n ** BigInt(line.per.scale);
    const termDenominator = 10n ** BigInt(quantity.scale) * line.per.units;
    numerator = numerator * termDenominator + termNumerator * denominator;
    denominator *= termDenominator;
  }
  const cost = divideRoundHalfUp(numerator, denominator);
  if (cost > MAX_MICROS) return invalid('quantities', 'the charge would exceed the largest amount');
  return ok({ credits: cost, quantities: exact.value });
}

function readQuantities(
  featureId: string,
  lines: readonly PriceLine[],
  quantities: Quantities | undefined,
): Result<ExactQuantities> {
  const units = new Set(lines.map((line) => line.unit));
  if (quantities === undefined || Object.keys(quantities).length === 0) {
    if (units.size === 1 && units.has(ACTION_UNIT)) {
      return ok(new Map([[ACTION_UNIT, { units: 1n, scale: 0 }]]));
    }
    return invalid(
      'quantities',
      `quantities are required for ${featureId} (units: ${[...units].join(', ')})`,
    );
  }
  const exact = new Map<string, Decimal>();
  for (const [unit, value] of Object.entries(quantities)) {
    if (!units.has(unit)) {
      return refuse('unknown_unit', `${featureId} is not priced in ${unit}`, {
        feature: featureId,
        unit,
        units: [...units],
      });
    }
    const field = `quantities.${unit}`;
    const decimal = parseDecimal(value);
    if (!decimal.ok) return invalid(field, `${field} must be a number`);
    if (decimal.value.units < 0n) return invalid(field, `${field} must not be negative`);
    if (decimal.value.units.toString().length > MAX_QUANTITY_DIGITS || decimal.value.scale > 12) {
      return invalid(field, `${field} is too large or too precise`);
    }
    exact.set(unit, decimal.value);
  }
  return ok(exact);
}

/** Reads and checks the lines of a new price version. */
export function parsePriceLines(
  input: readonly { unit: unknown; credits: unknown; per?: unknown }[],
  parseCredits: (value: unknown, field: string) => Result<Micros>,
): Result<PriceLine[]> {
  if (input.length === 0) return invalid('prices', 'prices must have at least one line');
  const seen = new Set<string>();
  const lines: PriceLine[] = [];
  for (const [index, line] of input.entries()) {
    const field = `prices[${index}]`;
    if (typeof line.unit !== 'string' || !/^[a-z][a-z0-9_.-]{0,63}$/.test(line.unit)) {
      return invalid(`${field}.unit`, `${field}.unit must be a lowercase unit name`);
    }
    if (seen.has(line.unit)) return invalid(`${field}.unit`, `unit ${line.unit} is priced twice`);
    seen.add(line.unit);
    const credits = parseCredits(line.credits, `${field}.credits`);
    if (!credits.ok) return credits;
    const per = parseDecimal(line.per ?? 1);
    if (!per.ok || per.value.units <= 0n || per.value.scale > 6) {
      return invalid(`${field}.per`, `${field}.per must be a positive number`);
    }
    lines.push({ unit: line.unit, credits: credits.value, per: per.value });
  }
  return ok(lines);
}
