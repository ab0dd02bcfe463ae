/** The monthly allowance a plan sets, and grants taken back after a refund of their purchase. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credits } from '../core/amount.js';
import { code, testLedger, value, type TestLedger } from '../../test/support/harness.js';

describe('monthly allowance set by a plan', () => {
  let t: TestLedger;
  let org: string;

  beforeEach(async () => {
    t = testLedger('2026-03-10T12:00:00Z');
    org = value(
      await t.ledger.createOrg({
        name: 'Booths',
        timeZone: 'Europe/Paris',
        allowance: { credits: credits(1500) },
      }),
    ).id;
    t.clock.advance(1000);
  });
  afterEach(() => t.close());

  const available = async (iso?: string) =>
    value(await t.ledger.balance(org, iso === undefined ? undefined : Date.parse(iso))).available;

  it('an upgrade tops the current period up at once and renews at the new size', async () => {
    const changed = value(
      await t.ledger.setMonthlyAllowance(org, { credits: credits(5000), topUpNow: true }),
    );
    expect(changed).toMatchObject({ previous: credits(1500), toppedUp: credits(3500) });
    expect(changed.from).toBe(Date.parse('2026-03-31T22:00:00Z'));
    expect(await available()).toBe(credits(5000));
    // The top-up is an allowance: it expires with the period, and April starts at 5,000.
    t.clock.set('2026-04-02T00:00:00Z');
    expect(await available()).toBe(credits(5000));
    t.clock.set('2026-05-02T00:00:00Z');
    expect(await available()).toBe(credits(5000));
  });

  it('a downgrade keeps what was granted and shrinks from the next period', async () => {
    value(await t.ledger.setMonthlyAllowance(org, { credits: credits(500) }));
    expect(await available()).toBe(credits(1500));
    t.clock.set('2026-04-02T00:00:00Z');
    expect(await available()).toBe(credits(500));
    value(await t.ledger.advance(org));
    // Written to the log too, not only computed by reads.
    expect(await available()).toBe(credits(500));
  });

  it('0 ends the allowance after the current period', async () => {
    value(await t.ledger.setMonthlyAllowance(org, { credits: 0n, topUpNow: true }));
    expect(await available()).toBe(credits(1500));
    t.clock.set('2026-04-02T00:00:00Z');
    expect(await available()).toBe(0n);
  });

  it('the same allowance again changes nothing', async () => {
    const again = value(await t.ledger.setMonthlyAllowance(org, { credits: credits(1500) }));
    expect(again.toppedUp).toBe(0n);
    t.clock.set('2026-04-02T00:00:00Z');
    expect(await available()).toBe(credits(1500));
  });

  it('refuses negative allowances', async () => {
    expect(code(await t.ledger.setMonthlyAllowance(org, { credits: -1n }))).toBe('invalid_request');
  });
});

describe('revoking a grant', () => {
  let t: TestLedger;
  let org: string;

  beforeEach(async () => {
    t = testLedger('2026-03-10T12:00:00Z');
    value(
      await t.ledger.setFeature({
        id: 'image',
        name: 'Image',
        prices: [{ unit: 'action', credits: credits(8) }],
        effectiveAt: 0,
      }),
    );
    org = value(await t.ledger.createOrg({ name: 'Booths' })).id;
    t.clock.advance(1000);
  });
  afterEach(() => t.close());

  it('takes back an untouched grant whole, as an adjustment the statement shows', async () => {
    const grant = value(await t.ledger.grant(org, { kind: 'purchase', credits: credits(2500) }));
    const revoked = value(
      await t.ledger.revokeGrant(org, grant.id, { whole: true, note: 'refund' }),
    );
    expect(revoked).toMatchObject({ revoked: credits(2500), kept: 0n });
    expect(value(await t.ledger.balance(org)).available).toBe(0n);
    const log = value(await t.ledger.transactions(org, { types: ['adjustment'] })).data;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ credits: -credits(2500), note: 'refund' });
    const march = value(await t.ledger.statement(org, '2026-03'));
    expect(march.added).toBe(0n);
    expect(march.closing).toBe(0n);
  });

  it('with whole, refuses a grant partly spent and changes nothing', async () => {
    const grant = value(await t.ledger.grant(org, { kind: 'purchase', credits: credits(2500) }));
    value(await t.ledger.charge(org, { feature: 'image' }));
    expect(code(await t.ledger.revokeGrant(org, grant.id, { whole: true }))).toBe(
      'grant_partly_spent',
    );
    expect(value(await t.ledger.balance(org)).available).toBe(credits(2492));
    const partly = value(await t.ledger.revokeGrant(org, grant.id, {}));
    expect(partly).toMatchObject({ revoked: credits(2492), kept: credits(8) });
  });

  it('answers the same result to a retry with the same key', async () => {
    const grant = value(await t.ledger.grant(org, { kind: 'purchase', credits: credits(100) }));
    const first = await t.ledger.revokeGrant(org, grant.id, { idempotencyKey: 'r1' });
    const again = await t.ledger.revokeGrant(org, grant.id, { idempotencyKey: 'r1' });
    expect(again.replayed).toBe(true);
    expect(value(again)).toEqual(value(first));
  });
});
