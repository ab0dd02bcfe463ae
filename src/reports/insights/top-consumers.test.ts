import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credits } from '../../core/amount.js';
import { topConsumers, type GroupUsage } from './top-consumers.js';

const group = (key: string | null, used: bigint, count = 1): GroupUsage => ({ key, used, count });

describe('topConsumers', () => {
  it('ranks by credits used with shares of the total, and folds the rest', () => {
    const result = topConsumers(
      [
        group('chat', credits(100), 50),
        group('text-to-image', credits(413), 52),
        group('background-removal', credits(250), 125),
        group('upscale', credits(237), 30),
      ],
      2,
    );
    expect(result).toEqual({
      top: [
        { key: 'text-to-image', used: credits(413), count: 52, share: '41.3' },
        { key: 'background-removal', used: credits(250), count: 125, share: '25.0' },
      ],
      others: { key: null, used: credits(337), count: 80 },
    });
  });

  it('shows five by default and no others when all fit', () => {
    const groups = ['a', 'b', 'c', 'd', 'e'].map((key, index) => group(key, credits(index + 1)));
    const result = topConsumers(groups);
    expect(result.top.map((item) => item.key)).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(result.others).toBeNull();
    expect(topConsumers([...groups, group('f', 0n)]).others).toEqual(group(null, 0n, 1));
  });

  it('breaks ties by key, the unattributed group last', () => {
    const result = topConsumers([
      group(null, credits(5)),
      group('b', credits(5)),
      group('a', credits(5)),
      group('c', credits(9)),
    ]);
    expect(result.top.map((item) => item.key)).toEqual(['c', 'a', 'b', null]);
  });

  it('rounds shares half up with bigint arithmetic', () => {
    // 1/8 = 12.5% exactly; 1/3 = 33.33…%; 2/3 = 66.66…%; 1/16 = 6.25% → 6.3.
    expect(topConsumers([group('a', 1n), group('b', 7n)]).top.map((item) => item.share)).toEqual([
      '87.5',
      '12.5',
    ]);
    expect(topConsumers([group('a', 2n), group('b', 1n)]).top.map((item) => item.share)).toEqual([
      '66.7',
      '33.3',
    ]);
    expect(topConsumers([group('a', 15n), group('b', 1n)]).top.map((item) => item.share)).toEqual([
      '93.8',
      '6.3',
    ]);
    expect(topConsumers([group('a', 1999n), group('b', 1n)]).top[1]?.share).toBe('0.1');
    expect(topConsumers([group('a', 2001n), group('b', 1n)]).top[1]?.share).toBe('0.0');
  });

  it('handles no groups, all zero, a single group and a limit of zero', () => {
    expect(topConsumers([])).toEqual({ top: [], others: null });
    expect(topConsumers([group('a', 0n), group('b', 0n)]).top.map((item) => item.share)).toEqual([
      '0.0',
      '0.0',
    ]);
    expect(topConsumers([group('a', credits(3))]).top).toEqual([
      { key: 'a', used: credits(3), count: 1, share: '100.0' },
    ]);
    expect(topConsumers([group('a', 1n, 2), group('b', 3n, 4)], 0)).toEqual({
      top: [],
      others: { key: null, used: 4n, count: 6 },
    });
    expect(() => topConsumers([], -1)).toThrow(RangeError);
    expect(() => topConsumers([], 1.5)).toThrow(RangeError);
  });

  it('stays exact near 10^18 micro-credits', () => {
    const big = 10n ** 18n;
    const result = topConsumers([group('a', big * 3n), group('b', big + 1n), group('c', big)], 1);
    expect(result.top[0]?.share).toBe('60.0');
    expect(result.others).toEqual({ key: null, used: 2n * big + 1n, count: 2 });
  });

  it('keeps every credit: top plus others is the total, in order', () => {
    const groups = fc.uniqueArray(
      fc.record({
        key: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
        used: fc.bigInt({ min: 0n, max: 10n ** 18n }),
        count: fc.nat({ max: 1000 }),
      }),
      { selector: (item) => item.key },
    );
    fc.assert(
      fc.property(groups, fc.nat({ max: 8 }), (input, limit) => {
        const { top, others } = topConsumers(input, limit);
        const total = input.reduce((sum, item) => sum + item.used, 0n);
        const shown = top.reduce((sum, item) => sum + item.used, 0n);
        expect(shown + (others?.used ?? 0n)).toBe(total);
        expect(top.length).toBe(Math.min(limit, input.length));
        expect(others === null).toBe(input.length <= limit);
        for (let index = 1; index < top.length; index += 1) {
          expect((top[index - 1]?.used ?? 0n) >= (top[index]?.used ?? 0n)).toBe(true);
        }
      }),
    );
  });
});
