import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credits } from '../../core/amount.js';
import { findOutliers, type DailyUsage, type FeatureDay } from './outliers.js';

/** 'YYYY-MM-DD' of 2026-03-01 plus `offset` days. */
function day(offset: number): string {
  return new Date(Date.UTC(2026, 2, 1 + offset)).toISOString().slice(0, 10);
}

/** A day's usage for each of `amounts`, from day(first) on; null leaves the day out. */
function usage(amounts: readonly (bigint | null)[], first = 0): DailyUsage[] {
  const days: DailyUsage[] = [];
  amounts.forEach((used, index) => {
    if (used !== null) days.push({ day: day(first + index), used, count: 10 });
  });
  return days;
}

function featureDay(
  offset: number,
  fields: Partial<FeatureDay> & { used: bigint; count: number },
): FeatureDay {
  return {
    day: day(offset),
    feature: 'text-to-image',
    largest: fields.used / BigInt(fields.count),
    largestId: `ch_${offset}`,
    ...fields,
  };
}

const flat = (days: number, amount: bigint): bigint[] => Array.from({ length: days }, () => amount);

describe('findOutliers: days', () => {
  it('flags a day well above the median of the 14 before, and says why', () => {
    const days = usage([...flat(14, credits(100)), credits(400)]);
    expect(findOutliers(days, [], day(0), day(15))).toEqual([
      {
        kind: 'day',
        day: day(14),
        feature: null,
        transactionId: null,
        credits: credits(400),
        baseline: credits(100),
        ratio: '4.0',
        why: '400 credits used, 4.0× the median day of the 14 before (100 credits)',
      },
    ]);
  });

  it('flags from exactly the minimum ratio, compared exactly', () => {
    const at = (last: bigint, minRatio?: number) =>
      findOutliers(usage([...flat(14, credits(100)), last]), [], day(14), day(15), { minRatio });
    expect(at(credits(300))).toHaveLength(1);
    expect(at(credits(300) - 1n)).toHaveLength(0);
    expect(at(credits(250), 2.5)).toHaveLength(1);
    expect(at(credits(250) - 1n, 2.5)).toHaveLength(0);
    // 299.99 credits is 3.0 once rounded, but below the threshold: not flagged.
    expect(at(credits(300) - 10_000n)).toHaveLength(0);
  });

  it('leaves days without usage out of the median, so a quiet weekend does not flag Monday', () => {
    // Usage every other day: counting the empty days would make the median 50 credits.
    const alternate = Array.from({ length: 14 }, (_, index) =>
      index % 2 === 0 ? credits(100) : null,
    );
    expect(findOutliers(usage([...alternate, credits(150)]), [], day(14), day(15))).toEqual([]);
    const [outlier] = findOutliers(usage([...alternate, credits(300)]), [], day(14), day(15));
    expect(outlier?.baseline).toBe(credits(100));
    expect(outlier?.why).toBe(
      '300 credits used, 3.0× the median of the 7 days with usage in the 14 before (100 credits)',
    );
  });

  it('a weekday business with empty weekends flags nothing on an ordinary week', () => {
    const weeks = Array.from({ length: 42 }, (_, index) =>
      index % 7 >= 5 ? 0n : credits(80 + (index % 5) * 10),
    );
    expect(findOutliers(usage(weeks), [], day(14), day(42))).toEqual([]);
  });

  it('needs minHistoryDays days with usage in the window before flagging anything', () => {
    const sparse = [...flat(6, credits(10)), ...Array<null>(8).fill(null), credits(1000)];
    expect(findOutliers(usage(sparse), [], day(0), day(15))).toEqual([]);
    expect(findOutliers(usage(sparse), [], day(0), day(15), { minHistoryDays: 6 })).toHaveLength(1);
    // A brand-new org: no history at all, nothing is unusual yet.
    expect(findOutliers(usage([credits(1000)]), [], day(0), day(1))).toEqual([]);
    expect(findOutliers([], [], day(0), day(30))).toEqual([]);
  });

  it('only counts the trailing window: older history is forgotten', () => {
    // 7 days of 100, then 14 days with nothing: on day 21 the window holds no usage.
    const days = usage([...flat(7, credits(100)), ...Array<null>(14).fill(null), credits(1000)]);
    expect(findOutliers(days, [], day(21), day(22))).toEqual([]);
    const [longer] = findOutliers(days, [], day(21), day(22), { trailingDays: 21 });
    expect(longer?.why).toBe(
      '1,000 credits used, 10.0× the median of the 7 days with usage in the 21 before (100 credits)',
    );
  });

  it('flags only days in [from, to), with windows reaching before from', () => {
    const days = usage([...flat(14, credits(100)), credits(500), credits(100), credits(600)]);
    expect(findOutliers(days, [], day(14), day(16)).map((item) => item.day)).toEqual([day(14)]);
    expect(findOutliers(days, [], day(15), day(17)).map((item) => item.day)).toEqual([day(16)]);
    expect(findOutliers(days, [], day(15), day(16))).toEqual([]);
    expect(findOutliers(days, [], day(20), day(10))).toEqual([]);
  });

  it('ignores days below the floor, one credit unless told', () => {
    const tiny = usage([...flat(14, 100_000n), 900_000n]);
    expect(findOutliers(tiny, [], day(14), day(15))).toEqual([]);
    const [outlier] = findOutliers(tiny, [], day(14), day(15), { floor: 0n });
    expect(outlier?.why).toBe(
      '0.9 credits used, 9.0× the median day of the 14 before (0.1 credits)',
    );
    expect(
      findOutliers(usage([...flat(14, credits(1)), credits(5)]), [], day(14), day(15), {
        floor: credits(6),
      }),
    ).toEqual([]);
  });

  it('rounds the ratio half up with bigint arithmetic', () => {
    // 12.2 / 4 = 3.05 exactly: "3.1", where a float would give 3.0499… and round down.
    const [outlier] = findOutliers(
      usage([...flat(14, credits(4)), 12_200_000n]),
      [],
      day(14),
      day(15),
    );
    expect(outlier?.ratio).toBe('3.1');
    const [lower] = findOutliers(
      usage([...flat(14, credits(4)), 12_199_999n]),
      [],
      day(14),
      day(15),
    );
    expect(lower?.ratio).toBe('3.0');
  });

  it('prints amounts grouped and exact, and the median of an even window', () => {
    const history = [...flat(7, 1_000_000_000n), ...flat(7, 1_005_000_000n)];
    const [outlier] = findOutliers(usage([...history, 4_210_123_456n]), [], day(14), day(15));
    expect(outlier?.baseline).toBe(1_002_500_000n);
    expect(outlier?.why).toBe(
      '4,210.123456 credits used, 4.2× the median day of the 14 before (1,002.5 credits)',
    );
    const [single] = findOutliers(usage([...flat(14, 250_000n), credits(1)]), [], day(14), day(15));
    expect(single?.why).toBe('1 credit used, 4.0× the median day of the 14 before (0.25 credits)');
  });

  it('stays exact near 10^18 micro-credits', () => {
    const big = 10n ** 18n;
    const [outlier] = findOutliers(usage([...flat(14, big / 5n + 1n), big]), [], day(14), day(15));
    expect(outlier?.credits).toBe(big);
    expect(outlier?.ratio).toBe('5.0');
    expect(outlier?.why).toBe(
      '1,000,000,000,000 credits used, 5.0× the median day of the 14 before (200,000,000,000.000001 credits)',
    );
    const [huge] = findOutliers(usage([...flat(14, 1n), big]), [], day(14), day(15), { floor: 0n });
    expect(huge?.ratio).toBe('1000000000000000000.0');
    expect(huge?.why).toContain('1,000,000,000,000,000,000.0×');
  });

  it('sums repeated rows of one day, and refuses malformed dates', () => {
    const days = [...usage(flat(14, credits(100))), ...usage([credits(200), credits(200)], 14)];
    expect(findOutliers(days, [], day(14), day(15))).toEqual([]);
    const repeated = [...days, { day: day(14), used: credits(100), count: 1 }];
    expect(findOutliers(repeated, [], day(14), day(15))[0]?.credits).toBe(credits(300));
    expect(() =>
      findOutliers([{ day: '2026-02-30', used: 1n, count: 1 }], [], day(0), day(1)),
    ).toThrow(RangeError);
    expect(() => findOutliers([], [], '2026-3-1', day(1))).toThrow(RangeError);
    expect(() => findOutliers([], [], day(0), day(1), { trailingDays: 0 })).toThrow(RangeError);
    expect(() => findOutliers([], [], day(0), day(1), { minHistoryDays: 1.5 })).toThrow(RangeError);
    expect(() => findOutliers([], [], day(0), day(1), { minRatio: 0 })).toThrow(RangeError);
    expect(() => findOutliers([], [], day(0), day(1), { minRequestRatio: Number.NaN })).toThrow(
      RangeError,
    );
    expect(() => findOutliers([], [], day(0), day(1), { floor: -1n })).toThrow(RangeError);
  });
});

describe('findOutliers: requests', () => {
  const steady = Array.from({ length: 14 }, (_, offset) =>
    featureDay(offset, { used: credits(80), count: 10, largest: credits(8) }),
  );

  it("flags a request well above the median of the feature's average request", () => {
    const spike = featureDay(14, {
      used: credits(176),
      count: 11,
      largest: credits(96),
      largestId: 'ch_big',
    });
    expect(findOutliers([], [...steady, spike], day(14), day(15))).toEqual([
      {
        kind: 'request',
        day: day(14),
        feature: 'text-to-image',
        transactionId: 'ch_big',
        credits: credits(96),
        baseline: credits(8),
        ratio: '12.0',
        why: 'one text-to-image request of 96 credits, 12.0× the median request of the 14 days before (8 credits)',
      },
    ]);
  });

  it('flags from exactly minRequestRatio times the baseline', () => {
    const at = (largest: bigint, minRequestRatio?: number) =>
      findOutliers(
        [],
        [...steady, featureDay(14, { used: largest, count: 1, largest })],
        day(14),
        day(15),
        { minRequestRatio },
      );
    expect(at(credits(40))).toHaveLength(1);
    expect(at(credits(40) - 1n)).toHaveLength(0);
    expect(at(credits(24), 3)).toHaveLength(1);
  });

  it('compares each feature with its own history, on days it was used', () => {
    const chat = Array.from({ length: 14 }, (_, offset) =>
      offset % 2 === 0
        ? [featureDay(offset, { feature: 'chat', used: credits(10), count: 100 })]
        : [],
    ).flat();
    const rows = [
      ...steady,
      ...chat,
      // 1 credit is cheap for text-to-image, but ten times chat's usual 0.1.
      featureDay(14, { feature: 'chat', used: credits(2), count: 2, largest: credits(1) }),
      featureDay(14, { used: credits(8), count: 1, largest: credits(8) }),
    ];
    const found = findOutliers([], rows, day(14), day(15));
    expect(found).toHaveLength(1);
    expect(found[0]?.feature).toBe('chat');
    expect(found[0]?.why).toBe(
      'one chat request of 1 credit, 10.0× the median request of the 7 days with chat usage in the 14 before (0.1 credits)',
    );
  });

  it('needs history, ignores requests below the floor and feature-days without requests', () => {
    const spike = featureDay(14, { used: credits(96), count: 1, largest: credits(96) });
    expect(findOutliers([], [...steady.slice(8), spike], day(14), day(15))).toEqual([]);
    const cheap = Array.from({ length: 14 }, (_, offset) =>
      featureDay(offset, { used: 10_000n, count: 100, largest: 100n }),
    );
    const cheapSpike = featureDay(14, { used: 900_000n, count: 1, largest: 900_000n });
    expect(findOutliers([], [...cheap, cheapSpike], day(14), day(15))).toEqual([]);
    expect(findOutliers([], [...cheap, cheapSpike], day(14), day(15), { floor: 0n })).toHaveLength(
      1,
    );
    const empty = steady.map((row) => ({ ...row, count: 0, used: 0n, largest: 0n }));
    expect(findOutliers([], [...empty, spike], day(14), day(15))).toEqual([]);
  });

  it('does not flag against a baseline that rounds to nothing', () => {
    const dust = Array.from({ length: 14 }, (_, offset) =>
      featureDay(offset, { used: 1n, count: 10, largest: 1n }),
    );
    const spike = featureDay(14, { used: 5n, count: 1, largest: 5n });
    expect(findOutliers([], [...dust, spike], day(14), day(15), { floor: 0n })).toEqual([]);
  });

  it('merges repeated rows of one feature and day, keeping the largest charge', () => {
    const rows = [
      ...steady,
      featureDay(14, { used: credits(10), count: 1, largest: credits(10), largestId: 'a' }),
      featureDay(14, { used: credits(50), count: 1, largest: credits(50), largestId: 'b' }),
    ];
    const [outlier] = findOutliers([], rows, day(14), day(15));
    expect(outlier?.transactionId).toBe('b');
    expect(outlier?.credits).toBe(credits(50));
  });
});

describe('findOutliers: order', () => {
  it('lists the newest first, then the largest ratio, days before requests on a tie', () => {
    const days = usage([...flat(14, credits(100)), credits(400), credits(100), credits(500)]);
    const rows = [
      ...Array.from({ length: 15 }, (_, offset) =>
        featureDay(offset, { used: credits(80), count: 10, largest: credits(8) }),
      ),
      featureDay(15, { used: credits(100), count: 2, largest: credits(80) }),
      featureDay(16, { used: credits(100), count: 2, largest: credits(40) }),
    ];
    const found = findOutliers(days, rows, day(14), day(17));
    expect(found.map((item) => [item.day, item.kind, item.ratio])).toEqual([
      [day(16), 'day', '5.0'],
      [day(16), 'request', '5.0'],
      [day(15), 'request', '10.0'],
      [day(14), 'day', '4.0'],
    ]);
  });

  it('breaks ties of equal ratio by kind, then feature', () => {
    const days = usage([...flat(14, credits(10)), credits(50)]);
    const rows = ['b-feature', 'a-feature'].flatMap((feature) => [
      ...Array.from({ length: 14 }, (_, offset) =>
        featureDay(offset, { feature, used: credits(10), count: 1, largest: credits(10) }),
      ),
      featureDay(14, { feature, used: credits(50), count: 1, largest: credits(50) }),
    ]);
    const found = findOutliers(days, rows, day(14), day(15));
    expect(found.map((item) => item.feature)).toEqual([null, 'a-feature', 'b-feature']);
  });
});

describe('findOutliers: properties', () => {
  it('flags exactly the days in range at or above minRatio times their trailing median', () => {
    const amount = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 12n }));
    fc.assert(
      fc.property(fc.array(amount, { minLength: 1, maxLength: 40 }), (amounts) => {
        const days = usage(amounts);
        const found = findOutliers(days, [], day(10), day(40), { floor: 0n });
        for (const outlier of found) {
          expect(outlier.day >= day(10) && outlier.day < day(40)).toBe(true);
          expect(outlier.credits >= 3n * outlier.baseline).toBe(true);
        }
        const flagged = new Set(found.map((item) => item.day));
        for (let index = 10; index < amounts.length; index += 1) {
          const window = amounts
            .slice(Math.max(0, index - 14), index)
            .filter((value) => value > 0n);
          const sorted = [...window].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          const middle = Math.floor(sorted.length / 2);
          const median =
            sorted.length % 2 === 1
              ? (sorted[middle] as bigint)
              : ((sorted[middle - 1] ?? 0n) + (sorted[middle] ?? 0n)) / 2n;
          const used = amounts[index] as bigint;
          const expected = window.length >= 7 && used > 0n && used >= 3n * median;
          expect(flagged.has(day(index))).toBe(expected);
        }
      }),
    );
  });
});
