import { describe, expect, it } from 'vitest';
import { UsageError } from './cli-errors.js';
import {
  needsTimeZone,
  parseCredits,
  parseInstant,
  parseInteger,
  parseMonth,
  parsePriceLine,
  parseQuantities,
} from './parse-arguments.js';

describe('command-line values', () => {
  it('reads price lines', () => {
    expect(parsePriceLine('action=2')).toEqual({ unit: 'action', credits: '2', per: '1' });
    expect(parsePriceLine('8')).toEqual({ unit: 'action', credits: '8', per: '1' });
    expect(parsePriceLine('input_tokens=0.5/1000')).toEqual({
      unit: 'input_tokens',
      credits: '0.5',
      per: '1000',
    });
    for (const bad of [
      'action',
      'action=',
      '=2',
      'action=-2',
      'action=2/',
      'action=two',
      'a b=1',
    ]) {
      expect(() => parsePriceLine(bad), bad).toThrow(UsageError);
    }
  });

  it('reads quantities, refusing a unit named twice', () => {
    expect(parseQuantities(['input_tokens=1200', 'output_tokens=350.5'])).toEqual({
      input_tokens: '1200',
      output_tokens: '350.5',
    });
    expect(parseQuantities(undefined)).toEqual({});
    expect(() => parseQuantities(['a=1', 'a=2'])).toThrow(/twice/);
    expect(() => parseQuantities(['a=-1'])).toThrow(UsageError);
    expect(() => parseQuantities(['a'])).toThrow(UsageError);
  });

  it('reads credits, integers and months', () => {
    expect(parseCredits('1500', '--allowance')).toBe('1500');
    expect(parseCredits('0.25', '--allowance')).toBe('0.25');
    expect(() => parseCredits('1e3', '--allowance')).toThrow(/--allowance/);
    expect(parseInteger('50', '--priority', { min: 0, max: 100 })).toBe(50);
    expect(() => parseInteger('101', '--priority', { min: 0, max: 100 })).toThrow(UsageError);
    expect(() => parseInteger('1.5', '--priority', { min: 0, max: 100 })).toThrow(UsageError);
    expect(parseMonth('2026-03')).toBe('2026-03');
    for (const bad of ['2026-13', '2026-3', 'March', '2026-00']) {
      expect(() => parseMonth(bad), bad).toThrow(UsageError);
    }
  });

  it('reads instants with an offset as given, and wall-clock times in the org zone', () => {
    expect(parseInstant('2026-03-01T09:30:00+01:00', '--at')).toBe('2026-03-01T09:30:00+01:00');
    expect(parseInstant('2026-03-01T09:30:00Z', '--at')).toBe('2026-03-01T09:30:00Z');
    expect(parseInstant('2026-03-01', '--at', 'Europe/Paris')).toBe('2026-02-28T23:00:00.000Z');
    expect(parseInstant('2026-07-01 09:30', '--at', 'Europe/Paris')).toBe(
      '2026-07-01T07:30:00.000Z',
    );
    expect(parseInstant('2026-03-01', '--at')).toBe('2026-03-01T00:00:00.000Z');
    expect(Date.parse(parseInstant('now', '--at'))).toBeGreaterThan(Date.now() - 5_000);
    expect(needsTimeZone('2026-03-01')).toBe(true);
    expect(needsTimeZone('2026-03-01T00:00:00Z')).toBe(false);
    expect(needsTimeZone(undefined)).toBe(false);
    for (const bad of ['yesterday', '2026-02-30T10:00:00', '2026-13-01', '01/03/2026']) {
      expect(() => parseInstant(bad, '--at'), bad).toThrow(/--at/);
    }
  });
});
