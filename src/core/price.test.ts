import { describe, expect, it } from 'vitest';
import { credits } from './amount.js';
import { parsePriceLines, priceCharge, type PriceLine } from './price.js';
import { ok, type Result } from './refusal.js';

const whole = (units: bigint) => ({ units, scale: 0 });
const tokens: PriceLine[] = [
  { unit: 'input_tokens', credits: credits(3), per: whole(1000n) },
  { unit: 'output_tokens', credits: credits(15), per: whole(1000n) },
];
const cost = (lines: PriceLine[], quantities?: Record<string, unknown>) => {
  const result = priceCharge('feature', lines, quantities);
  return result.ok ? result.value.credits : result.refusal.code;
};

describe('prices', () => {
  it('sums quantity × credits / per over the lines, exactly', () => {
    expect(cost(tokens, { input_tokens: 1234, output_tokens: 321 })).toBe(3_702_000n + 4_815_000n);
    expect(cost(tokens, { input_tokens: '0.5' })).toBe(1500n);
  });

  it('rounds once, half up, to the micro-credit', () => {
    // 0.0001 output tokens cost 0.0000015 credits: 1.5 micro rounds up to 2.
    expect(cost(tokens, { output_tokens: 0.0001 })).toBe(2n);
    // 0.0001 input tokens cost 0.3 micro: rounds to 0.
    expect(cost(tokens, { input_tokens: 0.0001 })).toBe(0n);
    // Two lines of 0.3 micro each round once, as 0.6 → 1, not twice to 0.
    expect(cost(tokens, { input_tokens: 0.0001, output_tokens: 0.00002 })).toBe(1n);
  });

  it('charges one action when the only unit is action', () => {
    const action: PriceLine[] = [{ unit: 'action', credits: credits(8), per: whole(1n) }];
    expect(cost(action)).toBe(credits(8));
    expect(cost(action, { action: 3 })).toBe(credits(24));
    expect(cost([{ unit: 'action', credits: 0n, per: whole(1n) }])).toBe(0n);
  });

  it('refuses unknown units, missing and negative quantities', () => {
    expect(cost(tokens, { pixels: 3 })).toBe('unknown_unit');
    expect(cost(tokens)).toBe('invalid_request');
    expect(cost(tokens, { input_tokens: -1 })).toBe('invalid_request');
    expect(cost(tokens, { input_tokens: 'many' })).toBe('invalid_request');
  });

  it('reads price lines, refusing bad units, twice-priced units and a per of zero', () => {
    const micros = (value: unknown): Result<bigint> => ok(BigInt(value as number) * 1_000_000n);
    const read = (lines: { unit: unknown; credits: unknown; per?: unknown }[]) => {
      const result = parsePriceLines(lines, micros);
      return result.ok ? result.value : result.refusal.details.field;
    };
    expect(read([{ unit: 'seconds', credits: 2, per: '0.5' }])).toEqual([
      { unit: 'seconds', credits: credits(2), per: { units: 5n, scale: 1 } },
    ]);
    expect(read([{ unit: 'Bad Unit', credits: 1 }])).toBe('prices[0].unit');
    expect(
      read([
        { unit: 'a', credits: 1 },
        { unit: 'a', credits: 2 },
      ]),
    ).toBe('prices[1].unit');
    expect(read([{ unit: 'a', credits: 1, per: 0 }])).toBe('prices[0].per');
    expect(read([])).toBe('prices');
  });
});
