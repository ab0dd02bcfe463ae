/**
 * The numbers users know from the systems they come from: 1,500 free credits each month with no
 * carry-over; text-to-image 8 credits, erase 7, upscale 0; a 2,500-credit pack that never expires;
 * free credits spent before purchased ones.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credits } from '../src/core/amount.js';
import { testLedger, type TestLedger } from './support/harness.js';

const action = (price: number) => [{ unit: 'action', credits: credits(price) }];

describe('the numbers users know', () => {
  let t: TestLedger;
  let org: string;

  beforeEach(async () => {
    t = testLedger('2026-01-01T00:00:00Z');
    for (const [id, name, price] of [
      ['text-to-image', 'Text to image', 8],
      ['erase', 'Erase', 7],
      ['upscale', 'Upscale', 0],
    ] as const) {
      const set = await t.ledger.setFeature({ id, name, prices: action(price), effectiveAt: 0 });
      expect(set.ok).toBe(true);
    }
    const created = await t.ledger.createOrg({
      name: 'Photo booth co',
      timeZone: 'Europe/Paris',
      allowance: { credits: credits(1500) },
    });
    if (!created.ok) throw new Error(created.refusal.message);
    org = created.value.id;
  });
  afterEach(() => t.close());

  it('gives 1,500 free credits each month and never carries them over', async () => {
    t.clock.set('2026-01-10T12:00:00Z');
    for (let i = 0; i < 25; i += 1) {
      const charged = await t.ledger.charge(org, { feature: 'text-to-image' });
      expect(charged.ok).toBe(true);
    }
    const january = await t.ledger.balance(org);
    expect(january.ok && january.value.available).toBe(credits(1500 - 200));

    t.clock.set('2026-02-15T00:00:00Z');
    const february = await t.ledger.balance(org);
    expect(february.ok && february.value.available).toBe(credits(1500));
    expect(february.ok && february.value.byKind.allowance).toBe(credits(1500));

    const statement = await t.ledger.statement(org, '2026-01');
    if (!statement.ok) throw new Error(statement.refusal.message);
    expect(statement.value.consumed).toBe(credits(200));
    expect(statement.value.expired).toBe(credits(1300));
    expect(statement.value.closing).toBe(0n);
    expect(statement.value.carriedForward).toBe(0n);
    expect(statement.value.usageCount).toBe(25);
  });

  it('charges 8 for text-to-image, 7 for erase and logs upscale at 0', async () => {
    t.clock.advance(1000);
    const image = await t.ledger.charge(org, { feature: 'text-to-image', user: 'ana' });
    const erase = await t.ledger.charge(org, { feature: 'erase', user: 'ana' });
    const upscale = await t.ledger.charge(org, { feature: 'upscale', user: 'ana' });
    expect(image.ok && -image.value.credits).toBe(credits(8));
    expect(erase.ok && -erase.value.credits).toBe(credits(7));
    expect(upscale.ok && upscale.value.credits).toBe(0n);
    expect(upscale.ok && upscale.value.status).toBe('succeeded');
    const balance = await t.ledger.balance(org);
    expect(balance.ok && balance.value.available).toBe(credits(1485));
    const log = await t.ledger.transactions(org, { types: ['usage'] });
    expect(log.ok && log.value.data.map((row) => row.feature)).toEqual([
      'upscale',
      'erase',
      'text-to-image',
    ]);
  });

  it('keeps a purchased 2,500 pack forever and spends free credits first', async () => {
    t.clock.advance(1000);
    const pack = await t.ledger.grant(org, { kind: 'purchase', credits: credits(2500) });
    expect(pack.ok && pack.value.expiresAt).toBeNull();
    const charged = await t.ledger.charge(org, { feature: 'text-to-image' });
    expect(charged.ok && charged.value.draws.map((draw) => draw.kind)).toEqual(['allowance']);

    // Spend the whole allowance, then one charge straddles free and purchased credits.
    for (let i = 0; i < 186; i += 1) await t.ledger.charge(org, { feature: 'text-to-image' });
    const straddle = await t.ledger.charge(org, { feature: 'text-to-image' });
    if (!straddle.ok) throw new Error(straddle.refusal.message);
    expect(straddle.value.draws.map((draw) => [draw.kind, draw.credits])).toEqual([
      ['allowance', credits(4)],
      ['purchase', credits(4)],
    ]);

    t.clock.set('2027-06-01T00:00:00Z');
    const later = await t.ledger.balance(org);
    expect(later.ok && later.value.byKind.purchase).toBe(credits(2496));
    expect(later.ok && later.value.byKind.allowance).toBe(credits(1500));
  });
});
