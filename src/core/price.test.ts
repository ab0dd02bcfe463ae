import { describe, expect, it } from 'vitest';
import { credits, parseCredits } from './amount.js';
import { parsePriceLines, priceCharge, type PriceLine } from './price.js';
import type { Result } from './refusal.js';

const whole = (units: bigint) => ({ units, scale: 0 });
const tokens: PriceLine[] = [
  { unit: 'input_tokens', credits: credits(3), per: whole(1000n) },
  { unit: 'output_tokens', credits: credits(15), per: whole(1000n) },
  { unit: 'cached_tokens', credits: 300_000n, per: whole(1_000_000n) },
];
const action: PriceLine[] = [{ unit: 'action', credits: credits(8), per: whole(1n) }];

const cost = (lines: PriceLine[], quantities?: Record<string, unknown>) => {
  const result = priceCharge('feature', lines, quantities);
  return result.ok ? result.value.credits : result.refusal.code;
};
const refusal = (lines: PriceLine[], quantities?: Record<string, unknown>) => {
  const result = priceCharge('chat', lines, quantities);
  return result.ok ? undefined : result.refusal;
};

describe('prices', () => {
  it('sums quantity × credits / per over several lines, exactly', () => {
    expect(cost(tokens, { input_tokens: 1234 })).toBe(3_702_000n);
    expect(cost(tokens, { output_tokens: 321 })).toBe(4_815_000n);
    expect(cost(tokens, { cached_tokens: 1_000_000 })).toBe(300_000n);
    expect(cost(tokens, { input_tokens: 1234, output_tokens: 321, cached_tokens: 10 })).toBe(
      3_702_000n + 4_815_000n + 3n,
    );
    expect(cost(tokens, { input_tokens: '0.5' })).toBe(1500n);
    expect(cost(tokens, { input_tokens: 0, output_tokens: 0 })).toBe(0n);
  });

  it('reads JSON numbers exactly: 0.1 × 3 credits is 0.3 credits', () => {
    const perUnit: PriceLine[] = [{ unit: 'seconds', credits: credits(3), per: whole(1n) }];
    expect(cost(perUnit, { seconds: 0.1 })).toBe(300_000n);
    expect(cost(perUnit, { seconds: 0.7 })).toBe(2_100_000n);
  });

  it('rounds once, half up, to the micro-credit', () => {
    // 0.0001 output tokens cost 0.0000015 credits: 1.5 micro rounds up to 2.
    expect(cost(tokens, { output_tokens: 0.0001 })).toBe(2n);
    // 0.0001 input tokens cost 0.3 micro: rounds to 0.
    expect(cost(tokens, { input_tokens: 0.0001 })).toBe(0n);
    // Two lines of 0.3 micro each round once, as 0.6 → 1, not twice to 0.
    expect(cost(tokens, { input_tokens: 0.0001, output_tokens: 0.00002 })).toBe(1n);
    const tiny = (micros: bigint): PriceLine[] => [
      { unit: 'ms', credits: micros, per: whole(10_000n) },
    ];
    expect(cost(tiny(15_000n), { ms: 1 })).toBe(2n); // 1.5 micro
    expect(cost(tiny(14_999n), { ms: 1 })).toBe(1n); // 1.4999 micro
    expect(cost(tiny(25_000n), { ms: 1 })).toBe(3n); // 2.5 micro, not to even
  });

  it('charges one action when the only unit is action and no quantities are given', () => {
    expect(cost(action)).toBe(credits(8));
    expect(cost(action, {})).toBe(credits(8));
    expect(cost(action, { action: 3 })).toBe(credits(24));
    expect(cost(action, { action: 0 })).toBe(0n);
    const result = priceCharge('image', action, undefined);
    expect(result.ok ? [...result.value.quantities] : undefined).toEqual([
      ['action', { units: 1n, scale: 0 }],
    ]);
  });

  it('charges nothing for a zero-price feature', () => {
    expect(cost([{ unit: 'action', credits: 0n, per: whole(1n) }])).toBe(0n);
    const free: PriceLine[] = [{ unit: 'tokens', credits: 0n, per: whole(1000n) }];
    expect(cost(free, { tokens: 123_456 })).toBe(0n);
  });

  it('divides by a decimal per', () => {
    const halfSecond: PriceLine[] = [
      { unit: 'seconds', credits: credits(2), per: { units: 5n, scale: 1 } },
    ];
    expect(cost(halfSecond, { seconds: 3 })).toBe(credits(12));
    expect(cost(halfSecond, { seconds: '0.25' })).toBe(credits(1));
    const perMilli: PriceLine[] = [{ unit: 'mb', credits: 1n, per: { units: 1n, scale: 3 } }];
    expect(cost(perMilli, { mb: 2 })).toBe(2000n);
  });

  it('returns the exact quantities it priced', () => {
    const result = priceCharge('chat', tokens, { input_tokens: '1.50', output_tokens: 2 });
    expect(result.ok ? Object.fromEntries(result.value.quantities) : undefined).toEqual({
      input_tokens: { units: 15n, scale: 1 },
      output_tokens: { units: 2n, scale: 0 },
    });
  });

  it('refuses a unit the feature is not priced in with unknown_unit', () => {
    expect(refusal(tokens, { pixels: 3 })).toMatchObject({
      code: 'unknown_unit',
      details: { feature: 'chat', unit: 'pixels' },
    });
    expect(cost(action, { tokens: 1 })).toBe('unknown_unit');
    expect(cost(tokens, { input_tokens: 1, pixels: 1 })).toBe('unknown_unit');
  });

  it('refuses missing quantities on a feature that is not a single action', () => {
    expect(refusal(tokens)).toMatchObject({
      code: 'invalid_request',
      details: { field: 'quantities' },
    });
    expect(cost(tokens, {})).toBe('invalid_request');
    const mixed: PriceLine[] = [...action, ...tokens];
    expect(cost(mixed)).toBe('invalid_request');
    expect(cost(mixed, { action: 1 })).toBe(credits(8));
  });

  it('refuses negative, garbage, too precise and too large quantities, naming the field', () => {
    expect(refusal(tokens, { input_tokens: -1 })).toMatchObject({
      code: 'invalid_request',
      details: { field: 'quantities.input_tokens' },
    });
    expect(cost(tokens, { input_tokens: 'many' })).toBe('invalid_request');
    expect(cost(tokens, { input_tokens: null })).toBe('invalid_request');
    expect(cost(tokens, { input_tokens: Number.NaN })).toBe('invalid_request');
    expect(cost(tokens, { input_tokens: '0.000000000001' })).toBe(0n);
    expect(cost(tokens, { input_tokens: '0.0000000000001' })).toBe('invalid_request');
    expect(cost(tokens, { input_tokens: '1'.padEnd(25, '0') })).toBe('invalid_request');
    // Within the digit limit but priced above the largest amount.
    expect(refusal(action, { action: '1'.padEnd(24, '0') })).toMatchObject({
      code: 'invalid_request',
      details: { field: 'quantities' },
    });
    expect(cost(action, { action: 125_000_000_000 })).toBe(10n ** 18n);
    expect(cost(action, { action: 125_000_000_001 })).toBe('invalid_request');
  });
});

describe('price lines', () => {
  const micros = (value: unknown, field: string): Result<bigint> =>
    parseCredits(value, { field, allowZero: true });
  const read = (lines: { unit: unknown; credits: unknown; per?: unknown }[]) => {
    const result = parsePriceLines(lines, micros);
    return result.ok ? result.value : result.refusal.details.field;
  };

  it('reads units, credits and per, per defaulting to 1', () => {
    expect(read([{ unit: 'seconds', credits: 2, per: '0.5' }])).toEqual([
      { unit: 'seconds', credits: credits(2), per: { units: 5n, scale: 1 } },
    ]);
    expect(
      read([
        { unit: 'input_tokens', credits: '0.003', per: 1000 },
        { unit: 'action', credits: 0 },
      ]),
    ).toEqual([
      { unit: 'input_tokens', credits: 3000n, per: { units: 1000n, scale: 0 } },
      { unit: 'action', credits: 0n, per: { units: 1n, scale: 0 } },
    ]);
  });

  it('refuses bad units, twice-priced units, bad credits and a per that is not positive', () => {
    expect(read([{ unit: 'Bad Unit', credits: 1 }])).toBe('prices[0].unit');
    expect(read([{ unit: 7, credits: 1 }])).toBe('prices[0].unit');
    expect(read([{ unit: '', credits: 1 }])).toBe('prices[0].unit');
    expect(read([{ unit: 'a'.repeat(65), credits: 1 }])).toBe('prices[0].unit');
    expect(read([{ unit: 'a'.repeat(64), credits: 1 }])).toHaveLength(1);
    expect(
      read([
        { unit: 'a', credits: 1 },
        { unit: 'a', credits: 2 },
      ]),
    ).toBe('prices[1].unit');
    expect(
      read([
        { unit: 'a', credits: 1 },
        { unit: 'b', credits: 'x' },
      ]),
    ).toBe('prices[1].credits');
    expect(read([{ unit: 'a', credits: 1, per: 0 }])).toBe('prices[0].per');
    expect(read([{ unit: 'a', credits: 1, per: -1 }])).toBe('prices[0].per');
    expect(read([{ unit: 'a', credits: 1, per: 'ten' }])).toBe('prices[0].per');
    expect(read([{ unit: 'a', credits: 1, per: '0.0000001' }])).toBe('prices[0].per');
    expect(read([])).toBe('prices');
  });
});
