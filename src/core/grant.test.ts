import { describe, expect, it } from 'vitest';
import { credits } from './amount.js';
import {
  availableAt,
  availableOf,
  compareSpendOrder,
  GRANT_KINDS,
  isFreeKind,
  isGrantKind,
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
  it('spends lower priority first, whatever the expiry, kind or age', () => {
    const late = grant({ priority: 60, expiresAt: 10, effectiveAt: 0 });
    const early = grant({ priority: 10, kind: 'purchase', expiresAt: null, effectiveAt: 5 });
    const middle = grant({ priority: 50 });
    expect(order([late, middle, early])).toEqual([early.id, middle.id, late.id]);
    const last = grant({ priority: 100 });
    const first = grant({ priority: 0 });
    expect(order([last, first])).toEqual([first.id, last.id]);
  });

  it('then the soonest expiry, never-expiring last, whatever the kind or age', () => {
    const never = grant({ expiresAt: null, effectiveAt: 0 });
    const later = grant({ expiresAt: 2000, effectiveAt: 1 });
    const sooner = grant({ expiresAt: 1000, kind: 'purchase', effectiveAt: 2 });
    expect(order([never, later, sooner])).toEqual([sooner.id, later.id, never.id]);
    expect(order([later, never, sooner])).toEqual([sooner.id, later.id, never.id]);
  });

  it('then free kinds before purchased, whatever the age', () => {
    const bought = grant({ kind: 'purchase', effectiveAt: 0 });
    const free = grant({ kind: 'admin_grant', effectiveAt: 100 });
    expect(order([bought, free])).toEqual([free.id, bought.id]);
    for (const kind of GRANT_KINDS) {
      expect(isFreeKind(kind), kind).toBe(kind !== 'purchase');
    }
  });

  it('then the oldest effective time, then by id', () => {
    const newer = grant({ effectiveAt: 50 });
    const older = grant({ effectiveAt: 10 });
    const twin = grant({ effectiveAt: 10 });
    expect(order([newer, twin, older])).toEqual([older.id, twin.id, newer.id]);
    const b = grant({ id: 'b' });
    const a = grant({ id: 'a' });
    expect(order([b, a])).toEqual(['a', 'b']);
    expect(compareSpendOrder(a, a)).toBe(0);
    expect(Math.sign(compareSpendOrder(a, b))).toBe(-1);
    expect(Math.sign(compareSpendOrder(b, a))).toBe(1);
  });

  it('orders free kinds among themselves by age', () => {
    const trial = grant({ kind: 'trial', effectiveAt: 30 });
    const refund = grant({ kind: 'refund', effectiveAt: 20 });
    const allowance = grant({ kind: 'allowance', effectiveAt: 10 });
    expect(order([trial, refund, allowance])).toEqual([allowance.id, refund.id, trial.id]);
  });

  it('knows its kinds', () => {
    expect(isGrantKind('allowance')).toBe(true);
    expect(isGrantKind('purchase')).toBe(true);
    expect(isGrantKind('gift')).toBe(false);
    expect(isGrantKind(undefined)).toBe(false);
  });
});

describe('drawing credits', () => {
  it('draws across grants in spend order, recording each draw and its kind', () => {
    const allowance = grant({ kind: 'allowance', amount: credits(5), expiresAt: 5000 });
    const pack = grant({ kind: 'purchase', amount: credits(100) });
    const promo = grant({ kind: 'promo', amount: credits(2), priority: 10 });
    expect(planDraws([pack, allowance, promo], credits(8), 100)).toEqual([
      { grantId: promo.id, kind: 'promo', credits: credits(2) },
      { grantId: allowance.id, kind: 'allowance', credits: credits(5) },
      { grantId: pack.id, kind: 'purchase', credits: credits(1) },
    ]);
  });

  it('draws from as few grants as the order allows', () => {
    const first = grant({ amount: credits(5), priority: 1 });
    const second = grant({ amount: credits(5), priority: 2 });
    expect(planDraws([second, first], credits(5), 0)).toEqual([
      { grantId: first.id, kind: 'promo', credits: credits(5) },
    ]);
    expect(planDraws([second, first], 1n, 0)).toEqual([
      { grantId: first.id, kind: 'promo', credits: 1n },
    ]);
    expect(planDraws([second, first], 0n, 0)).toEqual([]);
  });

  it('refuses as a whole when short (rule 3)', () => {
    expect(planDraws([grant({ amount: credits(7) })], credits(8), 100)).toBeUndefined();
    const a = grant({ amount: credits(3) });
    const b = grant({ amount: credits(4) });
    expect(planDraws([a, b], credits(7) + 1n, 0)).toBeUndefined();
    expect(planDraws([a, b], credits(7), 0)).toHaveLength(2);
    expect(planDraws([], 1n, 0)).toBeUndefined();
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
    expect(planDraws([future, expiring], credits(10), 999)?.[0]?.grantId).toBe(expiring.id);
  });

  it('skips grants not yet effective or expired even when they would come first', () => {
    const notYet = grant({ priority: 0, effectiveAt: 500 });
    const expired = grant({ priority: 0, expiresAt: 100 });
    const live = grant({ priority: 90, amount: credits(4) });
    expect(planDraws([notYet, expired, live], credits(4), 100)).toEqual([
      { grantId: live.id, kind: 'promo', credits: credits(4) },
    ]);
    // Their credits are not there to make up a shortfall.
    expect(planDraws([notYet, expired, live], credits(5), 100)).toBeUndefined();
    expect(availableAt([notYet, expired, live], 100)).toBe(credits(4));
    expect(availableAt([notYet, expired, live], 99)).toBe(credits(14));
    expect(availableAt([notYet, expired, live], 500)).toBe(credits(14));
  });

  it('leaves held credits alone', () => {
    const held = grant({ amount: credits(10), held: credits(6) });
    expect(availableOf(held)).toBe(credits(4));
    expect(availableAt([held], 0)).toBe(credits(4));
    expect(planDraws([held], credits(5), 0)).toBeUndefined();
    expect(planDraws([held], credits(4), 0)).toEqual([
      { grantId: held.id, kind: 'promo', credits: credits(4) },
    ]);
  });

  it('skips a fully held grant and takes only the free part of a partly held one', () => {
    const full = grant({ priority: 1, amount: credits(3), held: credits(3) });
    const partly = grant({
      priority: 2,
      amount: credits(10),
      remaining: credits(6),
      held: credits(2),
    });
    const rest = grant({ priority: 3, kind: 'purchase', amount: credits(50) });
    expect(planDraws([rest, partly, full], credits(6), 0)).toEqual([
      { grantId: partly.id, kind: 'promo', credits: credits(4) },
      { grantId: rest.id, kind: 'purchase', credits: credits(2) },
    ]);
    expect(availableAt([full, partly, rest], 0)).toBe(credits(54));
  });
});
