import type { Micros } from '../core/amount.js';
import type { Instant } from '../core/period.js';
import { priceCharge, type ExactQuantities, type Quantities } from '../core/price.js';
import { refuse, type Result } from '../core/refusal.js';
import type { PriceVersion, QuantityRecord } from './model.js';

/** The version of a feature's price in force at `at`: the latest effective at or before it. */
export function priceVersionAt(
  versions: readonly PriceVersion[],
  at: Instant,
): PriceVersion | undefined {
  let current: PriceVersion | undefined;
  for (const version of versions) {
    if (version.effectiveAt <= at && (!current || version.effectiveAt >= current.effectiveAt)) {
      current = version;
    }
  }
  return current;
}

export function unknownFeature<T>(featureId: string, at: Instant): Result<T> {
  return refuse('unknown_feature', `no feature ${featureId} is priced at that time`, {
    feature: featureId,
    at: new Date(at).toISOString(),
  });
}

/** Prices `quantities` of `featureId` with the version in force at `at`. */
export function priceAt(
  featureId: string,
  versions: readonly PriceVersion[],
  at: Instant,
  quantities: Quantities | undefined,
): Result<{ credits: Micros; quantities: QuantityRecord }> {
  const version = priceVersionAt(versions, at);
  if (!version) return unknownFeature(featureId, at);
  const priced = priceCharge(featureId, version.lines, quantities);
  if (!priced.ok) return priced;
  return {
    ok: true,
    value: { credits: priced.value.credits, quantities: recordOf(priced.value.quantities) },
  };
}

function recordOf(quantities: ExactQuantities): QuantityRecord {
  const record: Record<string, string> = {};
  for (const [unit, { units, scale }] of quantities) {
    const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    record[unit] = units < 0n ? `-${text}` : text;
  }
  return record;
}
