import { describe, expect, it } from 'vitest';
import { credits } from './amount.js';
import {
  availableAt,
  compareSpendOrder,
  isLiveAt,
  planDraws,
  type Grant,
  type GrantKind,
} from './grant.js';

let next = 0;
function grant(fields: Partial<Grant> & { kind?: GrantKind; amount?: bigint }): Grant {
  next += 1;
  const amount = fields.amount ?? credits(10);
  return {
    id: `g${String(next).padStart(3, '0')}`,
    orgId: 'org',
    kind: 'promo',
    amount,
    remaining: amount,
    held: 0n,
    effectiveAt: 0,
    expiresAt: null,
    priority: 50,
    note: null,
    scheduleId: null,
    ...fields,
  };
}

const order = (grants: Grant[]) => [...grants].sort(compareSpendOrder).map((item) => item.id);

describe('spend order (rule 4)', () => {
  it('spends lower priority first', () => {
    const late = grant({ priority: 60 });
    const early = grant({ priority: 10 });
    expect(order([late, early])).toEqual([early.id, late.id]);
  });

  it('then the soonest expiry, never-expiring last', () => {
    const never = grant({ expiresAt: null });
    const later = grant({ expiresAt: 2000 });
    const sooner = grant({ expiresAt: 1000 });
    expect(order([never, later, sooner])).toEqual([sooner.id, later.id, never.id]);
  });

  it('then free kinds before purchased', () => {
    const bought = grant({ kind: 'purchase' });
    const free = grant({ kind: 'admin_grant' });
    expect(order([bought, free])).toEqual([free.id, bought.id]);
  });

  it('then the oldest, then by id', () => {
    const newer = grant({ effectiveAt: 50 });
    const older = grant({ effectiveAt: 10 });
    const twin = grant({ effectiveAt: 10 });
    expect(order([newer, twin, older])).toEqual([older.id, twin.id, newer.id]);
  });
});

describe('drawing credits', () => {
  it('draws across grants in spend order, recording each draw and its kind', () => {
    const allowance = grant({ kind: 'allowance', amount: credits(5), expiresAt: 5000 });
    const pack = grant({ kind: 'purchase', amount: credits(100) });
    expect(planDraws([pack, allowance], credits(8), 100)).toEqual([
      { grantId: allowance.id, kind: 'allowance', credits: credits(5) },
      { grantId: pack.id, kind: 'purchase', credits: credits(3) },
    ]);
  });

  it('refuses as a whole when short (rule 3)', () => {
    expect(planDraws([grant({ amount: credits(7) })], credits(8), 100)).toBeUndefined();
  });

  it('uses only grants live at the instant: effectiveAt inclusive, expiresAt exclusive', () => {
    const future = grant({ effectiveAt: 1000 });
    const expiring = grant({ expiresAt: 1000 });
    expect(isLiveAt(future, 999)).toBe(false);
    expect(isLiveAt(future, 1000)).toBe(true);
    expect(isLiveAt(expiring, 999)).toBe(true);
    expect(isLiveAt(expiring, 1000)).toBe(false);
    expect(availableAt([future, expiring], 999)).toBe(credits(10));
    expect(availableAt([future, expiring], 1000)).toBe(credits(10));
    expect(planDraws([future, expiring], credits(10), 1000)?.[0]?.grantId).toBe(future.id);
  });

  it('leaves held credits alone', () => {
    const held = grant({ amount: credits(10), held: credits(6) });
    expect(availableAt([held], 0)).toBe(credits(4));
    expect(planDraws([held], credits(5), 0)).toBeUndefined();
    expect(planDraws([held], credits(4), 0)).toEqual([
      { grantId: held.id, kind: 'promo', credits: credits(4) },
    ]);
  });
});
