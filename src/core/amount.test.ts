import { describe, expect, it } from 'vitest';
import { credits, formatCredits, MAX_MICROS, parseCredits } from './amount.js';

const parsed = (input: unknown, options: { allowZero?: boolean; allowNegative?: boolean } = {}) => {
  const result = parseCredits(input, { field: 'credits', ...options });
  return result.ok ? result.value : result.refusal.message;
};

describe('amounts (rule 1)', () => {
  it('reads decimal strings and JSON numbers exactly', () => {
    expect(parsed('1500')).toBe(1_500_000_000n);
    expect(parsed('0.0015')).toBe(1500n);
    expect(parsed(0.1)).toBe(100_000n);
    expect(parsed(0.3)).toBe(300_000n);
    expect(parsed(0.000001)).toBe(1n);
    expect(parsed('0.000001')).toBe(1n);
    expect(parsed(123456.789)).toBe(123_456_789_000n);
    expect(parsed(' 12.500000 ')).toBe(12_500_000n);
    // Zeros past the sixth place carry no precision.
    expect(parsed('1.0000000')).toBe(credits(1));
  });

  it('reads exponent forms', () => {
    expect(parsed('1e3')).toBe(credits(1000));
    expect(parsed('1.5E3')).toBe(credits(1500));
    expect(parsed('15e-1')).toBe(1_500_000n);
    expect(parsed('1e-6')).toBe(1n);
    expect(parsed(1e-6)).toBe(1n);
    expect(parsed(2e-6)).toBe(2n);
  });

  it('refuses more than six decimals rather than rounding', () => {
    expect(parsed('0.0000001')).toMatch(/more than 6 decimal places/);
    expect(parsed('1.0000005')).toMatch(/more than 6 decimal places/);
    expect(parsed(1.0000005)).toMatch(/more than 6 decimal places/);
    expect(parsed(1e-7)).toMatch(/more than 6 decimal places/);
    expect(parsed('1e-7')).toMatch(/more than 6 decimal places/);
    // 0.1 + 0.2 is not 0.3 in binary: its shortest text has 17 decimals.
    expect(parsed(0.1 + 0.2)).toMatch(/more than 6 decimal places/);
  });

  it('accepts zero and negatives only when asked', () => {
    expect(parsed(-5)).toMatch(/must not be negative/);
    expect(parsed('-0.000001')).toMatch(/must not be negative/);
    expect(parsed('0')).toMatch(/must not be zero/);
    expect(parsed(0)).toMatch(/must not be zero/);
    expect(parsed('0.000')).toMatch(/must not be zero/);
    expect(parsed('0', { allowZero: true })).toBe(0n);
    expect(parsed('-0', { allowZero: true })).toBe(0n);
    expect(parsed('-7', { allowNegative: true })).toBe(-7_000_000n);
    expect(parsed(-0.000001, { allowNegative: true })).toBe(-1n);
    expect(parsed('-7', { allowZero: true })).toMatch(/must not be negative/);
    expect(parsed('0', { allowNegative: true })).toMatch(/must not be zero/);
  });

  it('accepts up to the largest amount and refuses anything larger, either sign', () => {
    expect(MAX_MICROS).toBe(10n ** 18n);
    expect(MAX_MICROS < 2n ** 63n).toBe(true);
    expect(parsed('1000000000000')).toBe(MAX_MICROS);
    expect(parsed('1000000000000.000001')).toMatch(/larger than 1000000000000 credits/);
    expect(parsed(1e30)).toMatch(/larger than/);
    expect(parsed('9'.repeat(30))).toMatch(/larger than/);
    expect(parsed('-1000000000000', { allowNegative: true })).toBe(-MAX_MICROS);
    expect(parsed('-1000000000000.000001', { allowNegative: true })).toMatch(/larger than/);
  });

  it('refuses garbage and non-numbers, naming the field', () => {
    for (const garbage of ['12abc', '', ' ', 'one', '1,5', '0x10', '+5', '.5', 'NaN', '1e']) {
      expect(parsed(garbage), garbage).toMatch(/must be a decimal number of credits/);
    }
    for (const other of [Number.NaN, Infinity, -Infinity, null, undefined, true, {}, [1], 5n]) {
      expect(parsed(other), String(other)).toMatch(/must be a decimal number of credits/);
    }
    const refused = parseCredits('-1', { field: 'allowance.credits' });
    expect(refused.ok ? undefined : refused.refusal).toMatchObject({
      code: 'invalid_request',
      details: { field: 'allowance.credits' },
    });
    const garbage = parseCredits('abc', { field: 'grant.credits' });
    expect(garbage.ok ? undefined : garbage.refusal.message).toBe(
      'grant.credits must be a decimal number of credits',
    );
  });

  it('writes the shortest exact decimal, without exponent or trailing zeros', () => {
    expect(formatCredits(credits(1500))).toBe('1500');
    expect(formatCredits(1500n)).toBe('0.0015');
    expect(formatCredits(-7_000_000n)).toBe('-7');
    expect(formatCredits(12_500_000n)).toBe('12.5');
    expect(formatCredits(1n)).toBe('0.000001');
    expect(formatCredits(-1n)).toBe('-0.000001');
    expect(formatCredits(1_000_001n)).toBe('1.000001');
    expect(formatCredits(10n)).toBe('0.00001');
    expect(formatCredits(0n)).toBe('0');
    expect(formatCredits(MAX_MICROS)).toBe('1000000000000');
    expect(formatCredits(10n ** 24n + 5n)).toBe('1000000000000000000.000005');
  });

  it('reads back what it writes', () => {
    for (const micros of [1n, -1n, 999_999n, 1_000_000n, 123_456_789n, -42_000_100n, MAX_MICROS]) {
      expect(parsed(formatCredits(micros), { allowNegative: true })).toBe(micros);
    }
  });

  it('converts whole credits', () => {
    expect(credits(3)).toBe(3_000_000n);
    expect(credits(-2n)).toBe(-2_000_000n);
  });
});
