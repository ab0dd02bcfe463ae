import { describe, expect, it } from 'vitest';
import { countEntry, emptyFlows, placeOfEntry } from './statement.js';
import { GRANT_KINDS } from './grant.js';

describe('which period an entry counts in (rule 10)', () => {
  const start = 1000;
  const end = 2000;

  it('counts an expiry in the period whose credits it ends: start < T <= end', () => {
    expect(placeOfEntry('expiry', start - 1, start, end)).toBe('before');
    expect(placeOfEntry('expiry', start, start, end)).toBe('before');
    expect(placeOfEntry('expiry', start + 1, start, end)).toBe('within');
    expect(placeOfEntry('expiry', end - 1, start, end)).toBe('within');
    expect(placeOfEntry('expiry', end, start, end)).toBe('within');
    expect(placeOfEntry('expiry', end + 1, start, end)).toBe('after');
    expect(placeOfEntry('expiry', end, start, end, true)).toBe('within');
    expect(placeOfEntry('expiry', end + 1, start, end, true)).toBe('after');
    expect(placeOfEntry('expiry', start, start, end, true)).toBe('before');
  });

  it('counts other entries in [start, end)', () => {
    for (const type of ['usage', 'grant', 'refund', 'adjustment', 'hold', 'void']) {
      expect(placeOfEntry(type, start - 1, start, end), type).toBe('before');
      expect(placeOfEntry(type, start, start, end), type).toBe('within');
      expect(placeOfEntry(type, end - 1, start, end), type).toBe('within');
      expect(placeOfEntry(type, end, start, end), type).toBe('after');
    }
  });

  it('counts up to end included when the period is still running', () => {
    expect(placeOfEntry('usage', end, start, end, true)).toBe('within');
    expect(placeOfEntry('grant', end, start, end, true)).toBe('within');
    expect(placeOfEntry('usage', end + 1, start, end, true)).toBe('after');
    expect(placeOfEntry('usage', start - 1, start, end, true)).toBe('before');
    expect(placeOfEntry('usage', start, start, end, true)).toBe('within');
  });
});

describe('flows', () => {
  it('reconciles: opening + added − consumed − expired = closing', () => {
    const flows = emptyFlows();
    countEntry(flows, 'allowance', 'grant', 'before', 100n);
    countEntry(flows, 'allowance', 'usage', 'before', -10n);
    countEntry(flows, 'allowance', 'grant', 'within', 50n);
    countEntry(flows, 'allowance', 'usage', 'within', -30n);
    countEntry(flows, 'allowance', 'refund', 'within', 5n);
    countEntry(flows, 'allowance', 'adjustment', 'within', -2n);
    countEntry(flows, 'allowance', 'expiry', 'within', -25n);
    countEntry(flows, 'allowance', 'hold', 'within', 0n);
    countEntry(flows, 'allowance', 'usage', 'after', -99n);
    countEntry(flows, 'allowance', 'grant', 'after', 99n);
    const row = flows.allowance;
    expect(row).toEqual({ opening: 90n, added: 53n, consumed: 30n, expired: 25n, closing: 88n });
    expect(row.opening + row.added - row.consumed - row.expired).toBe(row.closing);
  });

  it('keeps kinds apart and starts every kind at zero', () => {
    const flows = emptyFlows();
    expect(Object.keys(flows).sort()).toEqual([...GRANT_KINDS].sort());
    countEntry(flows, 'purchase', 'grant', 'within', 7n);
    countEntry(flows, 'trial', 'expiry', 'before', -3n);
    expect(flows.purchase).toEqual({
      opening: 0n,
      added: 7n,
      consumed: 0n,
      expired: 0n,
      closing: 7n,
    });
    expect(flows.trial).toEqual({
      opening: -3n,
      added: 0n,
      consumed: 0n,
      expired: 0n,
      closing: -3n,
    });
    expect(flows.promo.closing).toBe(0n);
    expect(emptyFlows().purchase.closing).toBe(0n);
  });
});
