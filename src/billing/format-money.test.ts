import { describe, expect, it } from 'vitest';
import { currencyExponent, formatMinorUnits } from './format-money.js';

describe('formatMinorUnits', () => {
  it('prints two-decimal currencies', () => {
    expect(formatMinorUnits(0n, 'USD')).toBe('0.00');
    expect(formatMinorUnits(5n, 'USD')).toBe('0.05');
    expect(formatMinorUnits(2500n, 'USD')).toBe('25.00');
    expect(formatMinorUnits(123450n, 'EUR')).toBe('1,234.50');
    expect(formatMinorUnits(100000000n, 'USD')).toBe('1,000,000.00');
    expect(formatMinorUnits(-2500n, 'USD')).toBe('-25.00');
    expect(formatMinorUnits(-5n, 'USD')).toBe('-0.05');
  });

  it('prints zero-decimal and three-decimal currencies', () => {
    expect(formatMinorUnits(2500n, 'JPY')).toBe('2,500');
    expect(formatMinorUnits(0n, 'JPY')).toBe('0');
    expect(formatMinorUnits(1234500n, 'KWD')).toBe('1,234.500');
    expect(formatMinorUnits(5n, 'KWD')).toBe('0.005');
  });

  it('stays exact far beyond what a float holds', () => {
    // 2^53 + 1 cents: a float would print ...992.00.
    expect(formatMinorUnits(9007199254740993n, 'USD')).toBe('90,071,992,547,409.93');
    expect(formatMinorUnits(10n ** 22n + 1n, 'USD')).toBe('100,000,000,000,000,000,000.01');
  });

  it('counts minor units as Stripe does, and refuses unknown codes', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    // ICU says 0 for these; ISO 4217 and Stripe say 2.
    expect(currencyExponent('HUF')).toBe(2);
    expect(currencyExponent('IDR')).toBe(2);
    expect(currencyExponent('ISK')).toBe(2);
    expect(currencyExponent('MGA')).toBe(0);
    expect(formatMinorUnits(123450n, 'HUF')).toBe('1,234.50');
    expect(() => currencyExponent('usd')).toThrow(RangeError);
    expect(() => currencyExponent('ZZZ')).toThrow(RangeError);
    expect(() => formatMinorUnits(1n, 'US')).toThrow(RangeError);
  });
});
