import { describe, expect, it } from 'vitest';
import { formatMoney, withCurrency } from './money-text.js';

describe('formatMoney', () => {
  it('prints minor units with the currency, grouped, at its own number of decimals', () => {
    expect(formatMoney(2500, 'USD')).toBe('25.00 USD');
    expect(formatMoney(2, 'USD')).toBe('0.02 USD');
    expect(formatMoney(123456789, 'EUR')).toBe('1,234,567.89 EUR');
    expect(formatMoney(2500, 'JPY')).toBe('2,500 JPY');
    expect(formatMoney(1234500, 'KWD')).toBe('1,234.500 KWD');
    expect(formatMoney(0, 'USD')).toBe('0.00 USD');
  });

  it('signs differences when asked, never zero', () => {
    expect(formatMoney(8700, 'USD', { sign: true })).toBe('+87.00 USD');
    expect(formatMoney(-2900, 'USD', { sign: true })).toBe('-29.00 USD');
    expect(formatMoney(0, 'USD', { sign: true })).toBe('0.00 USD');
    expect(formatMoney(-5, 'USD')).toBe('-0.05 USD');
  });

  it('shows nothing for no amount, and unknown currencies as the plain minor units', () => {
    expect(formatMoney(null, 'USD')).toBe('');
    expect(formatMoney(undefined, 'USD')).toBe('');
    expect(formatMoney(2500, 'XYZ')).toBe('2500 XYZ');
    expect(formatMoney(1.5, 'USD')).toBe('1.5 USD');
  });
});

describe('withCurrency', () => {
  it("puts the code beside the API's formatted copy", () => {
    expect(withCurrency('0.02', 'USD')).toBe('0.02 USD');
  });
});
