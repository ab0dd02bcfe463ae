import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { medianOf } from './median.js';

describe('medianOf', () => {
  it('takes the middle of an odd count, whatever the input order', () => {
    expect(medianOf([7n])).toBe(7n);
    expect(medianOf([3n, 1n, 2n])).toBe(2n);
    expect(medianOf([10n, 1n, 1000n, 5n, 2n])).toBe(5n);
  });

  it('takes the mean of the two middles of an even count, rounded down', () => {
    expect(medianOf([1n, 3n])).toBe(2n);
    expect(medianOf([1n, 2n])).toBe(1n);
    expect(medianOf([4n, 1n, 2n, 100n])).toBe(3n);
    expect(medianOf([-1n, -2n])).toBe(-2n);
    expect(medianOf([-1n, 2n])).toBe(0n);
  });

  it('stays exact with amounts far beyond a float', () => {
    const big = 10n ** 18n;
    expect(medianOf([big + 1n, big + 2n])).toBe(big + 1n);
    expect(medianOf([big * 9n, big * 9n + 1n, 0n])).toBe(big * 9n);
  });

  it('refuses an empty list', () => {
    expect(() => medianOf([])).toThrow(RangeError);
  });

  it('does not reorder its input', () => {
    const values = [3n, 1n, 2n];
    medianOf(values);
    expect(values).toEqual([3n, 1n, 2n]);
  });

  it('has as many values at or below it as at or above it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), { minLength: 1 }),
        (values) => {
          const median = medianOf(values);
          const atOrBelow = values.filter((value) => value <= median).length;
          const atOrAbove = values.filter((value) => value >= median).length;
          expect(atOrBelow * 2).toBeGreaterThanOrEqual(values.length);
          expect(atOrAbove * 2).toBeGreaterThanOrEqual(values.length);
          expect(median >= values.reduce((a, b) => (a < b ? a : b))).toBe(true);
          expect(median <= values.reduce((a, b) => (a > b ? a : b))).toBe(true);
        },
      ),
    );
  });
});
