import { describe, expect, it } from 'vitest';
import { divideRoundHalfUp, parseDecimal } from './decimal.js';

const read = (input: unknown) => {
  const result = parseDecimal(input);
  return result.ok ? result.value : result.refusal.message;
};

describe('exact decimals', () => {
  it('reads JSON numbers through their shortest text, so 0.1 is one tenth exactly', () => {
    expect(read(0.1)).toEqual({ units: 1n, scale: 1 });
    expect(read(0.3)).toEqual({ units: 3n, scale: 1 });
    expect(read(0.1 + 0.2)).toEqual({ units: 30_000_000_000_000_004n, scale: 17 });
    expect(read(1234.5)).toEqual({ units: 12_345n, scale: 1 });
    expect(read(1e21)).toEqual({ units: 10n ** 21n, scale: 0 });
    expect(read(1e-7)).toEqual({ units: 1n, scale: 7 });
    expect(read(-2.5)).toEqual({ units: -25n, scale: 1 });
    expect(read(0)).toEqual({ units: 0n, scale: 0 });
    expect(read(-0)).toEqual({ units: 0n, scale: 0 });
  });

  it('reads decimal strings, trimmed, without trailing zeros', () => {
    expect(read('1.50')).toEqual({ units: 15n, scale: 1 });
    expect(read('00012.3400')).toEqual({ units: 1234n, scale: 2 });
    expect(read('  7  ')).toEqual({ units: 7n, scale: 0 });
    expect(read('-0.000001')).toEqual({ units: -1n, scale: 6 });
    expect(read('100')).toEqual({ units: 100n, scale: 0 });
    expect(read('-0')).toEqual({ units: 0n, scale: 0 });
  });

  it('reads exponent forms exactly', () => {
    expect(read('1e3')).toEqual({ units: 1000n, scale: 0 });
    expect(read('1E+3')).toEqual({ units: 1000n, scale: 0 });
    expect(read('1.5e-3')).toEqual({ units: 15n, scale: 4 });
    expect(read('0.1e1')).toEqual({ units: 1n, scale: 0 });
    expect(read('25e-1')).toEqual({ units: 25n, scale: 1 });
    expect(read('1e40')).toEqual({ units: 10n ** 40n, scale: 0 });
    expect(read('1e41')).toBe('exponent out of range');
    expect(read('1e-41')).toBe('exponent out of range');
  });

  it('refuses garbage, non-finite numbers and non-numbers', () => {
    for (const garbage of [
      '',
      '   ',
      '-',
      '.5',
      '5.',
      '+5',
      '1,5',
      '1 000',
      '1_000',
      '0x10',
      '12abc',
      'NaN',
      'Infinity',
      '1e',
      '--1',
      '١',
    ]) {
      expect(read(garbage), garbage).toBe('not a decimal number');
    }
    expect(read('9'.repeat(41))).toBe('not a decimal number');
    expect(read('9'.repeat(40))).toEqual({ units: 10n ** 40n - 1n, scale: 0 });
    expect(read(Number.NaN)).toBe('not a finite number');
    expect(read(Infinity)).toBe('not a finite number');
    expect(read(-Infinity)).toBe('not a finite number');
    for (const other of [null, undefined, true, {}, [1], 10n]) {
      expect(read(other), String(other)).toBe('not a number');
    }
  });
});

describe('rounding half up', () => {
  it('rounds at exactly one half away from zero, and below it down', () => {
    expect(divideRoundHalfUp(15n, 10n)).toBe(2n); // 1.5 micro → 2
    expect(divideRoundHalfUp(14_999n, 10_000n)).toBe(1n); // 1.4999 micro → 1
    expect(divideRoundHalfUp(15_001n, 10_000n)).toBe(2n);
    expect(divideRoundHalfUp(25n, 10n)).toBe(3n); // not to even
    expect(divideRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divideRoundHalfUp(4n, 10n)).toBe(0n);
    expect(divideRoundHalfUp(1n, 3n)).toBe(0n);
    expect(divideRoundHalfUp(2n, 3n)).toBe(1n);
    expect(divideRoundHalfUp(12n, 4n)).toBe(3n);
    expect(divideRoundHalfUp(0n, 7n)).toBe(0n);
  });

  it('handles any sign symmetrically', () => {
    expect(divideRoundHalfUp(-15n, 10n)).toBe(-2n);
    expect(divideRoundHalfUp(-14_999n, 10_000n)).toBe(-1n);
    expect(divideRoundHalfUp(15n, -10n)).toBe(-2n);
    expect(divideRoundHalfUp(-15n, -10n)).toBe(2n);
    expect(divideRoundHalfUp(-4n, 10n)).toBe(0n);
  });

  it('stays exact far beyond 2^53 and refuses division by zero', () => {
    const big = 10n ** 30n;
    expect(divideRoundHalfUp(big * 3n + 1n, 2n)).toBe(big + big / 2n + 1n);
    expect(divideRoundHalfUp(big * 2n + 1n, 2n)).toBe(big + 1n);
    expect(divideRoundHalfUp(big * 2n - 1n, 2n)).toBe(big);
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });
});
