import { describe, expect, it } from 'vitest';
import { fromMicros, groupCredits, toMicros } from './credits-text.js';

describe('credits text', () => {
  it('groups thousands without touching the digits', () => {
    expect(groupCredits('0')).toBe('0');
    expect(groupCredits('1500')).toBe('1,500');
    expect(groupCredits('1234567.000001')).toBe('1,234,567.000001');
    expect(groupCredits('-2500')).toBe('-2,500');
    expect(groupCredits('999')).toBe('999');
    expect(groupCredits(null)).toBe('');
    expect(groupCredits('n/a')).toBe('n/a');
  });

  it('signs positive amounts on request, never zero', () => {
    expect(groupCredits('2500', { sign: true })).toBe('+2,500');
    expect(groupCredits('-8', { sign: true })).toBe('-8');
    expect(groupCredits('0', { sign: true })).toBe('0');
  });

  it('converts to and from micro-credits exactly', () => {
    expect(toMicros('0.000001')).toBe(1n);
    expect(toMicros('-1.5')).toBe(-1_500_000n);
    expect(toMicros('9007199254740993')).toBe(9_007_199_254_740_993_000_000n);
    expect(fromMicros(1_500_000n)).toBe('1.5');
    expect(fromMicros(-1n)).toBe('-0.000001');
    expect(fromMicros(0n)).toBe('0');
    expect(() => toMicros('1.0000001')).toThrow();
  });
});
