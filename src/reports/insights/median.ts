/**
 * The median used as the baseline of outliers. Amounts are bigint micro-credits, so the median
 * stays exact: no float ever decides whether a day is flagged.
 */

/**
 * The middle value of `values`; for an even count, the mean of the two middle values rounded down
 * (towards negative infinity). The mean rather than the lower middle because a baseline of two
 * busy days and two quiet ones should sit between them, not on the quiet side, which would flag
 * ordinary days; rounding down costs at most one micro-credit. Throws on an empty list: a median
 * of nothing is a caller's bug (callers check that they have enough history first).
 */
export function medianOf(values: readonly bigint[]): bigint {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as bigint;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[middle - 1] as bigint;
  return floorHalf(lower + upper);
}

/** `value / 2` rounded towards negative infinity (bigint division truncates towards zero). */
function floorHalf(value: bigint): bigint {
  const half = value / 2n;
  return value < 0n && value % 2n !== 0n ? half - 1n : half;
}
