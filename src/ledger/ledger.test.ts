/** The ledger's use cases on the embedded store, rule by rule (DESIGN.md section 2). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credits } from '../core/amount.js';
import { code, testLedger, value, type TestLedger } from '../../test/support/harness.js';

const HOUR = 3600_000;

describe('ledger', () => {
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
    value(
      await t.ledger.setFeature({
        id: 'chat',
        name: 'Chat',
        prices: [
          { unit: 'input_tokens', credits: credits(3), per: 1000 },
          { unit: 'output_tokens', credits: credits(15), per: 1000 },
        ],
        effectiveAt: 0,
      }),
    );
    org = value(
      await t.ledger.createOrg({
        name: 'Studio',
        timeZone: 'America/New_York',
        allowance: { credits: credits(100) },
      }),
    ).id;
    t.clock.advance(1000);
  });
  afterEach(() => t.close());

  const available = async (at?: number) => value(await t.ledger.balance(org, at)).available;

  describe('charges', () => {
    it('prices tokens exactly, rounded half-up to the micro-credit', async () => {
      const charged = value(
        await t.ledger.charge(org, {
          feature: 'chat',
          quantities: { input_tokens: 1234, output_tokens: 0.5 },
          model: 'gpt',
        }),
      );
      // 1234 × 3 / 1000 + 0.5 × 15 / 1000 = 3.702 + 0.0075 = 3.7095
      expect(-charged.credits).toBe(3_709_500n);
      expect(charged.quantities).toEqual({ input_tokens: '1234', output_tokens: '0.5' });
      const tiny = value(
        await t.ledger.charge(org, { feature: 'chat', quantities: { input_tokens: 0.0001 } }),
      );
      // 0.0000003 credits = 0.3 micro: rounds to 0
      expect(tiny.credits).toBe(0n);
      const half = value(
        await t.ledger.charge(org, { feature: 'chat', quantities: { output_tokens: 0.0001 } }),
      );
      // 0.0000015 credits = 1.5 micros: rounds half-up to 2
      expect(-half.credits).toBe(2n);
    });

    it('refuses unknown features and units, writing nothing', async () => {
      expect(code(await t.ledger.charge(org, { feature: 'video' }))).toBe('unknown_feature');
      expect(code(await t.ledger.charge(org, { feature: 'chat', quantities: { pixels: 3 } }))).toBe(
        'unknown_unit',
      );
      expect(code(await t.ledger.charge(org, { feature: 'chat' }))).toBe('invalid_request');
      expect(value(await t.ledger.transactions(org, { types: ['usage'] })).data).toHaveLength(0);
    });

    it('logs a failed attempt without spending', async () => {
      const failed = value(
        await t.ledger.charge(org, { feature: 'image', status: 'failed', note: 'GPU timeout' }),
      );
      expect(failed).toMatchObject({ status: 'failed', credits: 0n, draws: [] });
      expect(await available()).toBe(credits(100));
    });

    it('refuses a charge it cannot pay whole, logs it and says what was available', async () => {
      value(await t.ledger.charge(org, { feature: 'chat', quantities: { input_tokens: 31_000 } }));
      const refused = await t.ledger.charge(org, { feature: 'image', user: 'ana' });
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.refusal.code).toBe('insufficient_credits');
      expect(refused.refusal.details).toMatchObject({
        available: credits(7),
        required: credits(8),
      });
      expect(await available()).toBe(credits(7));
      const [row] = value(await t.ledger.transactions(org, { statuses: ['refused'] })).data;
      expect(row).toMatchObject({
        type: 'usage',
        status: 'refused',
        credits: 0n,
        user: 'ana',
        reason: 'insufficient_credits',
      });
    });

    it('uses the price version in force at the charge', async () => {
      value(
        await t.ledger.setFeature({
          id: 'image',
          name: 'Image',
          prices: [{ unit: 'action', credits: credits(10) }],
          effectiveAt: t.clock.now() + HOUR,
        }),
      );
      expect(-value(await t.ledger.charge(org, { feature: 'image' })).credits).toBe(credits(8));
      t.clock.advance(HOUR);
      expect(-value(await t.ledger.charge(org, { feature: 'image' })).credits).toBe(credits(10));
      const features = await t.ledger.listFeatures();
      expect(features.find((feature) => feature.id === 'image')?.lines[0]?.credits).toBe(
        credits(10),
      );
    });
  });

  describe('time (rule 6)', () => {
    it('refuses a write dated before the latest one, and one in the future', async () => {
      value(await t.ledger.charge(org, { feature: 'image' }));
      const past = await t.ledger.charge(org, { feature: 'image', at: t.clock.now() - 1 });
      expect(code(past)).toBe('at_before_latest_entry');
      const future = await t.ledger.charge(org, { feature: 'image', at: t.clock.now() + 1 });
      expect(code(future)).toBe('invalid_request');
      expect(await available()).toBe(credits(92));
    });

    it('records the past with at, and counts a grant from effectiveAt', async () => {
      const start = t.clock.now();
      t.clock.advance(10 * HOUR);
      value(await t.ledger.charge(org, { feature: 'image', at: start + HOUR }));
      const later = value(
        await t.ledger.grant(org, {
          kind: 'promo',
          credits: credits(5),
          effectiveAt: t.clock.now() + HOUR,
        }),
      );
      expect(await available()).toBe(credits(92));
      expect(await available(later.effectiveAt)).toBe(credits(97));
      const early = await t.ledger.grant(org, {
        kind: 'promo',
        credits: credits(5),
        effectiveAt: start,
      });
      expect(early.ok ? 'ok' : early.refusal.details.field).toBe('effectiveAt');
    });
  });

  describe('expiry (rule 5)', () => {
    it('makes credits unavailable from expiresAt on, before any job runs', async () => {
      const expiresAt = t.clock.now() + HOUR;
      value(await t.ledger.grant(org, { kind: 'trial', credits: credits(20), expiresAt }));
      expect(await available(expiresAt - 1)).toBe(credits(120));
      expect(await available(expiresAt)).toBe(credits(100));
      t.clock.advance(2 * HOUR);
      value(await t.ledger.advance(org));
      const [expiry] = value(await t.ledger.transactions(org, { types: ['expiry'] })).data;
      expect(expiry).toMatchObject({ at: expiresAt, credits: -credits(20) });
    });

    it('gives the allowance afresh each month, at local midnight, without carry-over', async () => {
      // New York is UTC−4 after the DST change of 8 March 2026: April starts at 04:00 UTC.
      const april = Date.parse('2026-04-01T04:00:00Z');
      expect(await available(april - 1)).toBe(credits(100));
      value(await t.ledger.charge(org, { feature: 'image' }));
      expect(await available(april - 1)).toBe(credits(92));
      expect(await available(april)).toBe(credits(100));
      t.clock.set('2026-07-15T00:00:00Z');
      value(await t.ledger.charge(org, { feature: 'image' }));
      const may = value(await t.ledger.statement(org, '2026-05'));
      expect(may).toMatchObject({
        opening: 0n,
        added: credits(100),
        consumed: 0n,
        expired: credits(100),
        closing: 0n,
      });
      const grants = value(await t.ledger.listGrants(org));
      expect(
        grants.filter((grant) => grant.kind === 'allowance').map((grant) => grant.amount),
      ).toEqual(Array.from({ length: 5 }, () => credits(100)));
      expect(value(await t.ledger.listGrants(org, { active: true }))).toHaveLength(1);
    });
  });

  describe('holds (rule 8)', () => {
    it('reserves, then captures less and gives the rest back', async () => {
      const held = value(
        await t.ledger.hold(org, { feature: 'image', credits: credits(30), user: 'ana' }),
      );
      expect(held).toMatchObject({ status: 'pending', credits: credits(30) });
      const during = value(await t.ledger.balance(org));
      expect(during).toMatchObject({ available: credits(70), held: credits(30) });
      const charge = value(await t.ledger.capture(org, held.id, { credits: credits(12) }));
      expect(charge).toMatchObject({ credits: -credits(12), holdId: held.id, user: 'ana' });
      expect(value(await t.ledger.balance(org))).toMatchObject({
        available: credits(88),
        held: 0n,
      });
      expect(code(await t.ledger.capture(org, held.id, {}))).toBe('hold_not_pending');
      expect(code(await t.ledger.void(org, held.id, {}))).toBe('hold_not_pending');
    });

    it('captures more than held only if available', async () => {
      const held = value(await t.ledger.hold(org, { feature: 'image' }));
      expect(code(await t.ledger.capture(org, held.id, { credits: credits(101) }))).toBe(
        'insufficient_credits',
      );
      expect(value(await t.ledger.balance(org)).held).toBe(credits(8));
      const charge = value(await t.ledger.capture(org, held.id, { credits: credits(100) }));
      expect(charge.credits).toBe(-credits(100));
      expect(await available()).toBe(0n);
    });

    it('voids on request and by itself at expiresAt', async () => {
      const voided = value(await t.ledger.hold(org, { feature: 'image' }));
      expect(value(await t.ledger.void(org, voided.id, { reason: 'cancelled' })).status).toBe(
        'voided',
      );
      const lapsing = value(await t.ledger.hold(org, { feature: 'image', ttlSeconds: 60 }));
      expect(await available(lapsing.expiresAt - 1)).toBe(credits(92));
      expect(await available(lapsing.expiresAt)).toBe(credits(100));
      t.clock.current = lapsing.expiresAt;
      expect(code(await t.ledger.capture(org, lapsing.id, {}))).toBe('hold_not_pending');
      // A refusal writes nothing, not even what was due; the next write does.
      value(await t.ledger.advance(org));
      const voids = value(await t.ledger.transactions(org, { types: ['void'] })).data;
      expect(voids.map((row) => row.reason)).toEqual(['expired', 'cancelled']);
    });

    it('keeps held credits past their grant expiry: captured they are spent, voided they expire', async () => {
      t.clock.set('2026-03-31T23:00:00Z');
      const captured = value(
        await t.ledger.hold(org, { feature: 'image', credits: credits(30), ttlSeconds: 86_400 }),
      );
      const voided = value(
        await t.ledger.hold(org, { feature: 'image', credits: credits(20), ttlSeconds: 86_400 }),
      );
      t.clock.set('2026-04-01T12:00:00Z');
      expect(value(await t.ledger.balance(org))).toMatchObject({
        available: credits(100),
        held: credits(50),
      });
      value(await t.ledger.capture(org, captured.id, { credits: credits(25) }));
      value(await t.ledger.void(org, voided.id, {}));
      expect(value(await t.ledger.balance(org))).toMatchObject({
        available: credits(100),
        held: 0n,
      });
      const march = value(await t.ledger.statement(org, '2026-03'));
      expect(march.byKind.allowance).toMatchObject({
        added: credits(100),
        expired: credits(50),
        closing: credits(50),
      });
      expect(march.carriedForward).toBe(0n);
      const april = value(await t.ledger.statement(org, '2026-04'));
      expect(april.opening).toBe(credits(50));
      expect(april.byKind.allowance).toMatchObject({ consumed: credits(25), expired: credits(25) });
    });
  });

  describe('refunds', () => {
    it('returns credits to their grants, whole or in part, never more than charged', async () => {
      value(await t.ledger.grant(org, { kind: 'purchase', credits: credits(10) }));
      value(await t.ledger.charge(org, { feature: 'chat', quantities: { input_tokens: 32_000 } }));
      const charge = value(await t.ledger.charge(org, { feature: 'image' }));
      expect(charge.draws.map((draw) => [draw.kind, draw.credits])).toEqual([
        ['allowance', credits(4)],
        ['purchase', credits(4)],
      ]);
      // Last drawn, first returned.
      const part = value(
        await t.ledger.refund(org, charge.id, { credits: credits(5), note: 'blurry' }),
      );
      expect(part.draws.map((draw) => [draw.kind, draw.credits])).toEqual([
        ['purchase', credits(4)],
        ['allowance', credits(1)],
      ]);
      expect(code(await t.ledger.refund(org, charge.id, { credits: credits(4) }))).toBe(
        'refund_exceeds_charge',
      );
      expect(part).toMatchObject({ feature: 'image', chargeId: charge.id });
      const rest = value(await t.ledger.refund(org, charge.id, {}));
      expect(rest.credits).toBe(credits(3));
      expect(code(await t.ledger.refund(org, charge.id, {}))).toBe('refund_exceeds_charge');
      expect(value(await t.ledger.balance(org)).byKind).toMatchObject({
        allowance: credits(4),
        purchase: credits(10),
      });
      expect(code(await t.ledger.refund(org, 'chg_missing', {}))).toBe('unknown_charge');
    });

    it('turns what cannot go back to an expired grant into a refund grant', async () => {
      const charge = value(await t.ledger.charge(org, { feature: 'image' }));
      t.clock.set('2026-04-02T00:00:00Z');
      const refunded = value(await t.ledger.refund(org, charge.id, {}));
      expect(refunded.draws).toEqual([
        expect.objectContaining({ kind: 'refund', credits: credits(8) }),
      ]);
      expect(value(await t.ledger.balance(org)).byKind).toMatchObject({
        allowance: credits(100),
        refund: credits(8),
      });
    });
  });

  describe('idempotency (rule 7)', () => {
    it('refuses a retry while the first request is still running', async () => {
      const [first, second] = await Promise.all([
        t.ledger.charge(org, { feature: 'image', idempotencyKey: 'same' }),
        t.ledger.charge(org, { feature: 'image', idempotencyKey: 'same' }),
      ]);
      expect(code(first)).toBe('ok');
      expect(code(second)).toBe('idempotency_key_in_use');
      const replay = await t.ledger.charge(org, { feature: 'image', idempotencyKey: 'same' });
      expect(replay.replayed).toBe(true);
      expect(await available()).toBe(credits(92));
    });

    it('replays refusals too', async () => {
      const first = await t.ledger.charge(org, {
        feature: 'chat',
        quantities: { input_tokens: 1e6 },
        idempotencyKey: 'big',
      });
      value(await t.ledger.grant(org, { kind: 'purchase', credits: credits(5000) }));
      const replay = await t.ledger.charge(org, {
        feature: 'chat',
        quantities: { input_tokens: 1e6 },
        idempotencyKey: 'big',
      });
      expect(code(first)).toBe('insufficient_credits');
      expect(replay).toMatchObject({
        ok: false,
        replayed: true,
        refusal: { code: 'insufficient_credits' },
      });
    });
  });
});
