import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCredits, MAX_MICROS } from '../core/amount.js';
import { isoInstant, microsText } from './csv-values.js';

/** An amount as the database gives it to exports: its integer text. */
const creditsText = (micros: bigint) => microsText(micros.toString());

describe('microsText', () => {
  it('spells amounts exactly as formatCredits does', () => {
    const cases = [
      0n,
      1n,
      -1n,
      10n,
      100_000n,
      1_000_000n,
      -1_000_000n,
      1_500_000n,
      1_234_567_891_234n,
      -8_000_000n,
      999_999n,
      BigInt(Number.MAX_SAFE_INTEGER),
      -BigInt(Number.MAX_SAFE_INTEGER),
      BigInt(Number.MAX_SAFE_INTEGER) + 1n,
      BigInt(Number.MAX_SAFE_INTEGER) + 2n,
      -BigInt(Number.MAX_SAFE_INTEGER) - 2n,
      MAX_MICROS,
      -MAX_MICROS,
      MAX_MICROS - 1n,
    ];
    for (const micros of cases)
      expect(creditsText(micros), String(micros)).toBe(formatCredits(micros));
    expect(creditsText(1n)).toBe('0.000001');
    expect(creditsText(1_234_567_891_234n)).toBe('1234567.891234');
    expect(creditsText(-2_500_000n)).toBe('-2.5');
  });

  it('agrees with formatCredits on any amount', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: -MAX_MICROS, max: MAX_MICROS }),
          fc.bigInt({ min: -10_000_000_000n, max: 10_000_000_000n }),
          fc
            .integer({ min: -1_000_000, max: 1_000_000 })
            .map((whole) => BigInt(whole) * 1_000_000n),
        ),
        (micros) => {
          expect(creditsText(micros)).toBe(formatCredits(micros));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

describe('isoInstant', () => {
  it('spells instants exactly as toISOString does', () => {
    const cases = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.UTC(2026, 1, 28, 23, 59, 59, 999),
      Date.UTC(2028, 1, 29, 12, 0, 0, 5),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10000, 0, 1),
      -1,
      -86_400_001,
      8.64e15,
    ];
    for (const at of cases) expect(isoInstant(at), String(at)).toBe(new Date(at).toISOString());
  });

  it('agrees with toISOString on any instant, in any order', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (at) => {
        expect(isoInstant(at)).toBe(new Date(at).toISOString());
      }),
      { numRuns: 20_000 },
    );
    // Rows of one day in a row, as an export meets them: the day kept from the row before.
    const start = Date.UTC(2026, 2, 29, 0, 0, 0);
    for (let at = start; at < start + 2 * 86_400_000; at += 997_003) {
      expect(isoInstant(at)).toBe(new Date(at).toISOString());
    }
  });
});
