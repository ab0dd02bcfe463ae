import { describe, expect, it } from 'vitest';
import { credits } from '../../core/amount.js';
import { expiringCredits } from './expiring.js';

const DAY = 86_400_000;
const now = Date.parse('2026-05-10T09:00:00Z');

describe('expiringCredits', () => {
  it('sums what expires within 7 and 30 days, and lists the lots soonest first', () => {
    const result = expiringCredits(
      [
        { grantId: 'g-month', kind: 'allowance', credits: credits(500), expiresAt: now + 20 * DAY },
        { grantId: 'g-week', kind: 'trial', credits: credits(30), expiresAt: now + 2 * DAY },
        { grantId: 'g-bought', kind: 'purchase', credits: credits(1000), expiresAt: null },
        { grantId: 'g-later', kind: 'promo', credits: credits(7), expiresAt: now + 45 * DAY },
      ],
      now,
    );
    expect(result).toEqual({
      within7Days: credits(30),
      within30Days: credits(530),
      lots: [
        { grantId: 'g-week', kind: 'trial', credits: credits(30), expiresAt: now + 2 * DAY },
        { grantId: 'g-month', kind: 'allowance', credits: credits(500), expiresAt: now + 20 * DAY },
      ],
    });
  });

  it('uses windows [now, now + N days): the start is in, the end is out', () => {
    const lots = [
      { grantId: 'a', kind: 'promo' as const, credits: 1n, expiresAt: now },
      { grantId: 'b', kind: 'promo' as const, credits: 10n, expiresAt: now + 7 * DAY - 1 },
      { grantId: 'c', kind: 'promo' as const, credits: 100n, expiresAt: now + 7 * DAY },
      { grantId: 'd', kind: 'promo' as const, credits: 1000n, expiresAt: now + 30 * DAY - 1 },
      { grantId: 'e', kind: 'promo' as const, credits: 10000n, expiresAt: now + 30 * DAY },
      { grantId: 'f', kind: 'promo' as const, credits: 100000n, expiresAt: now - 1 },
    ];
    const result = expiringCredits(lots, now);
    expect(result.within7Days).toBe(11n);
    expect(result.within30Days).toBe(1111n);
    expect(result.lots.map((lot) => lot.grantId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('ignores empty lots and returns zeros for nothing', () => {
    expect(expiringCredits([], now)).toEqual({ within7Days: 0n, within30Days: 0n, lots: [] });
    expect(
      expiringCredits([{ grantId: 'x', kind: 'trial', credits: 0n, expiresAt: now + DAY }], now),
    ).toEqual({ within7Days: 0n, within30Days: 0n, lots: [] });
  });

  it('orders lots expiring at the same instant by grant id, and keeps only the listed fields', () => {
    const expiresAt = now + DAY;
    const result = expiringCredits(
      [
        { grantId: 'g2', kind: 'allowance', credits: 2n, expiresAt, note: 'extra' } as never,
        { grantId: 'g1', kind: 'allowance', credits: 1n, expiresAt },
      ],
      now,
    );
    expect(result.lots).toEqual([
      { grantId: 'g1', kind: 'allowance', credits: 1n, expiresAt },
      { grantId: 'g2', kind: 'allowance', credits: 2n, expiresAt },
    ]);
  });

  it('stays exact near 10^18 micro-credits', () => {
    const big = 10n ** 18n;
    const result = expiringCredits(
      [
        { grantId: 'a', kind: 'promo', credits: big + 1n, expiresAt: now + DAY },
        { grantId: 'b', kind: 'promo', credits: big + 2n, expiresAt: now + 10 * DAY },
      ],
      now,
    );
    expect(result.within7Days).toBe(big + 1n);
    expect(result.within30Days).toBe(2n * big + 3n);
  });
});
