import { describe, expect, it } from 'vitest';
import { countEntry, emptyFlows, placeOfEntry } from './statement.js';

describe('which period an entry counts in (rule 10)', () => {
  const start = 1000;
  const end = 2000;

  it('counts an expiry in the period whose credits it ends: start < T <= end', () => {
    expect(placeOfEntry('expiry', start, start, end)).toBe('before');
    expect(placeOfEntry('expiry', start + 1, start, end)).toBe('within');
    expect(placeOfEntry('expiry', end, start, end)).toBe('within');
    expect(placeOfEntry('expiry', end + 1, start, end)).toBe('after');
  });

  it('counts other entries in [start, end), or up to end when the period is still running', () => {
    expect(placeOfEntry('usage', start - 1, start, end)).toBe('before');
    expect(placeOfEntry('grant', start, start, end)).toBe('within');
    expect(placeOfEntry('usage', end, start, end)).toBe('after');
    expect(placeOfEntry('usage', end, start, end, true)).toBe('within');
  });

  it('reconciles: opening + added − consumed − expired = closing', () => {
    const flows = emptyFlows();
    countEntry(flows, 'allowance', 'grant', 'before', 100n);
    countEntry(flows, 'allowance', 'grant', 'within', 50n);
    countEntry(flows, 'allowance', 'usage', 'within', -30n);
    countEntry(flows, 'allowance', 'refund', 'within', 5n);
    countEntry(flows, 'allowance', 'expiry', 'within', -25n);
    countEntry(flows, 'allowance', 'usage', 'after', -99n);
    const row = flows.allowance;
    expect(row).toEqual({ opening: 100n, added: 55n, consumed: 30n, expired: 25n, closing: 100n });
    expect(row.opening + row.added - row.consumed - row.expired).toBe(row.closing);
    expect(flows.purchase.closing).toBe(0n);
  });
});
