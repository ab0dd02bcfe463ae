import { describe, expect, it } from 'vitest';
import { credits, formatCredits, parseCredits } from './amount.js';
import { divideRoundHalfUp, parseDecimal } from './decimal.js';

const parsed = (input: unknown, options: { allowZero?: boolean; allowNegative?: boolean } = {}) => {
  const result = parseCredits(input, { field: 'credits', ...options });
  return result.ok ? result.value : result.refusal.message;
};

describe('amounts (rule 1)', () => {
  it('reads decimal strings and JSON numbers exactly', () => {
    expect(parsed('1500')).toBe(1_500_000_000n);
    expect(parsed('0.0015')).toBe(1500n);
    expect(parsed(0.1)).toBe(100_000n);
    expect(parsed(0.000001)).toBe(1n);
    expect(parsed('1e3')).toBe(credits(1000));
    expect(parsed(' 12.500000 ')).toBe(12_500_000n);
  });

  it('refuses what it cannot hold exactly, naming the field', () => {
    expect(parsed('0.0000001')).toMatch(/more than 6 decimal places/);
    expect(parsed(1e-7)).toMatch(/more than 6 decimal places/);
    expect(parsed(-5)).toMatch(/must not be negative/);
    expect(parsed('0')).toMatch(/must not be zero/);
    expect(parsed(1e30)).toMatch(/larger than/);
    expect(parsed('12abc')).toMatch(/decimal number/);
    expect(parsed('')).toMatch(/decimal number/);
    expect(parsed(Number.NaN)).toMatch(/decimal number/);
    expect(parsed(Infinity)).toMatch(/decimal number/);
    expect(parsed(null)).toMatch(/decimal number/);
    expect(parsed({})).toMatch(/decimal number/);
    const refused = parseCredits('-1', { field: 'allowance.credits' });
    expect(refused.ok ? undefined : refused.refusal).toMatchObject({
      code: 'invalid_request',
      details: { field: 'allowance.credits' },
    });
  });

  it('accepts zero and negatives only when asked', () => {
    expect(parsed('0', { allowZero: true })).toBe(0n);
    expect(parsed('-7', { allowNegative: true })).toBe(-7_000_000n);
  });

  it('writes the shortest exact decimal', () => {
    expect(formatCredits(credits(1500))).toBe('1500');
    expect(formatCredits(1500n)).toBe('0.0015');
    expect(formatCredits(-7_000_000n)).toBe('-7');
    expect(formatCredits(12_500_000n)).toBe('12.5');
    expect(formatCredits(1n)).toBe('0.000001');
    expect(formatCredits(0n)).toBe('0');
  });

  it('rounds half up, away from zero, and only at exactly one half', () => {
    expect(divideRoundHalfUp(3n, 2n)).toBe(2n);
    expect(divideRoundHalfUp(14_999n, 10_000n)).toBe(1n);
    expect(divideRoundHalfUp(15_000n, 10_000n)).toBe(2n);
    expect(divideRoundHalfUp(-3n, 2n)).toBe(-2n);
    expect(divideRoundHalfUp(1n, 3n)).toBe(0n);
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow();
    expect(parseDecimal('1.50')).toEqual({ ok: true, value: { units: 15n, scale: 1 } });
  });
});
